"""Dashboard figures of dispute cases: found, resolved, in progress, overdue; by level,
category and source. Each number links to the case list with the same filter."""

from django.db.models import Count, F, Q
from django.utils import timezone

from cases.models import ACTIVE_STATUSES, Case, Category, Level, Source
from pingxiang.metrics import Kind, breakdown, grouped, list_url, metric, ratio

GROUP = "矛盾纠纷"
# Cases received within the period, in their state now: a sum of the days they were received.
BY_DAY = {"kind": Kind.FLOW, "dated_by": (Case, "received_at")}


def _found(area, period):
    # Withdrawn and merged cases count nowhere (the case list leaves them out too).
    return Case.objects.counted().filter(village__path__startswith=area.path,
                                         **period.datetime_filter("received_at"))


def _url(area, period, **extra):
    return list_url("cases:case_list", area, period, **extra)


@metric("disputes_found", "排查出矛盾纠纷", group=GROUP, unit="起", order=20, **BY_DAY,
        drill=lambda a, p: _url(a, p))
def disputes_found(area, period):
    return grouped(_found(area, period), F("village_id"))


@metric("disputes_resolved", "已化解", group=GROUP, unit="起", order=21, **BY_DAY,
        drill=lambda a, p: _url(a, p, status="done"))
def disputes_resolved(area, period):
    return grouped(_found(area, period).resolved(), F("village_id"))


ratio("dispute_resolution_rate", "化解率", numerator="disputes_resolved",
      denominator="disputes_found", group=GROUP, order=22)


@metric("disputes_in_progress", "正在调处", group=GROUP, unit="起", order=23, **BY_DAY,
        drill=lambda a, p: _url(a, p, status="active"))
def disputes_in_progress(area, period):
    return grouped(_found(area, period).active(), F("village_id"))


@metric("disputes_overdue", "逾期未化解", group=GROUP, unit="起", order=24, bad_when_high=True,
        kind=Kind.NOW,  # overdue: the clock moves it
        drill=lambda a, p: _url(a, p, status="overdue"))
def disputes_overdue(area, period):
    return grouped(_found(area, period).overdue(timezone.now()), F("village_id"))


@metric("disputes_unresolved", "未化解转出", group=GROUP, unit="起", order=25, **BY_DAY,
        drill=lambda a, p: _url(a, p, status="unresolved"))
def disputes_unresolved(area, period):
    return grouped(_found(area, period).filter(status="unresolved"), F("village_id"))


def _rows(area, period, counts, labels, param, *, key=None):
    """Rows found / resolved / in progress per value (`counts`: {value: (n, done, active)}),
    each a link."""
    rows = []
    for value, label in labels:
        if value not in counts:
            continue
        n_all, n_done, n_active = counts[value]
        extra = {param: key(value) if key else value}
        rows.append({"label": label, "cells": [
            {"value": n_all, "url": _url(area, period, **extra)},
            {"value": n_done, "url": _url(area, period, status="done", **extra)},
            {"value": n_active, "url": _url(area, period, status="active", **extra)},
        ]})
    return {"headers": ["", "排查出", "已化解", "调处中"], "rows": rows}


# Found / resolved / in progress, counted per village (a breakdown an area above counts once).
COUNTED = {"records": _found, "owner": F("village_id"),
           "counts": {"n": Count("pk"), "d": Count("pk", filter=~Q(resolution_method="")),
                      "a": Count("pk", filter=Q(status__in=ACTIVE_STATUSES))}}


@breakdown("disputes_by_level", "按层级（五级九天）", group=GROUP, order=26, by="level",
           **COUNTED)
def by_level(area, period, counts):
    labels = [(lv.number, f"{lv.number}级 {lv.name}") for lv in Level.objects.order_by("number")]
    return _rows(area, period, counts, labels, "level")


@breakdown("disputes_by_category", "按类别", group=GROUP, order=27, by="category_id",
           **COUNTED)
def by_category(area, period, counts):
    labels = list(Category.objects.order_by("sort_order", "pk").values_list("pk", "name"))
    return _rows(area, period, counts, labels, "category")


@breakdown("disputes_by_source", "按来源", group=GROUP, order=28, by="source", **COUNTED)
def by_source(area, period, counts):
    return _rows(area, period, counts, Source.choices, "source")
