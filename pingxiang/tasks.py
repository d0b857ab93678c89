"""Beat-scheduled tasks. Thin: they call domain functions, and may run twice safely."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from pingxiang.audit import prune_access_log as prune
from pingxiang.models import Heartbeat
from pingxiang.timers import run_sweepers

logger = logging.getLogger(__name__)

# Publishing must not hang a request when Redis is away: fail fast and leave the work to the
# sweep, which re-sends what is still queued in PostgreSQL.
FAST_FAIL = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def send(task, *args):
    """Send now; on a broker error log and return False (the caller's sweep re-sends)."""
    try:
        task.apply_async(args, retry=True, retry_policy=FAST_FAIL)
    except Exception:  # noqa: BLE001 - kombu raises several kinds when the broker is down
        logger.warning("broker unavailable: %s%s left for the sweep to re-send", task.name, args)
        return False
    return True


def send_on_commit(task, *args):
    """Enqueue after the surrounding transaction commits; a broker outage loses nothing,
    because the work is a row in PostgreSQL that a sweeper re-sends."""
    transaction.on_commit(lambda: send(task, *args))


@shared_task
def heartbeat():
    Heartbeat.objects.update_or_create(name="beat", defaults={"beat_at": timezone.now()})


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sweep_deadlines():
    """The one deadline sweep: every registered sweeper, each idempotent."""
    return run_sweepers(timezone.now())


@shared_task
def prune_access_log():
    return prune()
