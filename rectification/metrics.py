"""Dashboard figures of inspections, hazards, supervision items, centres and legal-awareness
activities. Records hang on the most specific area (`area`); they are keyed by their village,
or by the area itself when it is above village level (the town's own centre)."""

import functools

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from grids.models import KeyPlace
from pingxiang.metrics import Kind, breakdown, grouped, list_url, metric
from rectification.models import (
    Centre,
    Hazard,
    HazardCategory,
    Inspection,
    IssueItem,
    LegalActivity,
)

SAFETY, SUPERVISION, BASE = "专项整治与隐患", "督导检查", "基层基础"
OWNER = Coalesce(F("village_id"), F("area_id"))
# Hazards found and supervision issues raised within the period, in their state now: a sum
# of the days found (raised). Overdue is the clock's (Kind.NOW).
HAZARDS_BY_DAY = {"kind": Kind.FLOW, "dated_by": (Hazard, "found_date")}
ISSUES_BY_DAY = {"kind": Kind.FLOW, "dated_by": (IssueItem, "created_at")}


def _under(model, area):
    return model.objects.filter(area__path__startswith=area.path)


# --- Inspections -------------------------------------------------------------------------
def _inspections(area, period, kind=None):
    qs = _under(Inspection, area).filter(**period.date_filter("date"))
    return qs.filter(place_kind=kind) if kind else qs


def _places_inspected(kind):
    def count(area, period):
        return grouped(_inspections(area, period, kind).filter(place__isnull=False), OWNER,
                       distinct="place_id")

    return count


def _inspection_url(area, period, **extra):
    return list_url("rectification:inspection_list", area, period, **extra)


@metric("inspections", "专项检查", group=SAFETY, unit="次", order=70, kind=Kind.FLOW,
        dated_by=(Inspection, "date"),
        drill=lambda a, p: _inspection_url(a, p))
def inspections(area, period):
    return grouped(_inspections(area, period), OWNER)


for _code, _label, _kind, _unit, _order in [
    ("inspected_logistics", "排查物流企业", KeyPlace.Kind.LOGISTICS, "家", 71),
    ("inspected_freight", "排查货运站", KeyPlace.Kind.FREIGHT, "个", 72),
    ("inspected_schools", "检查学校（校园周边）", KeyPlace.Kind.SCHOOL, "所", 73),
]:
    metric(_code, _label, group=SAFETY, unit=_unit, order=_order, kind=Kind.DISTINCT,
           drill=lambda a, p, k=_kind: _inspection_url(a, p, kind=k, distinct="place"))(
        _places_inspected(_kind))


@metric("school_inspections", "学校周边检查", group=SAFETY, unit="次", order=74, kind=Kind.FLOW,
        dated_by=(Inspection, "date"),
        drill=lambda a, p: _inspection_url(a, p, kind=KeyPlace.Kind.SCHOOL))
def school_inspections(area, period):
    return grouped(_inspections(area, period, KeyPlace.Kind.SCHOOL), OWNER)


# --- Hazards -----------------------------------------------------------------------------
def _hazards(area, period):
    # A withdrawn hazard counts nowhere (the list leaves it out too).
    return _under(Hazard, area).counted().filter(**period.date_filter("found_date"))


def _hazard_url(area, period, **extra):
    return list_url("rectification:hazard_list", area, period, **extra)


@functools.lru_cache(maxsize=32)
def _category_pk(name):
    """The id of a hazard category by name, for drill-down links. Cached per process: the
    per-village table builds these links for every village (the benchmark counted 4 queries
    a village without it); ids do not change when an administrator renames a category."""
    return HazardCategory.objects.filter(name=name).values_list("pk", flat=True).first()


@metric("hazards_found", "排查发现隐患", group=SAFETY, unit="处", order=75, **HAZARDS_BY_DAY,
        drill=lambda a, p: _hazard_url(a, p))
def hazards_found(area, period):
    return grouped(_hazards(area, period), OWNER)


@metric("hazards_rectified", "隐患整改销号", group=SAFETY, unit="处", order=76, **HAZARDS_BY_DAY,
        drill=lambda a, p: _hazard_url(a, p, status=Hazard.Status.CLOSED))
def hazards_rectified(area, period):
    return grouped(_hazards(area, period).filter(status=Hazard.Status.CLOSED), OWNER)


for _code, _label, _name, _order in [("hazards_road", "道路交通安全隐患", "道路交通", 77),
                                     ("hazards_fire", "消防隐患", "消防", 79)]:
    def _found(area, period, name=_name):
        return grouped(_hazards(area, period).filter(category__name=name), OWNER)

    def _fixed(area, period, name=_name):
        return grouped(_hazards(area, period).filter(category__name=name,
                                                     status=Hazard.Status.CLOSED), OWNER)

    metric(_code, _label, group=SAFETY, unit="处", order=_order, **HAZARDS_BY_DAY,
           drill=lambda a, p, n=_name: _hazard_url(a, p, category=_category_pk(n)))(_found)
    metric(f"{_code}_rectified", f"{_label}已整改", group=SAFETY, unit="处", order=_order + 1,
           **HAZARDS_BY_DAY,
           drill=lambda a, p, n=_name: _hazard_url(a, p, category=_category_pk(n),
                                                    status=Hazard.Status.CLOSED))(_fixed)


