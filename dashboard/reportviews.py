"""The period reports' pages: the area's report archive with the form that asks for one,
a report's progress page (polled with htmx while it is made) and its download."""

import datetime as dt

from django import forms
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dashboard.models import PeriodReport
from dashboard.reports import (
    ReportError,
    check_period,
    month_period,
    quarter_period,
    request_report,
    year_period,
)
from dashboard.views import DASHBOARD_ROLES, dashboard_areas, default_area
from grids.access import require_role
from grids.filters import ListFilterForm
from grids.models import Campaign
from pingxiang.access import scoped
from pingxiang.audit import log_access
from pingxiang.bounds import BoundedDateField
from pingxiang.listfilters import DATE, paginate
from pingxiang.models import AccessEvent
from pingxiang.uploads import serve_file

Kind = PeriodReport.Kind


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.short_name}（{obj.get_kind_display()}）"


class ReportRequestForm(forms.Form):
    """Which area and period to report: a month, quarter or year by number, a campaign, or
    free dates. `clean` turns them into (start, end, label) and refuses a period in the
    future or longer than five years, in Chinese."""

    area = AreaChoiceField(label="范围", queryset=None, empty_label=None,
                      error_messages={"invalid_choice": "不在您的辖区内。"})
    kind = forms.ChoiceField(label="报表类型", choices=Kind.choices, initial=Kind.MONTH)
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = dashboard_areas(user)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).order_by(
            "-start_date")
        if not self.is_bound:
            today = timezone.localdate()
            last_month = today.replace(day=1) - dt.timedelta(days=1)
            self.initial.update(area=default_area(user), year=last_month.year,
                                month=last_month.month)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        year, campaign = data.get("year"), data.get("campaign")
        need = {Kind.MONTH: ["year", "month"], Kind.QUARTER: ["year", "quarter"],
                Kind.YEAR: ["year"], Kind.CAMPAIGN: ["campaign"],
                Kind.DATES: ["start", "end"]}.get(kind, [])
        missing = [n for n in need if data.get(n) in (None, "") and n not in self.errors]
        for name in missing:
            self.add_error(name, f"{Kind(kind).label}需要填写{self.fields[name].label}。")
        if missing or any(n in self.errors for n in need) or not kind:
            return data
        if kind == Kind.MONTH:
            start, end, label = month_period(year, data["month"])
        elif kind == Kind.QUARTER:
            start, end, label = quarter_period(year, data["quarter"])
        elif kind == Kind.YEAR:
            start, end, label = year_period(year)
        elif kind == Kind.CAMPAIGN:
            start, end, label = campaign.start_date, campaign.end_date, campaign.name
        else:
            start, end = data["start"], data["end"]
            if start > end:
                start, end = end, start
            label = f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"
        try:
            data["period"] = check_period(kind, start, end, label)
        except ReportError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if kind != Kind.CAMPAIGN:
            data["campaign"] = None
        return data


@scoped("area", model=PeriodReport)
@require_http_methods(["GET", "POST"])
@require_role(*DASHBOARD_ROLES)
def reports(request):
    """The report archive of the user's areas (?area= narrows it) and the request form."""
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        start, end, label = form.cleaned_data["period"]
        report = request_report(area=form.cleaned_data["area"], kind=form.cleaned_data["kind"],
                                start=start, end=end, label=label,
                                campaign=form.cleaned_data["campaign"], actor=request.user)
        return redirect("dashboard_report", report.pk)
    filters = ListFilterForm(request.GET, user=request.user)
    qs = filters.narrow(PeriodReport.objects.visible_to(request.user), area_field="area")
    page = paginate(request, qs.select_related("area", "requested_by")
                    .order_by("-end", "-created_at"))
    return render(request, "dashboard/reports.html", {
        "form": form, "filters": filters, "page": page,
    }, status=400 if request.method == "POST" else 200)


def get_report_for_user(user, pk):
    """A report of an area the user sees; 404 for any other."""
    return get_object_or_404(PeriodReport.objects.visible_to(user).select_related("area"),
                             pk=pk)


@scoped("area", model=PeriodReport)
@require_GET
@require_role(*DASHBOARD_ROLES)
def report(request, pk):
    report = get_report_for_user(request.user, pk)
    template = "dashboard/report.html"
    return render(request, template + "#job" if request.htmx else template,
                  {"report": report})


@scoped("area", model=PeriodReport)
@require_GET
@require_role(*DASHBOARD_ROLES)
def report_download(request, pk):
    report = get_report_for_user(request.user, pk)
    if report.status != PeriodReport.Status.DONE:
        return redirect("dashboard_report", report.pk)
    log_access(request.user, AccessEvent.Kind.DOWNLOAD, report, request=request,
               detail=report.filename)
    return serve_file(report.file, download_name=report.filename)
