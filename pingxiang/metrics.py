"""The figures leaders ask for, defined once and used by the dashboard, the per-village
table, the nightly snapshots, the trend charts and the briefing.

Each app declares its figures in its own metrics.py (autodiscovered):

    from pingxiang.metrics import metric

    @metric("disputes_found", "排查出矛盾纠纷", group="矛盾纠纷", unit="起", order=10,
            drill=lambda area, period: reverse("cases:case_list") + query(area, period))
    def disputes_found(area, period):
        return dict(Case.objects.filter(village__path__startswith=area.path, ...)
                    .values_list("village_id").annotate(n=Count("id")))

A metric function answers for every village under `area` in ONE grouped query: a dict
{owning area id: count} (the village, or the town itself for a record of the town's own).
Totals are sums of those values, so every record counts once. `period.start`/`period.end` are inclusive dates (None = open); for a figure that is a
state rather than a flow ("in progress", "overdue") the period's end is the "as of" day.
Ratios (办结率, 双满意率) are declared from two counts and computed, never stored.

Each metric also says how a period's figure is made of days (`kind`, see Kind), and for the
two kinds that are sums of days, which date field of which model dates a record
(`dated_by`): the dashboard's per-day rollups (dashboard.rollups) are built from that, not
from special cases.
"""

import datetime as dt
import operator
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Func, IntegerField, Value
from django.db.models.functions import Cast, NullIf
from django.urls import reverse
from django.utils import timezone

from pingxiang.listfilters import drill_params

_METRICS: dict = {}
_RATIOS: dict = {}


@dataclass(frozen=True)
class Period:
    start: dt.date | None = None
    end: dt.date | None = None
    label: str = ""
    campaign_id: int | None = None

    @classmethod
    def year_to_date(cls, today=None):
        """The dashboard's default: this year until today."""
        today = today or timezone.localdate()
        return cls(dt.date(today.year, 1, 1), today, label=f"{today.year}年以来")

    def datetimes(self):
        """Aware [start, end) datetimes for timestamp columns, in Asia/Shanghai days."""
        tz = ZoneInfo(settings.TIME_ZONE)
        start = dt.datetime.combine(self.start, dt.time.min, tz) if self.start else None
        end = (dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tz)
               if self.end else None)
        return start, end

    def date_filter(self, field_name):
        """kwargs filtering a DateField to the period."""
        out = {}
        if self.start:
            out[f"{field_name}__gte"] = self.start
        if self.end:
            out[f"{field_name}__lte"] = self.end
        return out

    def datetime_filter(self, field_name):
        start, end = self.datetimes()
        out = {}
        if start:
            out[f"{field_name}__gte"] = start
        if end:
            out[f"{field_name}__lt"] = end
        return out

    def as_query(self):
        params = {}
        if self.campaign_id:
            params["campaign"] = self.campaign_id
        if self.start:
            params["start"] = self.start.isoformat()
        if self.end:
            params["end"] = self.end.isoformat()
        return params

    def describe(self):
        """The period in words: a campaign's name with its dates ("…活动（2026-09-01 至
        2026-10-04）"), or the dates alone."""
        if self.start and self.end:
            dates = f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"
        elif self.start:
            dates = f"{self.start:%Y-%m-%d} 以来"
        elif self.end:
            dates = f"截至 {self.end:%Y-%m-%d}"
        else:
            dates = ""
        if self.label:
            return f"{self.label}（{dates}）" if dates else self.label
        return dates or "全部时间"


class Kind(StrEnum):
    """How a period's figure is made of its days (dashboard.rollups)."""

    # Records dated within the period (a visit, a case received, a hazard found; their state
    # now, e.g. resolved, included): the figure is the sum of the period's days.
    FLOW = "flow"
    # What exists as of the period's end (key persons registered by then): the sum of every
    # day up to the end.
    STOCK = "stock"
    # COUNT DISTINCT within the period (households visited, places inspected): a household
    # visited on two days counts once, so no sum of days gives it.
    DISTINCT = "distinct"
    # A state of this moment: overdue by the clock (it moves without any write), or rows that
    # have no date (registered households). Not a function of the period's days.
    NOW = "now"


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    func: object
    group: str = "其他"
    unit: str = ""
    order: int = 100
    drill: object = None  # (area, period) -> URL of the list behind the number
    bad_when_high: bool = False  # highlighted in the per-village table (overdue, open items)
    snapshot: bool = True
    # A stock, not a flow: what exists as of the period's end (registered households, key
    # persons, overdue key persons), not what happened within it. The trend charts draw it as
    # a running total; a finished campaign takes it from the snapshot of its end date.
    stock: bool = False
    kind: Kind = Kind.NOW
    # (model, date or datetime field) that dates a record, for FLOW and STOCK.
    dated_by: tuple | None = None

    @property
    def by_days(self):
        """A sum of days, so the per-day rollups can answer it."""
        return self.kind in (Kind.FLOW, Kind.STOCK)


@dataclass(frozen=True)
class Ratio:
    code: str
    label: str
    numerator: str
    denominator: str
    group: str = "其他"
    order: int = 100
    bad_below: float | None = None  # highlight villages under this share (e.g. coverage)


