"""The period reports' pages: the area's report archive with the form that asks for one,
a report's progress page (polled with htmx while it is made) and its download."""

import datetime as dt

from django import forms
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dashboard.models import PeriodReport
from dashboard.reports import request_report
from dashboard.views import DASHBOARD_ROLES, dashboard_areas, default_area
from grids.access import require_role
from grids.filters import ListFilterForm, PeriodForm
from pingxiang.access import scoped
from pingxiang.audit import log_access
from pingxiang.listfilters import paginate
from pingxiang.models import AccessEvent
from pingxiang.uploads import serve_file


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.short_name}（{obj.get_kind_display()}）"


class ReportRequestForm(PeriodForm):
    """Which area and period to report (grids.filters.PeriodForm: a month, quarter or year
    by number, a campaign, or free dates; never in the future, at most five years)."""

    area = AreaChoiceField(label="范围", queryset=None, empty_label=None,
                           error_messages={"invalid_choice": "不在您的辖区内。"})
    field_order = ["area"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["area"].queryset = dashboard_areas(user)
        if not self.is_bound:
            today = timezone.localdate()
            last_month = today.replace(day=1) - dt.timedelta(days=1)
            self.initial.update(area=default_area(user), year=last_month.year,
                                month=last_month.month)


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
