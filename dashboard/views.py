"""The leaders' dashboard, the per-village table, trend charts and the campaign briefing.
Figures come from pingxiang.metrics (one grouped query per metric); trends from DailyStat."""

import datetime as dt
from itertools import groupby

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.charts import line_chart
from dashboard.figures import compute
from dashboard.stats import trend
from grids.access import memberships, require_role
from grids.filters import ListFilterForm
from grids.models import Area
from pingxiang.access import scoped
from pingxiang.bounds import BoundedDateField
from pingxiang.figurecache import cached, cached_html
from pingxiang.metrics import Period, breakdowns, get_metric, metrics, ratios
from pingxiang.periods import campaign_choices, campaign_period
from pingxiang.roles import Role

DASHBOARD_ROLES = (Role.LEADER, Role.CENTRE_STAFF, Role.VILLAGE_CADRE, Role.SUPERVISOR,
                   Role.ADMIN)
_KINDS = (Area.Kind.COUNTY, Area.Kind.TOWN, Area.Kind.VILLAGE)


def dashboard_areas(user):
    return Area.objects.visible_to(user).filter(kind__in=_KINDS).order_by("path")


def default_area(user):
    own = sorted((m.area for m in memberships(user)
                  if m.role in DASHBOARD_ROLES and m.area.kind in _KINDS),
                 key=lambda a: a.depth)
    if own:
        return own[0]
    raise PermissionDenied("您的岗位没有可查看的统计范围。")


class DashboardFilterForm(ListFilterForm):
    """?area= (a county, town or village of the user's), ?campaign= or ?start=&end=, and the
    table's ?sort=&dir=, the trends' ?days=&metric=. A refused date or campaign is said
    above the figures and left out; a refused area is a 404, as before."""

    area = forms.ModelChoiceField(queryset=None, required=False)
    campaign = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    start = BoundedDateField(label="开始日期", required=False)
    end = BoundedDateField(label="结束日期", required=False)
    sort = forms.ChoiceField(required=False)  # a column of the table: a metric or a ratio
    dir = forms.ChoiceField(required=False, choices=[("", ""), ("asc", "asc"), ("desc", "desc")])
    days = forms.TypedChoiceField(required=False, coerce=int, choices=[("30", "30"),
                                                                      ("90", "90")])
    metric = forms.CharField(required=False, max_length=60)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["area"].queryset = dashboard_areas(user)
        # Only a real column reaches the cache key and the sort (a free value made a new
        # cache entry per value).
        self.fields["sort"].choices = [("", "")] + [
            (c.code, c.label) for c in [*metrics(), *ratios()]]


def dashboard_filters(request):
    """The dashboard's filter form, made once per request."""
    form = getattr(request, "_dashboard_filters", None)
    if form is None:
        form = request._dashboard_filters = DashboardFilterForm(request.GET, user=request.user)
    return form


def selected_area(request):
    """The area in ?area=, checked against the user's areas (404 outside them)."""
    form = dashboard_filters(request)
    if not request.GET.get("area"):
        return default_area(request.user)
    area = form.value("area")
    if area is None:
        raise Http404("不在您的辖区内。")
    return area


def selected_period(request):
    """?campaign= (a 专项活动) or ?start=&end=; by default the current year to date."""

    form = dashboard_filters(request)
    campaign = form.value("campaign")
    if campaign:
        period = campaign_period(campaign, request.user)
        if period is not None:
            return period
    start, end = form.value("start"), form.value("end")
    if start or end:
        if start and end and start > end:
            start, end = end, start
        return Period(start, end)
    today = timezone.localdate()
    return Period(dt.date(today.year, 1, 1), today, label=f"{today.year}年以来")


