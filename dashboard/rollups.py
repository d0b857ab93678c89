"""Per-day rollups of the dashboard's figures, kept current within a minute of any write, so a
dashboard reads a few hundred summed rows instead of counting a county's records while grid
workers write.

What is rolled up is declared on each metric (pingxiang.metrics `kind`, `dated_by`):

- FLOW (visits, cases received and their state now, hazards found...): one Rollup row per
  owning area, day and metric; a period's figure is the sum of its days.
- STOCK (key persons, key places, centres upgraded, as of the period's end): the rows hold
  what was added each day (the first day: everything until then); a figure is the sum of
  every day up to the period's end.
- DISTINCT (households visited, places inspected) and NOW (overdue by the clock, the
  household register) are not sums of days: a household visited on two days counts once,
  and a case turns overdue without any write. They are computed live by their metric
  function, as before, but the dashboard caches its figures under the rollups' version and
  the minute (dashboard.views), which a write does not move: they are computed at most once
  a minute per area and period, and shown at most a minute old, like the rolled-up ones.

Fresh within a minute: a statement-level trigger on every table a FLOW or STOCK metric counts
from writes the days each statement touched (before and after an update, so a correction
that moves a record to another village, category or state, a withdrawal and a merge mark
the record's day) into RollupDirty, whichever code path wrote: an action, an import, COPY,
the admin or a shell. Triggers rather than calls in the actions because a missed call would
make a figure silently wrong, and the figures must equal the lists behind them. `refresh()`
(the beat, each minute) takes the marks, recomputes those days for those metrics from the
metric functions themselves (one grouped query per metric and day, over the whole tree, so a
record moved between villages leaves one and enters the other), and moves the version. It
can run twice or late: the marks are taken and deleted in its transaction, and recomputing a
day replaces its rows.

Before `backfill()` has run there is no RollupState: every figure is computed live and cached
under the data version (pingxiang.figurecache), as before. A period starting before the
first day rolled up, or without an end, and an area below a village are computed live too.
Not marked by any write, so rebuilt with `manage.py backfill_rollups`: renaming a hazard
category (hazards_road/fire count by category name) and moving a grid to another village
(key persons and places count by the grid's village).

The nightly snapshot (dashboard.stats, DailyStat) stays the record of each day as it stood.
"""

import datetime as dt
import time
from collections import defaultdict

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from dashboard import closing
from dashboard.models import Rollup, RollupDirty, RollupState
from grids import areatree
from grids.models import Area
from pingxiang import figurecache
from pingxiang.metrics import Kind, Period, metrics
from pingxiang.requestcache import memo
from pingxiang.triggers import tables_to_trigger

# An area whose figures are the sum of its owners' rows (owners are villages, towns and
# counties); a 社 or grid is computed live.
OWNER_KINDS = (Area.Kind.CITY, Area.Kind.COUNTY, Area.Kind.TOWN, Area.Kind.VILLAGE)
TRIGGER = "pingxiang_rollup"
STATE = 1  # the one RollupState row


def rolled():
    """The metrics the rollups hold."""
    return [m for m in metrics() if m.by_days]


def _source(m):
    model, field = m.dated_by
    return f"{model._meta.db_table}.{model._meta.get_field(field).column}"


def sources():
    """{"table.column": [metrics]}: what a trigger's mark means."""
    out = defaultdict(list)
    for m in rolled():
        out[_source(m)].append(m)
    return dict(out)


# --- Computing a day ---------------------------------------------------------------------

def _roots():
    return list(Area.objects.filter(parent__isnull=True))


def _owned(m, period, roots):
    values = {}
    for root in roots:
        values.update(m.func(root, period) or {})
    return values


def _day(m, day, first_day, roots):
    """{owner: n} of one metric and day, as stored (zeros left out)."""
    if m.kind == Kind.FLOW:
        values = _owned(m, Period(day, day), roots)
    else:  # STOCK: what the day added; the first day holds everything until then
        values = _owned(m, Period(None, day), roots)
        if day > first_day:
            before = _owned(m, Period(None, day - dt.timedelta(days=1)), roots)
            values = {k: values.get(k, 0) - before.get(k, 0) for k in values.keys() | before}
    return {k: n for k, n in values.items() if n}


def _rows(day, code, values):
    return [Rollup(day=day, owner_id=owner, metric=code, value=n) for owner, n in values.items()]


def _store(day, computed):
    """Replace the rows of `day` for the metrics in computed ({code: {owner: n}})."""
    Rollup.objects.filter(day=day, metric__in=list(computed)).delete()
    Rollup.objects.bulk_create([row for code, values in computed.items()
                                for row in _rows(day, code, values)], batch_size=5000)


# --- Building and keeping current --------------------------------------------------------

