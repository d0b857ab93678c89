"""What people change here, each atomic and audited: their message settings (their own, or
as a town's administrator their people's) and a resend of a failed delivery."""

from django.db import transaction
from django.utils import timezone

from messaging import schedule
from messaging.models import (
    RESENDABLE,
    Contact,
    Delivery,
    KindChoice,
    KindRule,
    MessagingPolicy,
    Status,
)
from messaging.tasks import enqueue_on_commit
from pingxiang import audit
from pingxiang.masks import mask_phone
from pingxiang.people import display_name


class MessagingError(Exception):
    """A refused action, with a message for the user (in Chinese)."""


def choices_for(user, rules):
    """{kind: (wecom, sms)} as the person gets each kind now (their choice or the default)."""
    mine = {c.kind: (c.wecom, c.sms) for c in KindChoice.objects.filter(user=user)}
    return {r.code: (True, True) if r.urgent else mine.get(r.code, (r.wecom_default,
                                                                     r.sms_default))
            for r in rules}


@transaction.atomic
def save_settings(user, *, actor, wecom_userid, mobile, sms_fallback, choices):
    """Store where `user` is reached and which channels they want per kind. `mobile` None
    keeps the stored number, "" removes it. Urgent kinds are not the person's to turn off:
    their choices are ignored. The audit row names what changed, the number masked."""
    contact, _ = Contact.objects.get_or_create(user=user)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changes = []
    if wecom_userid != contact.wecom_userid:
        changes.append(f"企业微信账号：{contact.wecom_userid or '无'} → {wecom_userid or '无'}")
        contact.wecom_userid = wecom_userid
    if mobile is not None and mobile != contact.mobile:
        changes.append(f"手机号：{mask_phone(contact.mobile) or '无'} → {mask_phone(mobile) or '无'}")
        contact.mobile = mobile
    if sms_fallback != contact.sms_fallback:
        changes.append(f"企业微信失败改发短信：{'是' if sms_fallback else '否'}")
        contact.sms_fallback = sms_fallback
    contact.updated_by = actor
    contact.full_clean(exclude=["user", "updated_by"])
    contact.save(update_fields=["wecom_userid", "mobile", "sms_fallback", "updated_at",
                                "updated_by"])
    rules = {r.code: r for r in KindRule.objects.all()}
    before = choices_for(user, rules.values())
    for code, (wecom, sms) in choices.items():
        rule = rules.get(code)
        if rule is None or rule.urgent or before[code] == (wecom, sms):
            continue
        KindChoice.objects.update_or_create(user=user, kind=code,
                                            defaults={"wecom": wecom, "sms": sms})
        on = [name for name, flag in (("企业微信", wecom), ("短信", sms)) if flag]
        changes.append(f"{rule.label}：{'、'.join(on) or '不发送'}")
    if changes:
        who = "" if actor.pk == user.pk else f"（为{display_name(user)}修改）"
        audit.record(contact, actor=actor, action="messaging.settings",
                     action_label="修改消息接收设置", reason="；".join(changes) + who)
    return changes


@transaction.atomic
def resend_delivery(delivery, *, actor):
    """A person sends a failed (or unknown) delivery again: a new row with its own key,
    pending now (after the quiet hours if it is not urgent). The original stays as it was,
    marked resent, with its history."""
    now = timezone.now()
    original = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if original.status not in RESENDABLE:
        raise MessagingError("这条消息已不是“发送失败”或“结果不明”，无需重发。")
    if original.resent_at is not None:
        raise MessagingError("这条消息已经重发过，请查看重发后的结果。")
    policy = MessagingPolicy.current()
    due = now if original.urgent else policy.release_time(now)
    count = Delivery.objects.filter(previous=original, key__contains="#r").count()
    copy = schedule.copy_of(original, key=f"{original.key}#r{count + 1}",
                            channel=original.channel, due_at=due, now=now)
    copy.save()
    Delivery.objects.filter(pk=original.pk).update(resent_at=now, updated_at=now)
    audit.record(original, actor=actor, action="messaging.resend", action_label="重发消息",
                 from_state=original.get_status_display(), to_state=Status.PENDING.label,
                 reason=f"{original.get_channel_display()}，发给{original.target_name}"
                        + (f"；{timezone.localtime(due):%H:%M}免打扰结束后发送" if due > now else ""))
    if due <= now:
        enqueue_on_commit([copy.pk])
    return copy
