"""The filter form every list's query string goes through (SECURITY.md, "query strings"):
?area=<Area id> (everything under it; only the user's own areas are accepted) and ?from=&to=
(inclusive dates, Asia/Shanghai), plus each list's own fields in its subclass. A bad value is
the form's error shown next to the filter, never a 404 or a 500; an ?area outside the user's
areas is an error and an empty list, never a wider one. The kernel's pingxiang.listfilters
holds what needs no area: the field names, paging and the drill-down parameters."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator

from grids.access import q_under_area
from grids.models import Area, Campaign
from pingxiang.bounds import BoundedDateField
from pingxiang.listfilters import DATE, DRILL_FIELDS
from pingxiang.periods import (
    PeriodError,
    PeriodKind,
    check_period,
    month_period,
    quarter_period,
    year_period,
)


class ListFilterForm(forms.Form):
    """?area, ?from, ?to. The three fields exist only when the request names one of them (a
    dashboard drill-down or a page of one): then they are drawn, filled, with the list's own
    filters, so changing another filter or paging keeps them; a plain list has none of them.

    Subclasses add their own fields and take `user=`; they filter on `applied` (the values
    that passed) and call `narrow`. `{{ form }}` draws the fields as a list's filter bar
    (pingxiang/jinja2/forms/filters.html)."""

    template_name = "forms/filters.html"

    area = forms.ModelChoiceField(label="辖区", queryset=None, required=False,
                                  empty_label="全部辖区",
                                  error_messages={"invalid_choice": "不在您的辖区内。"})
    # "from" is a keyword: the class namespace takes the field by name.
    locals()["from"] = BoundedDateField(label="统计自", required=False, widget=DATE)
    to = BoundedDateField(label="至", required=False, widget=DATE)

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user = user
        # Choices given as a callable (categories, which an administrator edits) are read once
        # per form: Django calls the callable each time the choices are iterated, and a list
        # page iterates them more than once (a query each).
        for field in self.fields.values():
            if isinstance(getattr(field, "choices", None), CallableChoiceIterator):
                field.choices = list(field.choices)
        self.drilled = bool(data) and any(data.get(name) for name in DRILL_FIELDS)
        # A subclass that declares its own field of the same name (a form whose "area" is
        # its own select) keeps it as it is.
        self._ours = ours = [name for name in DRILL_FIELDS
                             if type(self).base_fields[name] is ListFilterForm.base_fields[name]]
        if not self.drilled:
            for name in ours:
                del self.fields[name]
            return
        if "area" not in ours:
            return
        area = self.fields["area"]
        area.queryset = Area.objects.visible_to(user)  # what is accepted
        # What is drawn: the applied area only (clean adds it), since every area of a county
        # would be thousands of options.
        area.widget.choices = [("", area.empty_label)]

    def clean(self):
        data = super().clean()
        if data.get("area") and "area" in self._ours:
            area, chosen = self.fields["area"], data["area"]
            area.widget.choices = [("", area.empty_label), (chosen.pk, chosen.name)]
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", "结束日期不能早于开始日期。")
        return data

    def drill(self):
        """The valid drill-down values ({} when none); None when one of them is refused."""
        if not self.drilled:
            return {}
        self.is_valid()
        if any(name in self.errors for name in DRILL_FIELDS):
            return None
        return {name: self.cleaned_data.get(name) for name in DRILL_FIELDS}

    def narrow(self, qs, *, area_field, date_field=None, datetime_field=None, upto_field=None,
               upto_date_field=None, village=None):
        """Apply ?area, ?from, ?to. `date_field` for a DateField, `datetime_field` for a
        DateTimeField; `upto_field` (`upto_date_field`) counts everything up to ?to
        (cumulative figures); `area_field=None` leaves ?area to the caller (a form whose
        area is its own field, applied once); `village` names the model's own village
        column, so a town or village is read by index (grids.access.q_under_area). A refused
        value gives no rows: a list must never be wider than what was asked for."""
        drill = self.drill()
        if drill is None:
            return qs.none()
        area, start, end = drill.get("area"), drill.get("from"), drill.get("to")
        if area is not None and area_field is not None:
            qs = qs.filter(q_under_area(area, area_field, village=village))
        if date_field:
            if start:
                qs = qs.filter(**{f"{date_field}__gte": start})
            if end:
                qs = qs.filter(**{f"{date_field}__lte": end})
        if datetime_field:
            if start:
                qs = qs.filter(**{f"{datetime_field}__gte": _midnight(start)})
            if end:
                qs = qs.filter(**{f"{datetime_field}__lt": _midnight(end + dt.timedelta(days=1))})
        if upto_date_field and end:
            qs = qs.filter(**{f"{upto_date_field}__lte": end})
        if upto_field and end:
            qs = qs.filter(**{f"{upto_field}__lt": _midnight(end + dt.timedelta(days=1))})
        return qs

    def refusals(self):
        """(label, error) for each error of the fields a hand-written filter form draws
        itself, so a refused value is said, not silently dropped
        (templates/includes/refusals.html)."""
        if not self.is_bound or self.is_valid():
            return []
        rows = [(self.fields[name].label or name, error) for name, errors in self.errors.items()
                if name not in DRILL_FIELDS and name in self.fields for error in errors]
        return rows + [("", error) for error in self.non_field_errors()]

    @property
    def applied(self):
        """The values that passed (a refused one is left out, and said by its error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def value(self, name, default=None):
        """A field's cleaned value, or `default` when it is absent or refused."""
        if not self.is_bound:
            return default
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


class PeriodForm(forms.Form):
    """Which period: a month, quarter or year by number, a campaign, or free dates; the one
    period picker of the period reports and the ledgers. `clean` puts (start, end, label) in
    cleaned_data["period"] and refuses a period in the future or longer than five years, in
    Chinese (pingxiang.periods.check_period). With `optional`, an empty ?kind means no
    period (cleaned_data["period"] is None): the ledger then keeps the list's own dates."""

    kind = forms.ChoiceField(label="报表类型", choices=PeriodKind.choices,
                             initial=PeriodKind.MONTH)
    year = forms.IntegerField(label="年份", required=False, min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label="月份", required=False, coerce=int, empty_value=None,
                                   choices=[("", "—")] + [(m, f"{m}月") for m in range(1, 13)])
    quarter = forms.TypedChoiceField(label="季度", required=False, coerce=int, empty_value=None,
                                     choices=[("", "—")] + [(q, f"第{'一二三四'[q - 1]}季度")
                                                            for q in range(1, 5)])
    campaign = forms.ModelChoiceField(label="专项活动", queryset=None, required=False,
                                      error_messages={"invalid_choice": "活动不存在或不在您的辖区内。"})
    start = BoundedDateField(label="开始日期", required=False, widget=DATE)
    end = BoundedDateField(label="结束日期", required=False, widget=DATE)

    def __init__(self, *args, user, optional=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.optional = optional
        if optional:
            kind = self.fields["kind"]
            kind.required = False
            kind.choices = [("", "—")] + list(kind.choices)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).order_by(
            "-start_date")

    def clean(self):
        data = super().clean()
        data["period"] = None
        kind = data.get("kind")
        year, campaign = data.get("year"), data.get("campaign")
        need = {PeriodKind.MONTH: ["year", "month"], PeriodKind.QUARTER: ["year", "quarter"],
                PeriodKind.YEAR: ["year"], PeriodKind.CAMPAIGN: ["campaign"],
                PeriodKind.DATES: ["start", "end"]}.get(kind, [])
        missing = [n for n in need if data.get(n) in (None, "") and n not in self.errors]
        for name in missing:
            self.add_error(name, f"{PeriodKind(kind).label}需要填写{self.fields[name].label}。")
        if missing or any(n in self.errors for n in need) or not kind:
            return data
        if kind == PeriodKind.MONTH:
            start, end, label = month_period(year, data["month"])
        elif kind == PeriodKind.QUARTER:
            start, end, label = quarter_period(year, data["quarter"])
        elif kind == PeriodKind.YEAR:
            start, end, label = year_period(year)
        elif kind == PeriodKind.CAMPAIGN:
            start, end, label = campaign.start_date, campaign.end_date, campaign.name
        else:
            start, end = data["start"], data["end"]
            if start > end:
                start, end = end, start
            label = f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"
        try:
            data["period"] = check_period(kind, start, end, label)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if kind != PeriodKind.CAMPAIGN:
            data["campaign"] = None
        return data


def _midnight(day):
    return dt.datetime.combine(day, dt.time(), timezone.get_current_timezone())


def filter_form(request, form_class=ListFilterForm, **kwargs):
    """The list's filter form bound to the query string."""
    return form_class(request.GET, user=request.user, **kwargs)
