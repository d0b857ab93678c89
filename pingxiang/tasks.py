"""Beat-scheduled tasks. Thin: they call domain functions, and may run twice safely."""

from celery import shared_task
from django.utils import timezone

from pingxiang.models import Heartbeat
from pingxiang.timers import run_sweepers


@shared_task
def heartbeat():
    Heartbeat.objects.update_or_create(name="beat", defaults={"beat_at": timezone.now()})


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sweep_deadlines():
    """The one deadline sweep: every registered sweeper, each idempotent."""
    return run_sweepers(timezone.now())


@shared_task
def prune_access_log():
    from pingxiang.audit import prune_access_log as prune

    return prune()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def nightly_statistics(day=None):
    """Snapshot yesterday (or the given ISO day). Re-running replaces the day's rows."""
    import datetime as dt

    from pingxiang.stats import snapshot_day

    target = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    return snapshot_day(target)
