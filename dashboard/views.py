"""The leaders' dashboard, the per-village table, trend charts and the campaign briefing.
Figures come from pingxiang.metrics (one grouped query per metric); trends from DailyStat."""

from itertools import groupby

from django import forms
from django.core.exceptions import PermissionDenied
from django.forms import BoundField
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.choices import CallableChoiceIterator
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from dashboard import closing, rollups
from dashboard.charts import line_chart
from dashboard.figures import dashboard_figures
from dashboard.stats import trend
from grids import areatree
from grids.access import memberships, require_role, user_areas
from grids.filters import ListFilterForm
from grids.models import Area, Campaign
from pingxiang.access import scoped
from pingxiang.bounds import BoundedDateField
from pingxiang.figurecache import cached, cached_html
from pingxiang.listfilters import DATE
from pingxiang.metrics import Period, breakdowns, get_metric, metrics, ratios
from pingxiang.periods import campaign_choices
from pingxiang.replica import replica_reads
from pingxiang.roles import Role

DASHBOARD_ROLES = (Role.LEADER, Role.CENTRE_STAFF, Role.VILLAGE_CADRE, Role.SUPERVISOR,
                   Role.ADMIN)
_KINDS = (Area.Kind.CITY, Area.Kind.COUNTY, Area.Kind.TOWN, Area.Kind.VILLAGE)


def dashboard_areas(user):
    return Area.objects.visible_to(user).filter(kind__in=_KINDS).order_by("path")


def default_area(user):
    own = sorted((m.area for m in memberships(user)
                  if m.role in DASHBOARD_ROLES and m.area.kind in _KINDS),
                 key=lambda a: a.depth)
    if own:
        return own[0]
    raise PermissionDenied("您的岗位没有可查看的统计范围。")


class _AreaField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.short_name}（{obj.get_kind_display()}）"


class _InEffect(BoundField):
    """A field of the dashboard's filter bar draws the value the page applies (the form's
    `in_effect`), not the one asked: the user's own area when none was asked, a campaign's
    dates, this year's by default; a refused value is drawn blank, its error beside it."""

    def value(self):
        return self.field.prepare_value(self.form.in_effect.get(self.name))