def _cards(figures):
    area, period = figures.area, figures.period
    cards = []
    for m in metrics():
        cards.append({
            "group": m.group, "label": m.label, "unit": m.unit, "code": m.code,
            "value": figures.totals.get(m.code, 0),
            "url": m.drill(area, period) if m.drill else None,
            "alert": m.bad_when_high and figures.totals.get(m.code, 0) > 0,
        })
    for r in ratios():
        if r.code in figures.rates:
            num = get_metric(r.numerator)
            cards.append({
                "group": r.group, "label": r.label, "unit": "%", "code": r.code,
                "value": figures.rates[r.code], "is_rate": True,
                "url": num.drill(area, period) if num.drill else None,
                "alert": (r.bad_below is not None and figures.rates[r.code] is not None
                          and figures.rates[r.code] < r.bad_below),
            })
    order = {}
    for m in metrics():
        order.setdefault(m.group, m.order)
    cards.sort(key=lambda c: order.get(c["group"], 999))
    tables = {}
    computed = cached("breakdowns", area, period,
                      lambda: {b.code: b.func(area, period) for b in breakdowns()})
    for b in breakdowns():
        table = computed.get(b.code)  # {"headers": [...], "rows": [{"label", "cells"}]}
        if table and table["rows"]:
            tables.setdefault(b.group, []).append({"label": b.label, "code": b.code, **table})
    return [(group, list(items), tables.get(group, []))
            for group, items in groupby(cards, key=lambda c: c["group"])]


def _village_rows(figures, sort, direction):
    """The per-unit table: villages of a town (or a village), towns of a county."""
    columns = [{"code": m.code, "label": m.label, "kind": "metric", "metric": m}
               for m in metrics()]
    columns += [{"code": r.code, "label": r.label, "kind": "ratio", "ratio": r}
                for r in ratios() if r.code in figures.rates]
    rows = []
    for unit in figures.units:
        cells = []
        for col in columns:
            if col["kind"] == "metric":
                m = col["metric"]
                value = figures.per_unit[m.code].get(unit.pk, 0)
                cells.append({"value": value, "url": m.drill(unit, figures.period)
                              if m.drill else None,
                              "alert": m.bad_when_high and value > 0})
            else:
                r = col["ratio"]
                value = figures.unit_rate(r.code, unit.pk)
                cells.append({"value": value, "is_rate": True, "url": None,
                              "alert": r.bad_below is not None and value is not None
                              and value < r.bad_below})
        rows.append({"village": unit, "cells": cells})
    codes = [c["code"] for c in columns]
    if sort in codes:
        i = codes.index(sort)
        rows.sort(key=lambda row: (row["cells"][i]["value"] is None,
                                   row["cells"][i]["value"] or 0),
                  reverse=(direction == "desc"))
    return columns, rows


@scoped("area", model=Area)
@require_GET
@require_role(*DASHBOARD_ROLES)
def dashboard(request):
    area = selected_area(request)
    period = selected_period(request)
    form = dashboard_filters(request)
    sort = form.value("sort", "")
    direction = "asc" if form.value("dir") == "asc" else "desc"
    villages_html = _figures_html("villages", area, period, sort, direction)
    if request.htmx:
        return HttpResponse(villages_html)
    return render(request, "dashboard/dashboard.html", {
        "area": area, "period": period, "period_query": period.as_query(),
        "cards_html": _figures_html("cards", area, period, sort, direction),
        "villages_html": villages_html,
        "areas": dashboard_areas(request.user), "campaigns": _campaign_choices(request.user),
        "filter_form": form,
    })


def _figures_html(partial, area, period, sort, direction):
    """The figure cards or the per-unit table, rendered once per data version (the same for
    every user who may see the area; nothing in them depends on who asks)."""
    def render_partial():
        figures = cached("figures", area, period, lambda: compute(area, period))
        context = {"area": area, "period": period, "period_query": period.as_query(),
                   "figures": figures, "sort": sort, "dir": direction}
        if partial == "cards":
            context["groups"] = _cards(figures)
        else:
            context["columns"], context["rows"] = _village_rows(figures, sort, direction)
        return render_to_string(f"dashboard/dashboard.html#{partial}", context)

    return cached_html(f"html:{partial}:{sort}:{direction}", area, period, render_partial)


def _campaign_choices(user):
    return campaign_choices(user)


@scoped("area", model=Area)
@require_GET
@require_role(*DASHBOARD_ROLES)
def trends(request):
    area = selected_area(request)
    form = dashboard_filters(request)
    days = form.value("days", 30)
    available = [m for m in metrics() if m.snapshot]
    code = form.value("metric")
    chosen = [m for m in available if m.code == code] or available[:6]
    charts = [{"metric": m, "chart": line_chart(trend(area, m.code, days=days))} for m in chosen]
    return render(request, "dashboard/trends.html", {
        "area": area, "days": days, "charts": charts, "available": available,
        "areas": dashboard_areas(request.user), "chosen_code": code or "",
        "filter_form": form,
    })