@metric("hazards_overdue", "隐患逾期未整改", group=SAFETY, unit="处", order=81, kind=Kind.NOW,  # overdue: the clock moves it
        bad_when_high=True, drill=lambda a, p: _hazard_url(a, p, status="overdue"))
def hazards_overdue(area, period):
    return grouped(_hazards(area, period).overdue(), OWNER)


@breakdown("hazards_by_category", "隐患按类别", group=SAFETY, order=82, records=_hazards,
           owner=OWNER, by="category_id",
           counts={"n": Count("pk"), "d": Count("pk", filter=Q(status=Hazard.Status.CLOSED))})
def hazards_by_category(area, period, counts):
    rows = []
    for category in HazardCategory.objects.order_by("sort_order", "pk"):
        if category.pk not in counts:
            continue
        n, d = counts[category.pk]
        rows.append({"label": category.name, "cells": [
            {"value": n, "url": _hazard_url(area, period, category=category.pk)},
            {"value": d, "url": _hazard_url(area, period, category=category.pk,
                                            status=Hazard.Status.CLOSED)},
        ]})
    return {"headers": ["类别", "发现", "已整改销号"], "rows": rows}


# --- Supervision -------------------------------------------------------------------------
def _issues(area, period):
    return _under(IssueItem, area).filter(**period.datetime_filter("created_at"))


def _issue_url(area, period, **extra):
    return list_url("rectification:issue_list", area, period, **extra)


@metric("issues_open", "督导问题未销号", group=SUPERVISION, unit="项", order=85, **ISSUES_BY_DAY,
        drill=lambda a, p: _issue_url(a, p, status="pending"))
def issues_open(area, period):
    return grouped(_issues(area, period).exclude(status=IssueItem.Status.CLOSED), OWNER)


@metric("issues_closed", "督导问题已销号", group=SUPERVISION, unit="项", order=86, **ISSUES_BY_DAY,
        drill=lambda a, p: _issue_url(a, p, status=IssueItem.Status.CLOSED))
def issues_closed(area, period):
    return grouped(_issues(area, period).filter(status=IssueItem.Status.CLOSED), OWNER)


@metric("issues_overdue", "督导问题逾期", group=SUPERVISION, unit="项", order=87, kind=Kind.NOW,  # overdue: the clock moves it
        bad_when_high=True, drill=lambda a, p: _issue_url(a, p, status="overdue"))
def issues_overdue(area, period):
    return grouped(_issues(area, period).overdue(), OWNER)


# --- Centres and legal awareness ---------------------------------------------------------
def _centres(area, period):
    qs = Centre.objects.filter(area__path__startswith=area.path)
    return qs.filter(upgraded_on__lte=period.end) if period.end else qs


@metric("centres_upgraded", "综治中心巩固提升", group=BASE, unit="处", order=90, stock=True,
        kind=Kind.STOCK, dated_by=(Centre, "upgraded_on"),
        drill=lambda a, p: list_url("rectification:centre_list", a, p, cumulative=True,
                                    upgrade=Centre.Upgrade.DONE))
def centres_upgraded(area, period):
    return grouped(_centres(area, period).filter(upgrade_status=Centre.Upgrade.DONE),
                   F("area_id"))


@metric("centres_demonstration", "示范综治中心", group=BASE, unit="处", order=91, stock=True,
        kind=Kind.STOCK, dated_by=(Centre, "upgraded_on"),
        drill=lambda a, p: list_url("rectification:centre_list", a, p, cumulative=True,
                                    demo="1"))
def centres_demonstration(area, period):
    return grouped(_centres(area, period).filter(is_demonstration=True), F("area_id"))


@metric("legal_activities", "普法宣传活动", group=BASE, unit="场", order=92, kind=Kind.FLOW,
        dated_by=(LegalActivity, "date"),
        drill=lambda a, p: list_url("rectification:legal_list", a, p))
def legal_activities(area, period):
    return grouped(_under(LegalActivity, area).filter(**period.date_filter("date")), OWNER)


@breakdown("inspections_by_kind", "检查按场所类别", group=SAFETY, order=83)
def inspections_by_kind(area, period):
    counts = {kind: (n, places) for kind, n, places in _inspections(area, period).order_by()
              .values_list("place_kind").annotate(n=Count("pk"), p=Count("place", distinct=True))
              .values_list("place_kind", "n", "p")}
    rows = []
    for kind, label in [*KeyPlace.Kind.choices, ("", "路段/区域")]:
        if kind not in counts:
            continue
        n, places = counts[kind]
        if kind:
            cells = [{"value": places, "url": _inspection_url(area, period, kind=kind,
                                                              distinct="place")},
                     {"value": n, "url": _inspection_url(area, period, kind=kind)}]
        else:  # road sections and areas: no key place to count
            cells = [{"value": "—"}, {"value": n,
                                      "url": _inspection_url(area, period, kind="none")}]
        rows.append({"label": label, "cells": cells})
    return {"headers": ["场所类别", "检查场所", "检查次数"], "rows": rows}