def _future_days(after):
    """Days after `after` that hold records (a date entered ahead): the triggers mark them
    when written, a backfill has to find them."""
    tz = timezone.get_default_timezone()
    days = set()
    for m in rolled():
        model, name = m.dated_by
        field = model._meta.get_field(name)
        if isinstance(field, models.DateTimeField):
            since = dt.datetime.combine(after + dt.timedelta(days=1), dt.time.min, tz)
            qs = model.objects.filter(**{f"{name}__gte": since})
            days.update(d.date() for d in qs.datetimes(name, "day", tzinfo=tz))
        else:
            days.update(model.objects.filter(**{f"{name}__gt": after}).dates(name, "day"))
    return sorted(days)


def backfill(start, end=None):
    """(Re)build every rollup from `start` to `end` (today by default) and any later day
    that holds records; from then on the rollups answer the periods starting on or after
    `start`. Returns the number of days computed."""
    end = end or timezone.localdate()
    wanted = rolled()
    with transaction.atomic():
        state = RollupState.objects.select_for_update().filter(pk=STATE).first()
        if state is None:  # a second first build at once fails on the primary key
            state = RollupState(pk=STATE, first_day=start)
        # The marks visible now are covered by this build; later ones stay for refresh().
        RollupDirty.objects.all().delete()
        Rollup.objects.all().delete()
        roots = _roots()
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        days += _future_days(end)
        previous = {}  # a stock's total up to the day before: one query a day, not two
        for day in days:
            computed = {}
            for m in wanted:
                if m.kind == Kind.FLOW:
                    computed[m.code] = _owned(m, Period(day, day), roots)
                    continue
                upto = _owned(m, Period(None, day), roots)
                yesterday = day - dt.timedelta(days=1)
                if day == start:
                    before = {}
                elif yesterday in previous.get(m.code, {}):
                    before = previous[m.code][yesterday]
                else:
                    before = _owned(m, Period(None, yesterday), roots)
                previous[m.code] = {day: upto}
                computed[m.code] = {k: upto.get(k, 0) - before.get(k, 0)
                                    for k in upto.keys() | before}
            Rollup.objects.bulk_create(
                [row for code, values in computed.items()
                 for row in _rows(day, code, {k: n for k, n in values.items() if n})],
                batch_size=5000)
        state.first_day = start
        state.version += 1
        state.refreshed_at = timezone.now()
        state.save()
    return len(days)


def _take_marks():
    """Delete and return every mark visible now, as {source: {day}}. One DELETE ... RETURNING:
    a mark committed after it stays for the next run (a SELECT then a DELETE could delete
    one committed in between without having read it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {RollupDirty._meta.db_table} RETURNING source, day")
        marks = defaultdict(set)
        for source, day in cursor.fetchall():
            marks[source].add(day)
    return marks


def refresh():
    """Recompute the days that writes marked since the last run, for the metrics counted
    from the tables written; move the version when anything was recomputed. Idempotent and
    safe to run twice at once (the second waits for the first, then finds nothing to do).
    Returns {"days": n, "metrics": n} recomputed."""
    with transaction.atomic():
        state = RollupState.objects.select_for_update().filter(pk=STATE).first()
        marks = _take_marks()
        if state is None or not marks:
            return {"days": 0, "metrics": 0}  # never built: nothing to keep current
        by_source = sources()
        work = defaultdict(dict)  # day -> {code: metric}
        for source, days in marks.items():
            for m in by_source.get(source, []):
                for day in days:
                    if day < state.first_day:
                        if m.kind == Kind.FLOW:
                            continue  # before the rollups: such periods are computed live
                        day = state.first_day  # a stock's first day holds everything before
                    work[day][m.code] = m
        if not work:
            return {"days": 0, "metrics": 0}  # only days before the rollups were written
        roots = _roots()
        for day, wanted in sorted(work.items()):
            _store(day, {code: _day(m, day, state.first_day, roots)
                         for code, m in wanted.items()})
        state.version += 1
        state.refreshed_at = timezone.now()
        state.save(update_fields=["version", "refreshed_at"])
    return {"days": len(work), "metrics": sum(len(w) for w in work.values())}


# --- Reading -----------------------------------------------------------------------------

def state():
    """The rollups' state (None before they are built), read once per request."""
    return memo("dashboard.RollupState",
                lambda: RollupState.objects.filter(pk=STATE).first())


def cache_version(current):
    """What the dashboard's cached figures are keyed by, given state(): the rollups'
    version, which only refresh() moves (at most once a minute), or, before the rollups are
    built, the data version every write moves."""
    if current is None:
        return figurecache.version()
    return f"r{current.version}"


def answerable(area, period, current):
    """The metrics the rollups answer for this area and period."""
    if current is None or area.kind not in OWNER_KINDS or not period.end:
        return []
    out = []
    for m in rolled():
        if m.kind == Kind.FLOW and period.start and period.start >= current.first_day:
            out.append(m)
        elif m.kind == Kind.STOCK and period.end >= current.first_day:
            out.append(m)
    return out


