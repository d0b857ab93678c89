"""The dashboard's figures for one area and period: every declared metric (pingxiang.metrics)
for the villages under the area, summed, and grouped into the per-unit table. The metrics that
are sums of days come from the per-day rollups in one query where they cover the period
(dashboard.rollups); the others are asked of their metric function, one query each."""

from dataclasses import dataclass, field

from dashboard import rollups
from dashboard.closing import ClosedBook, is_closed
from grids.models import Area
from pingxiang.figurecache import cached
from pingxiang.metrics import Period, get_ratio, metrics, ratios, share


@dataclass
class Figures:
    """Everything the dashboard shows for one area and period."""

    area: object
    period: Period
    villages: list
    per_village: dict = field(default_factory=dict)  # code -> {village_id: n}
    totals: dict = field(default_factory=dict)  # code -> n
    rates: dict = field(default_factory=dict)  # ratio code -> percent or None
    owned: dict = field(default_factory=dict)  # code -> {owning area id: n} (towns' own too)
    units: list = field(default_factory=list)  # the rows of the per-unit table
    per_unit: dict = field(default_factory=dict)  # code -> {unit id: n}
    # A finished campaign's figures as they stood at its end (dashboard.closing): when they
    # were fixed, and which came from the end date's nightly snapshot; None otherwise.
    closed_at: object = None
    closed_from_snapshot: list = field(default_factory=list)

    def village_rate(self, ratio_code, village_id):
        r = get_ratio(ratio_code)
        return share(self.per_village[r.numerator].get(village_id, 0),
                     self.per_village[r.denominator].get(village_id, 0))

    def unit_rate(self, ratio_code, unit_id):
        r = get_ratio(ratio_code)
        return share(self.per_unit[r.numerator].get(unit_id, 0),
                     self.per_unit[r.denominator].get(unit_id, 0))

    @property
    def unit_is_town(self):
        return bool(self.units) and self.units[0].kind == "town"

    @property
    def unit_label(self):
        """What a row of the per-unit table is: a county's rows are towns, a city's are its
        counties (县(区)), a town's or village's are villages."""
        return UNIT_LABEL.get(self.units[0].kind, "村(社区)") if self.units else "村(社区)"


UNIT_LABEL = {Area.Kind.TOWN: "乡镇", Area.Kind.COUNTY: "县(区)"}
# The rows of a table for an area above the towns: one per area of the level below it.
UNIT_KIND = {Area.Kind.CITY: Area.Kind.COUNTY, Area.Kind.COUNTY: Area.Kind.TOWN}


def _units(figures):
    """A county's table has one row per town (its villages and its own records summed), a
    city's one per county; a town's or village's table one row per village. 330 village
    rows are no use to a county leader, who opens a town for its villages."""
    area = figures.area
    if area.kind not in UNIT_KIND:
        return figures.villages, figures.per_village
    units = list(Area.objects.under(area).filter(kind=UNIT_KIND[area.kind])
                 .order_by("sort_order", "path"))
    # Each owning area (a village, or a town or county for its own records) counts in the
    # unit its path passes through at the level below the area.
    level = area.depth + 1
    paths = [(v.pk, v.path) for v in figures.villages]
    paths += Area.objects.under(area).filter(
        kind__in=[Area.Kind.COUNTY, Area.Kind.TOWN]).values_list("pk", "path")
    owner_unit = {}
    for pk, path in paths:
        parts = path.strip("/").split("/")
        if len(parts) > level:
            owner_unit[pk] = int(parts[level])
    per_unit = {}
    for code, values in figures.owned.items():
        sums = {}
        for owner, n in values.items():
            unit = owner_unit.get(owner)
            if unit is not None:
                sums[unit] = sums.get(unit, 0) + n
        per_unit[code] = sums
    return units, per_unit


