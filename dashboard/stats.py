"""Nightly statistics: one DailyStat row per village, metric and day, from the same metric
functions as the dashboard. Idempotent: a day's rows are upserted, so re-running a day
replaces it; a range can be back-filled with `manage.py backfill_stats`."""

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from dashboard.models import DailyStat
from grids.models import Area
from pingxiang.metrics import Period, metrics


def _roots():
    return list(Area.objects.filter(parent__isnull=True))


def _villages():
    return list(Area.objects.filter(kind=Area.Kind.VILLAGE).values_list("pk", flat=True))


def snapshot_day(day, *, village_ids=None):
    """Compute and store every snapshot metric for `day` (Asia/Shanghai). Returns rows written."""
    village_ids = village_ids if village_ids is not None else _villages()
    period = Period(day, day)
    now = timezone.now()
    rows = []
    for m in metrics():
        if not m.snapshot:
            continue
        values = {}
        for root in _roots():
            values.update(m.func(root, period) or {})
        rows.extend(
            DailyStat(day=day, village_id=vid, metric=m.code, value=values.get(vid, 0),
                      computed_at=now)
            for vid in village_ids
        )
    with transaction.atomic():
        DailyStat.objects.bulk_create(
            rows, batch_size=5000, update_conflicts=True,
            unique_fields=["day", "village", "metric"], update_fields=["value", "computed_at"],
        )
    return len(rows)


def backfill(start, end):
    """Snapshot every day from start to end inclusive. Returns the number of days."""
    village_ids = _villages()
    day, days = start, 0
    while day <= end:
        snapshot_day(day, village_ids=village_ids)
        day += dt.timedelta(days=1)
        days += 1
    return days


def trend(area, code, *, days=30, today=None):
    """[(day, value)] for the last `days` days summed over the villages under area; days
    without a snapshot are None (the chart shows a gap rather than a false zero)."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    sums = dict(
        DailyStat.objects.filter(metric=code, day__gte=start, day__lte=today,
                                 village__path__startswith=area.path)
        .values_list("day").annotate(total=Sum("value")).values_list("day", "total")
    )
    return [(start + dt.timedelta(days=i), sums.get(start + dt.timedelta(days=i)))
            for i in range(days)]