UNREAD = object()


def owners(area):
    """Keys of the owning areas at or under `area` (rows are kept by villages, towns,
    counties), from the tree the process holds; None for the whole tree (every owner)."""
    if areatree.is_whole_tree(area):
        return None
    return set(areatree.ids_under([area.path], kind=OWNER_KINDS))


def share(sums, area):
    """read()'s answer for a higher area, cut to `area`'s owners: what read(area) gives."""
    keys = owners(area)
    if keys is None:
        return sums
    return {code: {o: n for o, n in values.items() if o in keys} for code, values in sums.items()}


def read(area, period, codes=None, *, current=UNREAD):
    """{code: {owner id: n}} for every rolled-up metric that can answer this area and period
    (of `codes`, when given), in one query summed per owner: exactly what the metric's
    function returns for (area, period). Metrics it cannot answer are left out."""
    if codes is not None and not any(m.code in codes for m in rolled()):
        return {}
    current = state() if current is UNREAD else current
    wanted = [m for m in answerable(area, period, current) if codes is None or m.code in codes]
    if not wanted:
        return {}
    flows = [m.code for m in wanted if m.kind == Kind.FLOW]
    stocks = [m.code for m in wanted if m.kind == Kind.STOCK]
    which = Q(metric__in=stocks, day__lte=period.end)
    if flows:
        which |= Q(metric__in=flows, day__gte=period.start, day__lte=period.end)
    out = {m.code: {} for m in wanted}
    # The owners by key, from the tree the process holds: the planner then reads a town's
    # few villages by index, and the whole tree reads no area at all (a join on the areas'
    # paths guessed wrong and scanned a city's year of rows for a town).
    keys = owners(area)
    owned = Q() if keys is None else Q(owner_id__in=keys)
    rows = (Rollup.objects.filter(which, owned).order_by()
            .values_list("metric", "owner_id").annotate(n=Sum("value")))
    for code, owner, n in rows:
        if n:
            out[code][owner] = n
    return out


# --- Figures that are not sums of days, kept by the job ---------------------------------
# A distinct or clock-dependent figure (and the breakdown tables) cannot come from the
# rollups. For a dashboard, they are computed by the per-minute job for every area and
# period asked within the last ten minutes, and read from the cache: a leader's request never
# waits for a county's COUNT DISTINCT, and a value is at most a minute and the job's run
# old. The first request for an area and period (or any, when the job has not run for two
# minutes) computes them itself.

ASKED_SECONDS = 600  # an area and period is kept fresh while asked within this
FRESH_SECONDS = 120  # a value older than this is computed by the request instead
HOT = "pxlive:hot"
# Kept whether asked or not, for the default period (the year to date): a county's or a
# city's first view of the day (or after a deploy) would otherwise compute its distinct
# figures and tables in the request, seconds at city scale (bench/results.md). A town's
# metrics come free from its county's; its tables are a town's, under a second.
PINNED = {"metrics": (Area.Kind.CITY, Area.Kind.COUNTY, Area.Kind.TOWN),
          "breakdowns": (Area.Kind.CITY, Area.Kind.COUNTY)}


def _live_metrics(area, period):
    return {m.code: m.func(area, period) or {} for m in metrics() if not m.by_days}


KEPT = {"metrics": _live_metrics, "breakdowns": closing.tables}


def _period_parts(period):
    return (period.start, period.end, period.label, period.campaign_id)


def _parts(area, period):
    return (area.pk, *_period_parts(period))


def _kept_key(kind, parts):
    return ":".join(str(p) for p in ("pxlive", figurecache.NAMESPACE, kind, *parts))


def _keep(kind, parts, value):
    figurecache.write(_kept_key(kind, parts), {"at": time.time(), "value": value},
                      ASKED_SECONDS)
    return value


def _compute_and_keep(kind, area, period, parts):
    return _keep(kind, parts, KEPT[kind](area, period))


def kept(kind, area, period):
    """KEPT[kind](area, period) as the job last computed it, or now when it has not."""
    parts = _parts(area, period)
    entry = figurecache.read(_kept_key(kind, parts))
    now = time.time()
    hot_key = f"{HOT}:{figurecache.NAMESPACE}"
    hot = figurecache.read(hot_key) or {}
    if now - hot.get((kind, parts), 0) > 60:  # say it is asked, at most once a minute
        hot = {k: at for k, at in hot.items() if now - at < ASKED_SECONDS}
        hot[(kind, parts)] = now
        figurecache.write(hot_key, hot, ASKED_SECONDS)
    if entry is None or now - entry["at"] > FRESH_SECONDS:
        return _compute_and_keep(kind, area, period, parts)
    return entry["value"]