def compute(area, period, codes=None, *, rollup_state=rollups.UNREAD, kept=False,
            rolled=None):
    """All (or the named) metrics for the villages under area: one query for those the
    rollups answer, one per other metric, whatever the amount of data. `rollup_state` saves
    reading it again when the caller has it. With `kept` (the dashboard), the metrics that
    are not sums of days are those the per-minute job keeps (dashboard.rollups.kept).
    `rolled(area)`, when given, answers for rollups.read (the job reads the city's once)."""
    if area.kind == Area.Kind.VILLAGE:
        villages = [area]
    else:
        villages = list(Area.objects.filter(path__startswith=area.path,
                                            kind=Area.Kind.VILLAGE).order_by("path"))
    wanted = [m for m in metrics() if codes is None or m.code in codes]
    figures = Figures(area=area, period=period, villages=villages)
    village_ids = {v.pk for v in villages}
    book = ClosedBook(period, area) if is_closed(period) else None
    if book is not None:
        figures.closed_at = book.computed_at  # None: nothing closed (no such campaign)
        figures.closed_from_snapshot = [m.label for m in wanted
                                        if m.code in book.from_snapshot]
    if book is not None:
        rolled = {}
    elif rolled is not None:
        rolled = rolled(area)
    else:
        rolled = rollups.read(area, period, {m.code for m in wanted}, current=rollup_state)
    live = {}
    if kept and book is None and any(m.code not in rolled for m in wanted):
        live = rollups.kept("metrics", area, period)
    for m in wanted:
        # Keys are the owning area of each record: a village, or the town/county itself for
        # records that belong to no village (the town's own centre). All count in the total;
        # the per-village table shows the villages.
        if book is not None and book.has(m.code):
            values = book.get(m.code)
        elif m.code in rolled:
            values = rolled[m.code]
        elif m.code in live:
            values = live[m.code]
        else:
            values = m.func(area, period) or {}
        figures.owned[m.code] = values
        figures.per_village[m.code] = {k: n for k, n in values.items() if k in village_ids}
        figures.totals[m.code] = sum(values.values())
    figures.units, figures.per_unit = _units(figures)
    for r in ratios():
        if r.numerator in figures.totals and r.denominator in figures.totals:
            figures.rates[r.code] = share(figures.totals[r.numerator],
                                          figures.totals[r.denominator])
    return figures


def dashboard_figures(area, period, state, codes=None, *, rolled=None):
    """The dashboard's figures (or the named ones: a home panel's), computed once per
    version and minute for every process (pingxiang.figurecache): from the rollups and the
    job's kept figures once the rollups are built (`state`, rollups.state()), else live
    under the data version. `rolled`: see compute."""
    kind = "figures" if codes is None else "figures:" + ",".join(sorted(codes))
    return cached(kind, area, period,
                  lambda: compute(area, period, codes, rollup_state=state,
                                  kept=state is not None, rolled=rolled),
                  data_version=rollups.cache_version(state))


def warm_pinned():
    """The per-minute job's last part: the pinned dashboards (rollups.PINNED's tables: the
    city's and the counties', for the year to date) computed for this minute, so a
    leader's first view reads them. Returns how many.

    The year's sums of days are read once for the highest of them (the city: 1.26 million
    day rows, half a second) and each county's taken from it by its owners, as
    rollups.refresh_kept shares the distinct figures: reading each county again cost as much
    as the city once more."""
    state = rollups.state()
    if state is None:
        return 0
    period = Period.year_to_date()
    areas = list(Area.objects.filter(kind__in=rollups.PINNED["breakdowns"], retired_at=None)
                 .order_by("depth", "path"))
    read = {}  # a top area's pk -> its sums (read when first needed)

    def rolled(area):
        top = next((t for t in areas if area.path.startswith(t.path)), area)
        if top.pk not in read:
            read[top.pk] = rollups.read(top, period, current=state)
        return read[top.pk] if top.pk == area.pk else rollups.share(read[top.pk], area)

    for area in areas:
        dashboard_figures(area, period, state, rolled=rolled)
    return len(areas)
