"""Decisions about a delivery before it exists: which channels a person gets a kind on, when
it may go (now, after the quiet hours, at the next morning digest), and the rows that follow a
failed one (the next channel) or a person's resend."""

import datetime as dt

from django.utils import timezone

from messaging import config
from messaging.models import Channel, Contact, Delivery, Mode, Status
from pingxiang import registry

DIGEST_KIND = "digest"
DIGEST_LABEL = "每日待办汇总"


def channels_for(contact, choice, rule, *, urgent):
    """The person's channels for a kind: urgent kinds on every channel the person can be
    reached on (they cannot be turned off); otherwise the person's choice or the kind's
    default, with SMS in place of 企业微信 when they have no UserID and want the fallback."""
    if contact is None:
        return []
    wecom_ok = config.wecom_enabled() and bool(contact.wecom_userid)
    sms_ok = config.sms_enabled() and bool(contact.mobile)
    if urgent:
        wants_wecom = wants_sms = True
    elif choice is not None:
        wants_wecom, wants_sms = choice.wecom, choice.sms
    else:
        wants_wecom, wants_sms = rule.wecom_default, rule.sms_default
    channels = []
    if wants_wecom and wecom_ok:
        channels.append(Channel.WECOM)
    instead = wants_wecom and not wecom_ok and contact.sms_fallback
    if sms_ok and (wants_sms or instead):
        channels.append(Channel.SMS)
    return channels


def next_digest_at(now, policy):
    """The next morning digest after `now`: digest_time on the next (working) day."""
    local = timezone.localtime(now)
    day = local.date()
    for _ in range(60):
        moment = timezone.make_aware(dt.datetime.combine(day, policy.digest_time))
        if moment > now and (not policy.digest_working_days_only
                             or registry.is_working_day(day)):
            return moment
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, policy.digest_time))


def timing(rule, policy, now, *, urgent):
    """(status, due_at) for a new row: urgent now; a digest kind waits for the digest; the
    rest now, or when the quiet hours end."""
    if urgent:
        return Status.PENDING, now
    if rule.mode == Mode.DIGEST:
        return Status.WAITING_DIGEST, next_digest_at(now, policy)
    return Status.PENDING, policy.release_time(now)


def copy_of(delivery, *, key, channel, due_at, now):
    """A new pending row carrying the same message (a fallback or a resend)."""
    return Delivery(
        key=key[:255], previous=delivery, notification_id=delivery.notification_id,
        event_key=delivery.event_key, recipient_id=delivery.recipient_id,
        robot_id=delivery.robot_id, channel=channel, kind=delivery.kind,
        urgent=delivery.urgent, title=delivery.title, body=delivery.body, url=delivery.url,
        digest_date=delivery.digest_date, digest_count=delivery.digest_count,
        status=Status.PENDING, due_at=due_at, created_at=now, updated_at=now)


def fallback_for(delivery, policy, now):
    """The SMS that follows a 企业微信 message that failed, if the person has a mobile
    number, wants the fallback, and is not getting this message by SMS already."""
    if delivery.channel != Channel.WECOM or delivery.recipient_id is None:
        return None
    if not config.sms_enabled():
        return None
    contact = Contact.objects.filter(user_id=delivery.recipient_id).first()
    if contact is None or not contact.mobile or not contact.sms_fallback:
        return None
    sibling = Delivery.objects.filter(recipient_id=delivery.recipient_id, channel=Channel.SMS)
    if delivery.notification_id and sibling.filter(
            notification_id=delivery.notification_id).exists():
        return None
    if delivery.kind == DIGEST_KIND and sibling.filter(
            kind=DIGEST_KIND, digest_date=delivery.digest_date).exists():
        return None
    due = now if delivery.urgent else policy.release_time(now)
    return copy_of(delivery, key=f"{delivery.key}>sms", channel=Channel.SMS, due_at=due,
                   now=now)