def metric(code, label, *, group="其他", unit="", order=100, drill=None, bad_when_high=False,
           snapshot=True, stock=False, kind=Kind.NOW, dated_by=None):
    if (kind in (Kind.FLOW, Kind.STOCK)) != (dated_by is not None):
        raise ValueError(f"{code}: a flow or stock names its date field (dated_by), "
                         "no other kind does")

    def decorate(func):
        _METRICS[code] = Metric(code, label, func, group, unit, order, drill, bad_when_high,
                                snapshot, stock, Kind(kind), dated_by)
        return func

    return decorate


def ratio(code, label, *, numerator, denominator, group="其他", order=100, bad_below=None):
    _RATIOS[code] = Ratio(code, label, numerator, denominator, group, order, bad_below)


def metrics():
    return sorted(_METRICS.values(), key=lambda m: (m.order, m.code))


def ratios():
    return sorted(_RATIOS.values(), key=lambda r: (r.order, r.code))


def get_ratio(code):
    return _RATIOS[code]


def get_metric(code):
    return _METRICS[code]


def share(numerator, denominator):
    """A percentage with one decimal, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return round(100.0 * numerator / denominator, 1)


def village_key(path_field):
    """SQL expression: the village id inside a materialised path ("/county/town/village/...").
    Lets records that hang on a grid or 社 be grouped per village in one query."""

    return Cast(NullIf(Func(F(path_field), Value("/"), Value(4), function="split_part"),
                       Value("")), IntegerField())


def grouped(qs, key, *, distinct=None):
    """{village_id: count} from one GROUP BY; rows without a village are dropped."""

    # COUNT(*) rather than COUNT(id): the grouping and filter columns can then come from an
    # index alone (index-only scan on e.g. visit_village_date), without touching the table.
    counter = Count(distinct, distinct=True) if distinct else Count("*")
    rows = qs.order_by().annotate(_k=key).values("_k").annotate(_n=counter).values_list("_k", "_n")
    return {k: n for k, n in rows if k is not None}


def list_url(url_name, area, period, *, cumulative=False, **extra):
    """A drill-down link: the list's own filters plus ?area/from/to (pingxiang.listfilters)."""

    if cumulative:
        period = Period(None, period.end)
    return reverse(url_name) + "?" + urlencode(drill_params(area, period, **extra))




_BREAKDOWNS: dict = {}


@dataclass(frozen=True)
class Breakdown:
    """A figure split by a dimension (level, category, source, channel...): one grouped
    query returning rows of (label, count, drill URL).

    A breakdown that declares its `records` (area, period -> queryset), the `owner` each
    record is counted under (the same owning area as its metrics), the field it splits `by`
    and its `counts` (name -> aggregate) is drawn by `func(area, period, counts)` from
    {value: (count, ...)}: the counts of the area's own records (`count`), or the per-owner
    counts of an area above (`count_per_owner`) cut to this area's owners and added up
    (`add_up`). The per-minute job counts a city once and draws each county and town from
    it, instead of a query per area (dashboard.rollups.refresh_kept). Without `records`,
    `func(area, period)` draws the table from queries of its own."""

    code: str
    label: str
    func: object
    group: str = "其他"
    order: int = 100
    records: object = None
    owner: object = None
    by: str = ""
    counts: dict = field(default_factory=dict)

    @property
    def shareable(self):
        return self.records is not None

    def _grouped(self, area, period, *keys):
        """Rows of (*keys, count, ...): the area's records grouped by `keys` (the field it
        splits by, and "_owner" for the owner's key)."""
        qs = self.records(area, period).order_by()
        if "_owner" in keys:
            qs = qs.annotate(_owner=self.owner)
        return qs.values(*keys).annotate(**self.counts).values_list(*keys, *self.counts)

    def count(self, area, period):
        """{value: (count, ...)} of the area's own records, in `counts`' order."""
        return {value: tuple(ns) for value, *ns in self._grouped(area, period, self.by)}

    def count_per_owner(self, area, period):
        """{owner id: {value: (count, ...)}} of the area's records: one query that any area
        beneath takes its owners' rows of."""
        out = {}
        for owner, value, *ns in self._grouped(area, period, "_owner", self.by):
            if owner is not None:
                out.setdefault(owner, {})[value] = tuple(ns)
        return out

    def table(self, area, period, counts=None):
        """The table of `area`; `counts` ({value: (count, ...)}) spares its query."""
        if not self.shareable:
            return self.func(area, period)
        return self.func(area, period, self.count(area, period) if counts is None else counts)


def add_up(per_owner):
    """{value: (count, ...)} summed over owners ({owner: {value: (count, ...)}})."""
    out = {}
    for values in per_owner.values():
        for value, ns in values.items():
            have = out.get(value)
            out[value] = ns if have is None else tuple(map(operator.add, have, ns))
    return out


def breakdown(code, label, *, group="其他", order=100, records=None, owner=None, by="",
              counts=None):
    def decorate(func):
        _BREAKDOWNS[code] = Breakdown(code, label, func, group, order, records, owner, by,
                                      dict(counts or {}))
        return func

    return decorate


def breakdowns():
    return sorted(_BREAKDOWNS.values(), key=lambda b: (b.order, b.code))


def counts(querysets):
    """[qs.count() for qs in querysets] in one round trip: a home page's panels ask for eight
    or more counts, and each count() on its own is a query compiled, sent and read."""

    querysets = list(querysets)
    if not querysets:
        return []
    parts, params = [], []
    for qs in querysets:
        sql, p = qs.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS q)")
        params.extend(p)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return list(cursor.fetchone())
