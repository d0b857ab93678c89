"""Bounds for values that come from a request: dates the calendar and PostgreSQL can both
hold with room to spare, and integers no larger than the column they are stored in.

Django gives a model's IntegerField the backend's range as validators, but a plain
`forms.IntegerField` written by hand knows nothing of the column: 99999999999 passed the
form and PostgreSQL refused it with a 500. `column_integer(Model, "field")` builds the form
field from the column, so the form refuses it with a message."""

import datetime as dt

from django import forms
from django.core import validators

# Nothing this system records happened before 2000 or is planned after 2100; a date outside
# these is a typo (or 9999-12-31, whose next day does not exist).
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)


class BoundedDateField(forms.DateField):
    default_error_messages = {"invalid": "日期格式应为 2026-11-29。"}

    def __init__(self, *, min_date=MIN_DATE, max_date=MAX_DATE, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validators.MinValueValidator(
            min_date, message=f"日期不能早于 {min_date:%Y-%m-%d}。"))
        self.validators.append(validators.MaxValueValidator(
            max_date, message=f"日期不能晚于 {max_date:%Y-%m-%d}。"))


def column_range(model, name):
    """(min, max) the column `model.name` holds, from the validators Django derives from the
    database backend's integer ranges (and any the field declares itself)."""
    low = high = None
    for v in model._meta.get_field(name).validators:
        if isinstance(v, validators.MinValueValidator):
            low = v.limit_value if low is None else max(low, v.limit_value)
        elif isinstance(v, validators.MaxValueValidator):
            high = v.limit_value if high is None else min(high, v.limit_value)
    return low, high


def column_integer(model, name, *, min_value=None, **kwargs):
    """A form IntegerField bounded by the column `model.name` (min_value may narrow it)."""
    low, high = column_range(model, name)
    if min_value is not None:
        low = min_value if low is None else max(low, min_value)
    return forms.IntegerField(min_value=low, max_value=high, **kwargs)
