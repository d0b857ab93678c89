"""A finished campaign is a closed book: its figures as they stood at its end.

Once a campaign's end date has passed, every figure of it is read from ClosedFigure rows
written once (by the nightly statistics the night after the end, or the first time the
campaign is asked for if that night was missed), per metric and owning area, so any area's
figures are the sum of its owners' rows and nothing moves when today's data does. A stock
figure (pingxiang.metrics `stock`: registered households, overdue key persons, centres)
comes from the nightly snapshot of the end date (DailyStat) where there is one; the other
figures are computed for the campaign's dates. Re-closing a campaign never changes its rows.

The breakdown tables (pingxiang.metrics `breakdown`: disputes by level, category and source,
petitions by channel, hazards by category, inspections by place kind) are closed the same
night, whole per area (ClosedTable): for the campaign's area, the areas above it and every
town and village beneath it; an area asked for later (a 社 or grid, or one added since) is
closed the first time it is asked for, and says when.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dashboard.models import ClosedFigure, ClosedTable, DailyStat
from grids.models import Area, Campaign
from pingxiang import replica
from pingxiang.metrics import Period, add_up, breakdowns, metrics

SNAPSHOT, COMPUTED = "snapshot", "computed"


def is_closed(period, today=None):
    """A campaign period whose end date has passed."""
    today = today or timezone.localdate()
    return bool(period.campaign_id and period.end and period.end < today)


def _campaign_period(campaign):
    return Period(campaign.start_date, campaign.end_date, label=campaign.name,
                  campaign_id=campaign.pk)


def close_campaign(campaign, *, tables=True):
    """Write the campaign's closed figures (idempotent: rows already there are kept), and
    with `tables` its breakdown tables for every area it is drawn for (the nightly task; a
    page that closes a missed campaign leaves them to each area's first view, so as not to
    compute a county's 350 areas in one request). Returns the number of figure rows
    written."""
    period = _campaign_period(campaign)
    roots = list(Area.objects.filter(parent__isnull=True))
    snap = {}
    for code, village_id, value in (DailyStat.objects.filter(day=campaign.end_date)
                                    .values_list("metric", "village_id", "value")):
        snap.setdefault(code, {})[village_id] = value
    now = timezone.now()
    rows = []
    for m in metrics():
        if m.stock and m.code in snap:
            values, source = snap[m.code], SNAPSHOT
        else:
            values, source = {}, COMPUTED
            for root in roots:
                values.update(m.func(root, period) or {})
        rows.extend(ClosedFigure(campaign=campaign, owner_id=owner, metric=m.code, value=n,
                                 source=source, computed_at=now)
                    for owner, n in values.items() if n)
        # A metric with nothing anywhere still gets one row, so "closed" is known per metric.
        if not any(values.values()) and roots:
            rows.append(ClosedFigure(campaign=campaign, owner_id=roots[0].pk, metric=m.code,
                                     value=0, source=source, computed_at=now))
    with transaction.atomic():
        created = ClosedFigure.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
        if tables:
            _close_tables(campaign, period, _table_areas(campaign))
    return len(created)


def _table_areas(campaign):
    """The areas a closed campaign's dashboard is drawn for: its own, those above it, and
    every town and village beneath it."""
    area = campaign.area
    above = [int(pk) for pk in area.path.strip("/").split("/") if pk]
    return list(Area.objects.filter(pk__in=above)) + list(
        Area.objects.filter(path__startswith=area.path,
                            kind__in=[Area.Kind.COUNTY, Area.Kind.TOWN, Area.Kind.VILLAGE])
        .exclude(pk=area.pk))


def _close_tables(campaign, period, areas, codes=None):
    now = timezone.now()
    rows = [ClosedTable(campaign=campaign, area=area, code=b.code,
                        table=b.table(area, period) or {}, computed_at=now)
            for area in areas for b in breakdowns() if codes is None or b.code in codes]
    ClosedTable.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def closed_tables(period, area):
    """A finished campaign's breakdown tables for `area`, {code: table}, as they stood when
    the campaign was closed (closed now for an area not closed yet), and when that was."""
    campaign = Campaign.objects.filter(pk=period.campaign_id).first()
    if campaign is None:
        return {}, None
    rows = ClosedTable.objects.filter(campaign=campaign, area=area)
    have = set(rows.values_list("code", flat=True))
    missing = {b.code for b in breakdowns()} - have
    if missing:
        _close_tables(campaign, _campaign_period(campaign), [area], missing)
    found = list(rows.values_list("code", "table", "computed_at"))
    return ({code: table for code, table, _at in found},
            max((at for _code, _table, at in found), default=None))


def tables_closed_at(period, area):
    """When the area's tables of a finished campaign were closed (None: not yet)."""
    return (ClosedTable.objects.filter(campaign_id=period.campaign_id, area=area)
            .aggregate(at=Max("computed_at"))["at"])


def tables(area, period, per_owner=None):
    """The breakdown tables the dashboard and the reports show, {code: table}: a finished
    campaign's from its closed book, any other period's computed now. `per_owner` (what
    counts_per_owner gave for this area or one above it, cut to the owners at or beneath
    this area, a city, county, town or village) draws the tables that share their counts
    without a query."""
    if is_closed(period):
        return closed_tables(period, area)[0]
    return {b.code: b.table(area, period, add_up(per_owner[b.code])
                            if per_owner is not None and b.shareable else None)
            for b in breakdowns()}


def counts_per_owner(area, period):
    """{code: {owner id: counts}} of every breakdown that shares its counts: one query each
    for `area`, from which every area beneath draws its tables (tables(per_owner=))."""
    return {b.code: b.count_per_owner(area, period) for b in breakdowns() if b.shareable}


def close_finished_campaigns(today=None):
    """Close every campaign that has ended and has no closed figures yet (the nightly
    statistics call it after snapshotting the end date)."""
    today = today or timezone.localdate()
    done = 0
    pending = (Campaign.objects.filter(end_date__lt=today)
               .exclude(pk__in=ClosedFigure.objects.values("campaign_id")))
    for campaign in pending:
        close_campaign(campaign)
        done += 1
    return done


class ClosedBook:
    """The closed figures of one campaign under one area: {code: {owner id: n}}, with when
    and how they were fixed, for the page to say so. A campaign not closed yet (its night
    was missed) is closed now."""

    def __init__(self, period, area):
        self.end = period.end
        closed = ClosedFigure.objects.filter(campaign_id=period.campaign_id)
        meta = self._meta(closed)
        if not meta:
            # Closed here and read back where it was written (not from a lagging replica).
            with replica.primary():
                campaign = Campaign.objects.filter(pk=period.campaign_id).first()
                if campaign is not None:
                    close_campaign(campaign, tables=False)
                    meta = self._meta(closed)
        self.closed_codes = {code for code, _source, _at in meta}
        self.sources = {code: source for code, source, _at in meta}
        self.computed_at = max((at for _code, _source, at in meta), default=None)
        self.values = {}
        for code, owner, value in (closed.filter(owner__path__startswith=area.path)
                                   .values_list("metric", "owner_id", "value")):
            self.values.setdefault(code, {})[owner] = value

    @staticmethod
    def _meta(closed):
        return list(closed.order_by().values_list("metric", "source")
                    .annotate(at=Max("computed_at")).values_list("metric", "source", "at"))

    def has(self, code):
        return code in self.closed_codes

    def get(self, code):
        return self.values.get(code, {})

    @property
    def from_snapshot(self):
        return sorted(c for c, s in self.sources.items() if s == SNAPSHOT)