class DashboardFilterForm(ListFilterForm):
    """The query string of the dashboard and the briefing: ?area= (a county, town or village
    of the user's; by default the highest one the user holds a dashboard post in), ?campaign=
    or ?start=&end= (by default this year to date), and the table's ?sort=&dir= (carried
    hidden when asked, so a new filter keeps the order). `{{ form }}` draws the page's filter
    bar (pingxiang/jinja2/forms/filters.html) with the values in effect; a refused value is said in
    Chinese next to its field and left out. A refused area is a 404, as before."""

    bound_field_class = _InEffect

    area = _AreaField(label="范围", queryset=None, required=False, empty_label=None,
                      error_messages={"invalid_choice": "不在您的辖区内。"})
    campaign = forms.ModelChoiceField(
        label="活动", queryset=None, required=False, empty_label="按日期",
        error_messages={"invalid_choice": "活动不存在或不在您的辖区内。"})
    start = BoundedDateField(label="开始日期", required=False, widget=DATE)
    end = BoundedDateField(label="结束日期", required=False, widget=DATE)
    sort = forms.ChoiceField(label="排序", required=False, widget=forms.HiddenInput)  # a column
    dir = forms.ChoiceField(label="排序方向", required=False, widget=forms.HiddenInput,
                            choices=[("", ""), ("asc", "升序"), ("desc", "降序")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields.pop("from", None)  # the lists' drill-down dates: these pages read start/end
        self.fields.pop("to", None)
        self.fields["area"].queryset = dashboard_areas(user)  # what is accepted
        self.fields["area"].widget.choices = CallableChoiceIterator(self._area_options)
        if "sort" in self.fields:
            # Only a real column reaches the cache key and the sort (a free value made a new
            # cache entry per value).
            self.fields["sort"].choices = [("", "")] + [
                (c.code, c.label) for c in [*metrics(), *ratios()]]
        for name in ("sort", "dir"):
            if name in self.fields and not self.data.get(name):
                del self.fields[name]
        if "campaign" in self.fields:
            self.offered_campaigns = campaign_choices(user)  # the latest 20, as offered before
            if not (self.offered_campaigns or self.data.get("campaign")):
                del self.fields["campaign"]  # nothing to choose: no select
            else:
                campaign = self.fields["campaign"]
                campaign.queryset = Campaign.objects.visible_to(user)  # what is accepted
                campaign.widget.choices = CallableChoiceIterator(self._campaign_options)

    def _area_options(self):
        """What the select offers: the user's own areas and the level below them, and the
        chosen area's line up to them with its own level and the level below it (a county
        leader sees the county and its towns, then a town's villages once in that town), not
        every one of a county's 350 villages. Any area of the user's is still accepted (the
        per-unit table links to each), and drawn chosen."""
        roots = [a for a in user_areas(self.user) if a.kind in _KINDS]
        keep = set()
        for root in roots:
            keep.add(root.pk)
            keep.update(areatree.child_ids(root))
        chosen = self.chosen_area
        if chosen is not None:
            keep.update(int(pk) for pk in chosen.path.strip("/").split("/"))
            keep.update(areatree.child_ids(chosen))
            keep.update(areatree.child_ids(chosen.parent_id))
        within = tuple(root.path for root in roots)
        areas = sorted((a for a in areatree.get_many(keep).values()
                        if a.kind in _KINDS and a.path.startswith(within)),
                       key=lambda a: a.path)
        field = self.fields["area"]
        return [(a.pk, field.label_from_instance(a)) for a in areas]

    def _campaign_options(self):
        """What the select offers: the latest campaigns, and the one chosen if older."""
        options = [(c.pk, c.name) for c in self.offered_campaigns]
        chosen = self.value("campaign")
        if chosen is not None and chosen.pk not in dict(options):
            options.append((chosen.pk, chosen.name))
        return [("", self.fields["campaign"].empty_label), *options]

    @cached_property
    def chosen_area(self):
        """The area in ?area= (None when refused), or the user's own when none is asked."""
        if not self.data.get("area"):
            return default_area(self.user)
        return self.value("area")

    @cached_property
    def chosen_period(self):
        """?campaign= (a 专项活动, its dates as pingxiang.periods.campaign_period gives them)
        or ?start=&end= (swapped when reversed); by default the current year to date."""
        campaign = self.value("campaign")
        if campaign is not None:
            return Period(campaign.start_date, campaign.end_date, label=campaign.name,
                          campaign_id=campaign.pk)
        start, end = self.value("start"), self.value("end")
        if start or end:
            if start and end and start > end:
                start, end = end, start
            return Period(start, end)
        return Period.year_to_date()

    @cached_property
    def in_effect(self):
        """What the page applies, by field: what the filter bar draws."""
        period = self.chosen_period
        return {**self.applied, "area": self.chosen_area, "campaign": period.campaign_id,
                "start": period.start, "end": period.end}


def _metric_choices():
    return [("", "常用指标"), *((m.code, m.label) for m in metrics() if m.snapshot)]


class TrendsFilterForm(DashboardFilterForm):
    """The trends' ?area=, ?days= (30 or 90) and ?metric= (one figure, or the first six)."""

    campaign = start = end = sort = dir = None
    days = forms.TypedChoiceField(label="天数", required=False, coerce=int,
                                  choices=[("30", "近30天"), ("90", "近90天")])
    metric = forms.ChoiceField(label="指标", required=False, choices=_metric_choices)

    @cached_property
    def in_effect(self):
        return {**self.applied, "area": self.chosen_area, "days": self.value("days", 30)}


def dashboard_filters(request, form_class=DashboardFilterForm):
    """The page's filter form, made once per request and kept on it (the trends page asks
    for its own first)."""
    form = getattr(request, "dashboard_filters", None)
    if not isinstance(form, form_class):
        form = request.dashboard_filters = form_class(request.GET, user=request.user)
    return form


def selected_area(request):
    """The area in ?area=, checked against the user's areas (404 outside them); the user's
    own by default."""
    area = dashboard_filters(request).chosen_area
    if area is None:
        raise Http404("不在您的辖区内。")
    return area


def selected_period(request):
    """?campaign= (a 专项活动) or ?start=&end=; by default the current year to date."""
    return dashboard_filters(request).chosen_period


def _cards(figures, version=None, *, kept=False):
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
    if kept:  # the rollups are built: the per-minute job keeps the tables
        computed = rollups.kept("breakdowns", area, period)
    else:
        computed = cached("breakdowns", area, period, lambda: closing.tables(area, period),
                          data_version=version)
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
@replica_reads
def dashboard(request):
    area = selected_area(request)
    period = selected_period(request)
    form = dashboard_filters(request)
    sort = form.value("sort", "")
    direction = "asc" if form.value("dir") == "asc" else "desc"
    state = rollups.state()
    villages_html = _figures_html("villages", area, period, sort, direction, state)
    if request.htmx:
        return HttpResponse(villages_html)
    return render(request, "dashboard/dashboard.html", {
        "area": area, "period": period, "period_query": period.as_query(),
        "cards_html": _figures_html("cards", area, period, sort, direction, state),
        "villages_html": villages_html, "filter_form": form,
    })


def _figures_html(partial, area, period, sort, direction, state):
    """The figure cards or the per-unit table, rendered once per version and minute (the
    same for every user who may see the area; nothing in them depends on who asks): the
    rollups' version once they are built (dashboard.rollups; a write shows once their
    per-minute refresh has run), the data version every write moves before."""
    version = rollups.cache_version(state)

    def render_partial():
        figures = dashboard_figures(area, period, state)
        context = {"area": area, "period": period, "period_query": period.as_query(),
                   "figures": figures, "sort": sort, "dir": direction}
        if partial == "cards":
            context["groups"] = _cards(figures, version, kept=state is not None)
            if figures.closed_at:
                context["tables_closed_at"] = closing.tables_closed_at(period, area)
        else:
            context["columns"], context["rows"] = _village_rows(figures, sort, direction)
        return render_to_string(f"dashboard/dashboard.html#{partial}", context)

    return cached_html(f"html:{partial}:{sort}:{direction}", area, period, render_partial,
                       data_version=version)


@scoped("area", model=Area)
@require_GET
@require_role(*DASHBOARD_ROLES)
@replica_reads
def trends(request):
    form = dashboard_filters(request, TrendsFilterForm)
    area = selected_area(request)
    days = form.value("days", 30)
    available = [m for m in metrics() if m.snapshot]
    code = form.value("metric")
    chosen = [m for m in available if m.code == code] or available[:6]
    charts = [{"metric": m, "chart": line_chart(trend(area, m.code, days=days),
                                                cumulative=m.stock)} for m in chosen]
    return render(request, "dashboard/trends.html", {
        "area": area, "days": days, "charts": charts, "filter_form": form,
    })