def _owners_under(owners):
    """{area pk: {owner pk at or beneath it}} for these owners, from their paths in the
    tree the process holds: each area asked then takes its owners' figures by key instead
    of every owner's path tested against every area's (a city's 135 areas by 2,000 owners
    by ten figures: a second of the job's CPU)."""
    under = defaultdict(set)
    for pk, area in areatree.get_many(list(owners)).items():
        for part in area.path.strip("/").split("/"):
            under[int(part)].add(pk)
    return under


def _cut(owned, mine):
    """{code: {owner: value}} cut to the owners `mine` (an area's, from _owners_under)."""
    return {code: {o: values[o] for o in mine if o in values} for code, values in owned.items()}


def _tops(areas):
    """The areas none of the others lies under."""
    return [a for a in areas
            if not any(a.path.startswith(b.path) and a.pk != b.pk for b in areas)]


def refresh_kept():
    """The job's part: compute again what dashboards asked for lately, and the PINNED
    areas' default period. Returns how many.

    The metrics are computed once per period for the highest areas asked (a county rather
    than each of its towns as well): a metric's value per owning area does not depend on the
    area asked for, so a town's are its owners' among the county's. The tables are drawn the
    same way, from one count per owner of the highest areas (closing.counts_per_owner): a
    query per table and county, every minute, kept a core busy for seconds at city scale
    (bench/results.md).
    """
    hot = figurecache.read(f"{HOT}:{figurecache.NAMESPACE}") or {}
    now = time.time()
    wanted = {(kind, parts) for (kind, parts), at in hot.items() if now - at < ASKED_SECONDS}
    pinned = _period_parts(Period.year_to_date())
    wanted |= {(kind, (pk, *pinned)) for kind, kinds in PINNED.items()
               for pk in Area.objects.filter(kind__in=kinds, retired_at=None)
               .values_list("pk", flat=True)}
    areas = Area.objects.in_bulk({parts[0] for _kind, parts in wanted})
    by_period = defaultdict(list)  # the metrics' entries, per period
    tables_by_period = defaultdict(list)  # the tables drawn from counts per owner
    for kind, parts in wanted:
        area = areas.get(parts[0])
        if area is None:
            continue
        if kind == "metrics":
            by_period[parts[1:]].append(area)
            continue
        period = Period(*parts[1:])
        if kind == "breakdowns" and area.kind in OWNER_KINDS and not closing.is_closed(period):
            tables_by_period[parts[1:]].append(area)
            continue
        _compute_and_keep(kind, area, period, parts)
    for period_parts, asked in tables_by_period.items():
        period = Period(*period_parts)
        for top in _tops(asked):
            counted = closing.counts_per_owner(top, period)
            under = _owners_under({o for per in counted.values() for o in per})
            for area in asked:
                if area.path.startswith(top.path):
                    mine = under.get(area.pk, ())
                    _keep("breakdowns", (area.pk, *period_parts),
                          closing.tables(area, period, _cut(counted, mine)))
    for period_parts, asked in by_period.items():
        period = Period(*period_parts)
        owned = {}  # code -> {owner: n} over the top areas
        for top in _tops(asked):
            for code, values in _live_metrics(top, period).items():
                owned.setdefault(code, {}).update(values)
        under = _owners_under({owner for values in owned.values() for owner in values})
        for area in asked:
            mine = under.get(area.pk, ())
            _keep("metrics", (area.pk, *period_parts), _cut(owned, mine))
    return len(wanted)


# --- Triggers ----------------------------------------------------------------------------

def install_triggers(using="default", **kwargs):
    """post_migrate: every table a rolled-up metric counts from marks the days it writes."""
    existing = tables_to_trigger(using, "to_regproc('pingxiang_rollup_dirty')")
    if existing is None:
        return
    with connections[using].cursor() as cursor:
        done = set()
        for m in rolled():
            model, name = m.dated_by
            table, field = model._meta.db_table, model._meta.get_field(name)
            if table not in existing or (table, field.column) in done:
                continue
            done.add((table, field.column))
            kind = "timestamp" if isinstance(field, models.DateTimeField) else "date"
            args = f"'{field.column}', '{kind}', '{settings.TIME_ZONE}'"
            for event, refs in (("INSERT", "NEW TABLE AS pingxiang_new_rows"),
                                ("UPDATE", "OLD TABLE AS pingxiang_old_rows "
                                           "NEW TABLE AS pingxiang_new_rows"),
                                ("DELETE", "OLD TABLE AS pingxiang_old_rows")):
                cursor.execute(
                    f'CREATE OR REPLACE TRIGGER {TRIGGER}_{event.lower()}_{field.column} '
                    f'AFTER {event} ON "{table}" REFERENCING {refs} FOR EACH STATEMENT '
                    f"EXECUTE FUNCTION pingxiang_rollup_dirty({args})")
