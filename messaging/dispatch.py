"""The sweep's part of the outbox, run every minute by the one deadline sweep (and every few
seconds by its own beat entry): it can run twice, late, or after an outage of hours, and each
delivery still goes out once.

- release_stale: a claim whose lease ran out goes back to pending (its worker died before
  sending); a row left "sending" past the lease becomes "unknown" (its worker died while
  sending: the gateway may have it, so a person decides).
- build_digest: at the digest time of a (working) day, once (DigestRun's unique date), each
  person's items due for that digest on a channel become one message.
- claim_due: pending rows that are due and not handed to the queue lately (the broker was
  down, the task was lost, a retry's backoff or the quiet hours ended) are marked and
  returned for the caller to enqueue."""

import datetime as dt
from itertools import groupby

from django.db import transaction
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from messaging import schedule
from messaging.backends import clip_chars
from messaging.models import Delivery, DeliveryAttempt, DigestRun, Status
from pingxiang import registry

BATCH = 5000
REQUEUE_AFTER = dt.timedelta(minutes=5)
INTERRUPTED = "发送过程中工作进程中断，网关可能已收到，未自动重发；请向接收人核实后决定是否重发"


def release_stale(now, policy):
    lease = dt.timedelta(seconds=policy.lease_seconds)
    released = Delivery.objects.filter(status=Status.CLAIMED, lease_until__lt=now).update(
        status=Status.PENDING, claim="", lease_until=None, enqueued_at=None, updated_at=now)
    with transaction.atomic():
        stale = list(Delivery.objects.filter(status=Status.SENDING, sending_at__lt=now - lease)
                     .select_for_update(skip_locked=True).values_list("pk", flat=True)[:BATCH])
        if stale:
            Delivery.objects.filter(pk__in=stale, status=Status.SENDING).update(
                status=Status.UNKNOWN, error=INTERRUPTED, updated_at=now)
            DeliveryAttempt.objects.bulk_create(
                [DeliveryAttempt(delivery_id=pk, at=now, outcome=DeliveryAttempt.Outcome.UNKNOWN,
                                 detail=INTERRUPTED) for pk in stale])
    return released, len(stale)


def digest_due(now, policy):
    """The date whose digest is due at `now`, or None: from the digest time of a (working)
    day until the quiet hours begin (a run that missed the morning, the worker being down,
    still sends the day's digest; after that its items wait for the next one)."""
    local = timezone.localtime(now)
    moment = local.time().replace(tzinfo=None)
    if moment < policy.digest_time or policy.in_quiet_hours(moment):
        return None
    day = local.date()
    if policy.digest_working_days_only and not registry.is_working_day(day):
        return None
    return day


def build_digest(now, policy):
    """Today's morning digest, once: one delivery per person and channel listing what waited
    for it; the items are marked digested and point at it. Returns the digests' ids."""
    day = digest_due(now, policy)
    if day is None:
        return []
    with transaction.atomic():
        run, created = DigestRun.objects.get_or_create(date=day, defaults={"built_at": now})
        if not created:
            return []
        # Each item waits for the digest it was scheduled for (due_at): what arrived after
        # today's digest time belongs to the next one.
        waiting = list(Delivery.objects.filter(status=Status.WAITING_DIGEST, due_at__lte=now)
                       .select_for_update(skip_locked=True)
                       .order_by("recipient_id", "channel", "created_at", "pk")
                       .values_list("pk", "recipient_id", "channel", "title",
                                    "event_key"))
        # What was finished since the reminder was written (the case followed up, the hazard
        # rectified) is left out: the digest lists what is still due or overdue.
        settled = registry.settled({i[4] for i in waiting if i[4]})
        items = [i[:4] for i in waiting if i[4] not in settled]
        Delivery.objects.filter(pk__in=[i[0] for i in waiting if i[4] in settled]).update(
            status=Status.SETTLED, updated_at=now)
        url = reverse("inbox")
        rows = []
        for (user_id, channel), group in groupby(items, key=lambda i: (i[1], i[2])):
            titles = [title for _pk, _u, _c, title in group]
            shown = titles[:policy.digest_max_lines]
            body = "\n".join(f"{n}. {clip_chars(t, 60)}" for n, t in enumerate(shown, 1))
            if len(titles) > len(shown):
                body += f"\n……等共{len(titles)}项"
            rows.append(Delivery(
                key=digest_key(day, user_id, channel), recipient_id=user_id, channel=channel,
                kind=schedule.DIGEST_KIND, title=f"{day:%Y-%m-%d} 待办汇总：{len(titles)}项到期或逾期",
                body=body, url=url, status=Status.PENDING, due_at=now, enqueued_at=now,
                digest_date=day, digest_count=len(titles), created_at=now, updated_at=now))
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        digest_of = Delivery.objects.filter(key=Concat(
            Value(f"digest:{day:%Y-%m-%d}:"), Cast(OuterRef("recipient_id"), CharField()),
            Value(":"), OuterRef("channel"))).values("pk")[:1]
        Delivery.objects.filter(pk__in=[i[0] for i in items]).update(
            status=Status.DIGESTED, digest=Subquery(digest_of), updated_at=now)
        run.items, run.digests = len(items), len(rows)
        run.save(update_fields=["items", "digests"])
        return list(Delivery.objects.filter(digest_date=day, kind=schedule.DIGEST_KIND,
                                            status=Status.PENDING, previous__isnull=True,
                                            created_at=now).values_list("pk", flat=True))


def digest_key(day, user_id, channel):
    return f"digest:{day:%Y-%m-%d}:{user_id}:{channel}"


def claim_due(now, policy):
    """Pending rows that are due and were not handed to the queue in the last few minutes;
    marked as handed now. Urgent first."""
    requeue = now - max(REQUEUE_AFTER, dt.timedelta(seconds=policy.lease_seconds))
    with transaction.atomic():
        ids = list(Delivery.objects.due(now)
                   .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=requeue))
                   .order_by("-urgent", "due_at", "pk").select_for_update(skip_locked=True)
                   .values_list("pk", flat=True)[:BATCH])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids
