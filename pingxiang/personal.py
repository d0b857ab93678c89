"""Validation of what people type about a person: names, ID and phone numbers, birth dates.

One rule per kind, shared by every form and by the household import, so the add form, the edit
form and the Excel import cannot accept different things.
"""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

# Characters that never belong in a name or a number and make what is stored differ from what
# is shown: C0/C1 controls, zero-width characters, bidirectional marks, embeddings, overrides
# and isolates (U+202E can make "王五abc" display as "王五cba"), and the byte-order mark.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def validate_plain_text(value):
    """Refuse a name or number that holds invisible or control characters."""
    if value and _HIDDEN.search(str(value)):
        raise ValidationError("含有不可见字符或控制字符（常见于从网页、微信复制），请删除后重新输入。",
                              code="hidden_characters")


# A mainland mobile number, or a landline with its area code (0931-1234567), or a local
# landline of 7-8 digits, as typed in the countryside without the code.
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}\d{7,8}|[2-9]\d{6,7}")


def normalise_phone(value):
    """The phone number with spaces and hyphens taken out; ValidationError unless it is a
    mainland mobile or landline number."""
    validate_plain_text(value)
    phone = (value or "").strip().replace(" ", "").replace("-", "")
    if phone and not _PHONE.fullmatch(phone):
        raise ValidationError("联系电话应为11位手机号（如 13800001234）或带区号的固定电话"
                              "（如 0931-1234567）。", code="phone")
    return phone


def validate_birth_date(day, *, today=None):
    """Refuse a birth date in the future or before 1900."""
    if day is None:
        return
    today = today or timezone.localdate()
    if day > today:
        raise ValidationError("出生日期不能晚于今天。", code="birth_future")
    if day < dt.date(1900, 1, 1):
        raise ValidationError("出生日期不能早于1900年，请核对。", code="birth_too_early")


class NameField(forms.CharField):
    """A person's name (or any text identifying one): no hidden characters."""

    default_validators = [validate_plain_text]


class PhoneField(forms.CharField):
    """A phone number, normalised (see normalise_phone)."""

    def clean(self, value):
        return normalise_phone(super().clean(value))


class BirthDateField(forms.DateField):
    def validate(self, value):
        super().validate(value)
        validate_birth_date(value)
