"""Celery tasks: thin. A delivery's id in, messaging.sending does the rest and quietly stops
if the row moved on (sent, claimed by another worker); the dispatch runs from the beat.

Tasks are sent after the transaction that wrote the rows commits; if the broker is away the
rows wait in PostgreSQL and the sweep sends them (dispatch.claim_due), so an outage of the
broker or of a gateway delays messages and loses none."""

import logging
import os
from concurrent.futures import ThreadPoolExecutor

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from messaging import config, dispatch, sending
from messaging.models import Delivery, MessagingPolicy, Status
from pingxiang.tasks import send

logger = logging.getLogger(__name__)


# Ids per task: a task's deliveries go out side by side in a few threads (a gateway's answer
# takes tens of milliseconds over the internet; the CPU is idle meanwhile), and a fan-out to
# a thousand people is forty tasks to enqueue, not a thousand.
BATCH = 25


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def deliver(delivery_id):
    what, follow = sending.deliver(delivery_id)
    enqueue(follow)
    return what


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=330)
def deliver_many(ids):
    """Each delivery claimed and sent on its own (a redelivered task skips what was sent);
    MESSAGING_SEND_THREADS of them at a time."""
    threads = max(1, min(settings.MESSAGING_SEND_THREADS, len(ids)))
    if threads == 1:
        follow = [pk for delivery_id in ids for pk in sending.deliver(delivery_id)[1]]
    else:
        slices = _senders().map(_deliver_slice, [ids[n::threads] for n in range(threads)])
        follow = [pk for part in slices for pk in part]
    enqueue(follow)
    return len(ids)


_SENDERS = {}


def _senders():
    """The worker process's sending threads, started once (after the fork) and kept, each
    with its own database connection and its own kept-alive gateway connections."""
    pid = os.getpid()
    if pid not in _SENDERS:
        _SENDERS.clear()
        _SENDERS[pid] = ThreadPoolExecutor(max_workers=settings.MESSAGING_SEND_THREADS,
                                           thread_name_prefix="messaging-send")
    return _SENDERS[pid]


def _deliver_slice(ids):
    """One thread's share; its database connection stays open unless broken or too old."""
    try:
        return [pk for delivery_id in ids for pk in sending.deliver(delivery_id)[1]]
    finally:
        close_old_connections()


@shared_task(ignore_result=True)
def dispatch_due():
    """The beat's frequent run of the dispatch (the minute sweep runs it too)."""
    return run_dispatch(timezone.now())


def run_dispatch(now):
    """Release stale claims, build the digest when due, enqueue what is due. Nothing at all
    while no channel is configured (rows written before stay for when one is again)."""
    if not config.any_enabled():
        return {}
    policy = MessagingPolicy.current()
    released, unknown = dispatch.release_stale(now, policy)
    digests = dispatch.build_digest(now, policy)
    due = dispatch.claim_due(now, policy)
    ids = list(dict.fromkeys([*digests, *due]))
    enqueue(ids)
    return {"released": released, "unknown": unknown, "digests": len(digests),
            "enqueued": len(ids)}


def enqueue(ids):
    """Send the deliveries' tasks, BATCH ids each; at the first broker error stop, and leave
    the rest for the next dispatch to send as soon as the broker answers again."""
    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        sent = send(deliver, chunk[0]) if len(chunk) == 1 else send(deliver_many, chunk)
        if not sent:
            Delivery.objects.filter(pk__in=ids[start:], status=Status.PENDING).update(
                enqueued_at=None)
            return False
    return True


def enqueue_on_commit(ids):
    if ids:
        transaction.on_commit(lambda: enqueue(ids))
