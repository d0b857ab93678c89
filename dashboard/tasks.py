"""The nightly statistics, scheduled by the beat (pingxiang.celery). Re-running a day replaces
its rows."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from dashboard.stats import snapshot_day


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def nightly_statistics(day=None):
    """Snapshot yesterday (or the given ISO day). Re-running replaces the day's rows."""
    target = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    return snapshot_day(target)
