"""企业微信 application messages against the local gateway: textcard with a link back, the
access token cached and shared, refreshed once when it expires mid-batch, 45009 and 500
retried with exponential backoff, a lost answer never sent again (结果不明), a resend of it
dropped by WeCom's duplicate check,
an unknown UserID failing at once and falling back to SMS."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine

from messaging import sending
from messaging.backends import Message
from messaging.backends.wecom import WeComApp
from messaging.models import Channel, Contact, Delivery, DeliveryAttempt, KindChoice, Status
from pingxiang.notify import notify
from tests.messaging.conftest import MOBILE, WECOM, WORKDAY_MORNING, drain

pytestmark = pytest.mark.django_db


def _wecom_only(cast, *names):
    for name in names:
        KindChoice.objects.update_or_create(user=getattr(cast, name), kind="case",
                                            defaults={"wecom": True, "sms": False})


def _send(cast, key, *names, kind="case", title=None):
    notify([getattr(cast, n) for n in names], key=key, title=title or f"消息{key}", kind=kind,
           url="/cases/7/", body="两家因院墙排水发生争执")
    return list(Delivery.objects.filter(event_key=key, channel=Channel.WECOM))


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_a_textcard_reaches_the_userid_with_a_link_back(cast, reachable, channels, eager,
                                                        policy):
    [row] = _send(cast, "w1", "centre", title="新登记矛盾纠纷 平襄-2026-0007（西关村）待受理")
    assert drain() == []
    [card] = channels.wecom
    assert card["to"] == WECOM["centre"] and card["msgtype"] == "textcard"
    assert card["title"] == "新登记矛盾纠纷 平襄-2026-0007（西关村）待受理"
    assert card["url"] == "https://zz.example.gov.cn/cases/7/" and card["btntxt"] == "详情"
    assert "2026-11-30 10:0" in card["description"] and "院墙排水" in card["description"]
    row.refresh_from_db()
    assert (row.status, row.gateway_id, row.attempts) == (Status.SENT, card["msgid"], 1)
    assert row.sent_at is not None
    assert list(row.attempts_log.values_list("outcome", flat=True)) == ["sent"]


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_the_token_is_fetched_once_and_shared(cast, reachable, channels, eager, policy):
    for n in range(5):
        _send(cast, f"share{n}", "centre", "leader", "cadre_xiguan")
    assert drain() == []
    assert len(channels.wecom) == 15
    assert channels.gettoken_calls == 1


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_a_token_that_expires_mid_batch_is_refreshed_once(cast, reachable, channels, policy):
    _wecom_only(cast, *WECOM)
    first = _send(cast, "before", "centre")
    assert sending.deliver(first[0].pk)[0] == "sent"
    assert channels.gettoken_calls == 1
    batch = [row.pk for n in range(3) for row in _send(
        cast, f"batch{n}", "grid_xiguan", "grid_menghe", "cadre_xiguan", "leader")]
    for n, pk in enumerate(batch):
        if n == 4:
            channels.expire_tokens()  # the gateway answers 42001 to the cached token from now
        assert sending.deliver(pk)[0] == "sent"
    assert channels.gettoken_calls == 2
    assert len(channels.wecom) == 1 + len(batch)
    assert channels.calls["send"] == 1 + len(batch) + 1  # the one refused, sent again once


def test_concurrent_workers_refresh_an_expired_token_once(channels):
    """Six workers meet the expired token at once: one fetches, the others wait for it."""
    app = WeComApp()
    assert app.send(Message(0, Channel.WECOM, WECOM["centre"], "预热")).outcome == "sent"
    channels.expire_tokens()

    def send(n):
        return app.send(Message(n, Channel.WECOM, WECOM["leader"], f"第{n}条")).outcome

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(send, range(1, 13))) == ["sent"] * 12
    assert channels.gettoken_calls == 2
    assert len(channels.wecom) == 13


def test_rate_limits_and_server_errors_are_retried_with_exponential_backoff(
        cast, reachable, channels, policy):
    channels.script("send", [45009, 500, 500])
    with time_machine.travel(WORKDAY_MORNING, tick=False) as clock:
        [row] = _send(cast, "backoff", "centre")
        waits = []
        for _ in range(4):
            before = dt.datetime.now(dt.UTC)
            sending.deliver(row.pk)
            row.refresh_from_db()
            if row.status == Status.SENT:
                break
            waits.append((row.due_at - before).total_seconds())
            clock.shift(max(waits[-1], 0) + 0.001)
    # 45009: the gateway's minute, at least; then doubling from the policy's first interval.
    assert waits[0] >= 60
    assert waits[1:] == pytest.approx([policy.backoff(2), policy.backoff(3)], abs=0.01)
    assert row.status == Status.SENT and row.attempts == 4
    assert list(DeliveryAttempt.objects.filter(delivery=row).values_list("outcome", flat=True)) \
        == ["retry", "retry", "retry", "sent"]
    assert "45009" in DeliveryAttempt.objects.filter(delivery=row).first().detail
    assert len(channels.wecom) == 1


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_a_lost_answer_is_never_sent_again_by_itself(cast, reachable, channels, eager, policy):
    channels.script("send", ["timeout"])  # taken by the gateway, answered too late
    [row] = _send(cast, "lost", "centre")
    drain(seconds=1)
    row.refresh_from_db()
    assert row.status == Status.UNKNOWN and row.attempts == 1
    assert "未自动重发" in row.error
    assert channels.calls["send"] == 1
    assert len(channels.wecom) == 1  # the gateway had it; nobody sends it a second time
    assert not Delivery.objects.filter(channel=Channel.SMS, notification=row.notification).exists()


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_an_unknown_userid_fails_at_once_and_the_message_goes_by_sms(cast, reachable,
                                                                    channels, eager, policy):
    Contact.objects.filter(user=cast.centre).update(wecom_userid="wx_left_the_town")
    [row] = _send(cast, "gone", "centre", title="新登记矛盾纠纷 平襄-2026-0008（西关村）待受理")
    assert drain() == []
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 1
    assert "81013" in row.error
    sms = Delivery.objects.get(previous=row)
    assert (sms.channel, sms.status, sms.key) == (Channel.SMS, Status.SENT, f"{row.key}>sms")
    assert [(m["to"], m["template"]) for m in channels.sms] == [(MOBILE["centre"], "SMS_0001")]
    assert channels.sms[0]["params"]["title"].startswith("新登记矛盾纠纷 平襄-2026-0008")


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_after_the_last_retry_the_delivery_fails_and_falls_back_to_sms(
        cast, reachable, channels, eager, policy):
    channels.script("send", [500] * policy.max_attempts)
    [row] = _send(cast, "down", "leader")
    assert drain() == []
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == policy.max_attempts
    assert row.error.startswith(f"已尝试{policy.max_attempts}次仍未成功")
    assert channels.wecom == [] and [m["to"] for m in channels.sms] == [MOBILE["leader"]]


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_no_fallback_for_someone_who_turned_it_off_or_already_gets_sms(
        cast, reachable, channels, eager, policy):
    Contact.objects.filter(user=cast.leader).update(sms_fallback=False)
    KindChoice.objects.create(user=cast.centre, kind="case", wecom=True, sms=True)
    channels.script("send", [81013, 81013])
    _send(cast, "nofb", "leader", "centre")
    assert drain() == []
    assert Delivery.objects.filter(event_key="nofb", previous__isnull=False).count() == 0
    assert [m["to"] for m in channels.sms] == [MOBILE["centre"]]  # its own SMS, not a second
