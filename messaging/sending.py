"""Sending one delivery, so that it goes out once however often it is asked for.

1. Claim: a conditional UPDATE pending → claimed with a fresh claim token and a lease. A
   redelivered task, a task sent twice, or a second worker finds the row claimed (or sent)
   and stops. A claim whose worker died before step 3 goes back to pending when its lease
   runs out (messaging.dispatch.release_stale): nothing was sent yet.
2. The per-channel rate window (Redis); over it, the row goes back to pending for the next
   minute without counting an attempt.
3. claimed → sending, committed BEFORE the gateway is called. From here on the gateway may
   have the message, so a worker that dies now leaves the row "sending", and the sweep marks
   it "unknown" for a person to check, never resends it by itself.
4. The gateway's answer, recorded with a conditional UPDATE on the claim token: sent (with
   the gateway's message id); retry later with exponential backoff (quiet hours respected for
   what is not urgent); failed after the last attempt or at once when retrying cannot help,
   followed by the next channel (企业微信 → SMS); unknown when the answer was lost on a
   channel that cannot tell repeats apart. Each call is a DeliveryAttempt row."""

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from messaging import config, schedule, shared
from messaging.backends import Message, Outcome, Result, backend_for
from messaging.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    KindRule,
    MessagingPolicy,
    Status,
)

PER_MINUTE = {Channel.WECOM: "wecom_per_minute", Channel.SMS: "sms_per_minute",
              Channel.ROBOT: "robot_per_minute"}


def deliver(delivery_id, *, now=None):
    """Send the delivery if it is due and nobody else holds it. Returns (what happened, ids
    of new deliveries to enqueue: the next channel after a failure)."""
    policy = MessagingPolicy.cached()
    now = now or timezone.now()
    claim = uuid.uuid4().hex
    delivery = _claim(delivery_id, claim, now, now + dt.timedelta(seconds=policy.lease_seconds))
    if delivery is None:
        return "skipped", []
    address, problem = _address(delivery)
    backend = backend_for(delivery.channel) if not problem else None
    if not problem and backend is None:
        problem = f"{delivery.get_channel_display()}未开通（环境变量未设置）"
    if problem:
        return _finish(delivery, claim, Result(Outcome.FAILED, detail=problem), policy,
                       attempted=False)
    bucket = f"robot{delivery.robot_id}" if delivery.robot_id else delivery.channel
    wait = shared.take(bucket, getattr(policy, PER_MINUTE[delivery.channel]), now)
    if wait:
        Delivery.objects.filter(pk=delivery.pk, claim=claim, status=Status.CLAIMED).update(
            status=Status.PENDING, claim="", lease_until=None, enqueued_at=None,
            due_at=now + dt.timedelta(seconds=wait), updated_at=now)
        return "rate_limited", []
    started = timezone.now()
    if not Delivery.objects.filter(pk=delivery.pk, claim=claim, status=Status.CLAIMED).update(
            status=Status.SENDING, sending_at=started, attempts=F("attempts") + 1,
            updated_at=started):
        return "lost", []
    delivery.attempts += 1
    result = backend.send(_message(delivery, address))
    return _finish(delivery, claim, result, policy, attempted=True)


def _claim(delivery_id, claim, now, lease_until):
    """pending → claimed by a conditional update, then the row with what sending needs: the
    recipient's UserID and mobile (stored once, in Contact) and the robot's key name. None
    when the row is not pending and due (sent, claimed by another worker, not yet due)."""
    if not Delivery.objects.filter(pk=delivery_id, status=Status.PENDING,
                                   due_at__lte=now).update(
            status=Status.CLAIMED, claim=claim, lease_until=lease_until, updated_at=now):
        return None
    return Delivery.objects.annotate(
        to_wecom=F("recipient__message_contact__wecom_userid"),
        to_mobile=F("recipient__message_contact__mobile"),
        to_active=F("recipient__is_active"), robot_key_name=F("robot__key_name"),
        robot_active=F("robot__is_active")).get(pk=delivery_id)


