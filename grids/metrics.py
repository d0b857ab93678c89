"""Dashboard figures of the grids app: households, visits and coverage, key persons and places."""

import datetime as dt

from django.db.models import F
from django.utils import timezone

from grids.models import Area, Household, KeyPerson, KeyPlace, Visit, VisitedHousehold
from pingxiang.metrics import Kind, Period, grouped, list_url, metric, ratio, village_key

GROUP = "走访排查"


# Registered households have no date: today's register, whatever the period (Kind.NOW).
@metric("households", "在册户数", group=GROUP, unit="户", order=10, stock=True, kind=Kind.NOW,
        drill=lambda a, p: list_url("grids:household_list", a, Period()))
def households(area, period):
    return grouped(Household.objects.filter(grid__path__startswith=area.path),
                   village_key("grid__path"))


def _village_ids(area):
    """The villages under area as a subquery. Filtering visits by village_id IN (...) rather
    than by a join on the area's path lets the planner estimate the rows right and use the
    visit_village_date index alone, not scan the county's visits."""

    return Area.objects.under(area).villages().values("pk")


@metric("households_visited", "走访排查群众", group=GROUP, unit="户", order=11, kind=Kind.DISTINCT,
        drill=lambda a, p: list_url("grids:household_list", a, p, visited="1"))
def households_visited(area, period):
    start, end = period.start, period.end
    if start and end and start == dt.date(start.year, 1, 1) and end.year == start.year:
        # From 1 January (the dashboards' year to date): the households whose first visit of
        # the year came by the end, one row each (VisitedHousehold). The same figure from the
        # visits is a COUNT DISTINCT over the year's: 2.2 s for a city, every minute.
        firsts = VisitedHousehold.objects.filter(
            year=start.year, village_id__in=_village_ids(area), first_on__lte=end)
        return grouped(firsts, F("village_id"))
    visits = Visit.objects.filter(village_id__in=_village_ids(area), household__isnull=False,
                                  **period.date_filter("visited_on"))
    return grouped(visits, F("village_id"), distinct="household_id")


ratio("coverage", "走访覆盖率", numerator="households_visited", denominator="households",
      group=GROUP, order=12, bad_below=80)


@metric("visits", "走访次数", group=GROUP, unit="次", order=13,
        kind=Kind.FLOW, dated_by=(Visit, "visited_on"),
        drill=lambda a, p: list_url("grids:visit_list", a, p))
def visits(area, period):
    return grouped(Visit.objects.filter(village_id__in=_village_ids(area),
                                        **period.date_filter("visited_on")), F("village_id"))


@metric("key_persons", "排查重点人员", group=GROUP, unit="人", order=14, stock=True,
        kind=Kind.STOCK, dated_by=(KeyPerson, "created_at"),
        drill=lambda a, p: list_url("grids:key_person_list", a, p, cumulative=True,
                                    status="all"))
def key_persons(area, period):
    qs = KeyPerson.objects.filter(grid__path__startswith=area.path)
    if period.end:
        qs = qs.filter(**Period(None, period.end).datetime_filter("created_at"))
    return grouped(qs, village_key("grid__path"))


@metric("key_places", "排查重点场所", group=GROUP, unit="处", order=15, stock=True,
        kind=Kind.STOCK, dated_by=(KeyPlace, "created_at"),
        drill=lambda a, p: list_url("grids:key_place_list", a, p, cumulative=True))
def key_places(area, period):
    qs = KeyPlace.objects.filter(grid__path__startswith=area.path)
    if period.end:
        qs = qs.filter(**Period(None, period.end).datetime_filter("created_at"))
    return grouped(qs, village_key("grid__path"))


@metric("key_persons_overdue", "重点人员走访逾期", group=GROUP, unit="人", order=16,
        bad_when_high=True, stock=True, kind=Kind.NOW,
        drill=lambda a, p: list_url("grids:key_person_list", a, Period(), overdue="1"))
def key_persons_overdue(area, period):
    qs = KeyPerson.objects.filter(grid__path__startswith=area.path).overdue(timezone.localdate())
    return grouped(qs, village_key("grid__path"))