def _address(delivery):
    """(address, problem): the UserID, mobile or webhook key as they are now, or why there
    is none."""
    if delivery.channel == Channel.ROBOT:
        if not delivery.robot_active:
            return "", "工作群机器人已停用"
        key = config.robot_key(delivery.robot_key_name)
        if not key:
            return "", f"环境变量 WECOM_ROBOT_KEYS 中没有机器人“{delivery.robot_key_name}”"
        return key, ""
    if not delivery.to_active:
        return "", "接收人账号已停用"
    if delivery.channel == Channel.WECOM:
        return (delivery.to_wecom, "") if delivery.to_wecom else ("", "未填写企业微信账号")
    return (delivery.to_mobile, "") if delivery.to_mobile else ("", "未填写手机号")


def _message(delivery, address):
    if delivery.kind == schedule.DIGEST_KIND:
        label = schedule.DIGEST_LABEL
    else:
        label = KindRule.labels().get(delivery.kind, "")
    return Message(
        delivery_id=delivery.pk, channel=delivery.channel, address=address,
        title=delivery.title, body=delivery.body, url=config.absolute_url(delivery.url),
        kind_label=label, urgent=delivery.urgent, created_at=delivery.created_at,
        digest_count=delivery.digest_count, digest_date=delivery.digest_date)


def _finish(delivery, claim, result, policy, *, attempted):
    """Record the gateway's answer on the row (if this worker still holds it) and as an
    attempt row, in one statement; after a failure, the next channel's row."""
    now = timezone.now()
    outcome, detail = result.outcome, result.detail[:500]
    if outcome == Outcome.RETRY and delivery.attempts >= policy.max_attempts:
        outcome, detail = Outcome.FAILED, f"已尝试{delivery.attempts}次仍未成功：{detail}"[:500]
    if outcome == Outcome.SENT:
        changes = {"status": Status.SENT, "sent_at": now, "gateway_id": result.gateway_id,
                   "error": "", "lease_until": None}
    elif outcome == Outcome.RETRY:
        due = now + dt.timedelta(seconds=max(policy.backoff(delivery.attempts),
                                             result.retry_after))
        if not delivery.urgent:
            due = policy.release_time(due)
        changes = {"status": Status.PENDING, "due_at": due, "error": detail, "claim": "",
                   "lease_until": None, "enqueued_at": None}
    elif outcome == Outcome.UNKNOWN:
        changes = {"status": Status.UNKNOWN, "error": detail}
    else:
        outcome = Outcome.FAILED
        changes = {"status": Status.FAILED, "error": detail, "lease_until": None}
    attempt = {"at": now, "outcome": outcome, "detail": detail,
               "gateway_id": result.gateway_id,
               "duration_ms": result.duration_ms if attempted else 0}
    if not _record(delivery.pk, claim, {**changes, "updated_at": now}, attempt):
        return "lost", []
    follow = []
    if outcome == Outcome.FAILED:
        with transaction.atomic():
            row = schedule.fallback_for(delivery, policy, now)
            if row is not None:
                Delivery.objects.bulk_create([row], ignore_conflicts=True)
                follow = list(Delivery.objects.filter(key=row.key, status=Status.PENDING,
                                                      due_at__lte=now)
                              .values_list("pk", flat=True))
    return outcome, follow


def _record(pk, claim, changes, attempt):
    """The row's conditional update (this worker's claim, a state it may leave: claimed,
    sending, or unknown if the sweep gave up on it first) and its attempt row, in one
    transaction: both or neither. False when another worker holds the row now."""
    with transaction.atomic():
        changed = Delivery.objects.filter(
            pk=pk, claim=claim, status__in=[Status.CLAIMED, Status.SENDING, Status.UNKNOWN],
        ).update(**changes)
        if changed:
            DeliveryAttempt.objects.create(delivery_id=pk, **attempt)
        return bool(changed)
