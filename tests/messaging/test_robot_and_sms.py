"""Group robots (markdown into a work group, 20 a minute) and SMS (Alibaba Cloud SendSms,
the request signature checked by the local gateway; a template and its parameters, never free
text) against the local gateways."""

import pytest
import time_machine
from django.conf import settings

from messaging import sending
from messaging.models import Channel, Contact, Delivery, DeliveryAttempt, Status
from pingxiang.notify import notify
from tests.messaging.conftest import MOBILE, WORKDAY_MORNING, drain

pytestmark = pytest.mark.django_db


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_an_urgent_item_goes_to_its_villages_and_its_centres_work_groups(
        cast, reachable, channels, eager, policy, red_group):
    notify([cast.leader], key="r:major", title="重大隐患：西关村 消防", kind="hazard_major",
           urgent=True, area=cast.xiguan_grid, body="王大山家门口的燃气管道泄漏",
           url="/rectification/hazards/3/")
    notify([cast.leader], key="r:other", title="重大隐患：孟河村 消防", kind="hazard_major",
           urgent=True, area=cast.menghe)
    assert drain() == []
    groups = sorted((m["key"], m["content"].splitlines()[0]) for m in channels.robot)
    assert groups == [("robot-key-town", "**【紧急】重大隐患：孟河村 消防**"),
                      ("robot-key-town", "**【紧急】重大隐患：西关村 消防**"),
                      ("robot-key-xiguan", "**【紧急】重大隐患：西关村 消防**")]
    xiguan = next(m["content"] for m in channels.robot if m["key"] == "robot-key-xiguan")
    assert "[查看详情](https://zz.example.gov.cn/rectification/hazards/3/)" in xiguan
    assert "王大山" not in xiguan  # the body stays out of a group chat


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_items_that_are_not_urgent_stay_out_of_the_work_groups(cast, reachable, channels,
                                                               red_group):
    notify([cast.centre], key="r:case", title="新登记", kind="case", area=cast.xiguan)
    assert not Delivery.objects.filter(channel=Channel.ROBOT).exists()


def test_a_robot_takes_twenty_a_minute_and_the_rest_wait_for_the_next_minute(
        cast, channels, eager, policy, red_group):
    with time_machine.travel(WORKDAY_MORNING.replace(second=5), tick=False) as clock:
        for n in range(25):
            notify([cast.leader], key=f"r:burst{n}", title=f"红色风险纠纷{n}", kind="case_red",
                   urgent=True, area=cast.xiguan)
        drain(seconds=1)
        village = Delivery.objects.filter(robot=red_group.village)
        assert village.filter(status=Status.SENT).count() == 20
        waiting = village.filter(status=Status.PENDING)
        assert waiting.count() == 5
        assert {d.due_at.second for d in waiting} == {0} and all(
            d.attempts == 0 for d in waiting)  # waited for the window, no attempt spent
        clock.shift(60)
        assert drain() == []
    assert village.filter(status=Status.SENT).count() == 25
    assert channels.calls["webhook"] == 50  # never refused by the robot's own limit


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_the_robots_own_45009_waits_a_minute(cast, channels, policy, red_group):
    channels.script("webhook", [45009])
    notify([cast.leader], key="r:limit", title="红色风险纠纷", kind="case_red", urgent=True,
           area=cast.xiguan)
    row = Delivery.objects.get(robot=red_group.village)
    before = row.created_at
    sending.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.PENDING and (row.due_at - before).total_seconds() >= 60
    assert "45009" in row.error


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_a_robot_message_whose_answer_was_lost_is_unknown_and_not_sent_again(
        cast, channels, eager, policy, red_group):
    channels.script("webhook", ["timeout"])
    notify([cast.leader], key="r:lost", title="红色风险纠纷", kind="case_red", urgent=True,
           area=cast.xiguan)
    drain(seconds=1)
    [row] = Delivery.objects.filter(channel=Channel.ROBOT, status=Status.UNKNOWN)
    assert "未自动重发" in row.error and row.attempts == 1
    assert Delivery.objects.filter(channel=Channel.ROBOT, status=Status.SENT).count() == 1
    drain(seconds=0.2)
    assert sorted(m["key"] for m in channels.robot) == ["robot-key-town", "robot-key-xiguan"]


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_a_robot_name_without_a_key_fails_with_a_reason(cast, channels, eager, policy,
                                                       red_group, settings):
    notify([cast.leader], key="r:nokey", title="红色风险纠纷", kind="case_red", urgent=True,
           area=cast.xiguan)
    settings.WECOM_ROBOT_KEYS = {"town-centre": "robot-key-town"}  # xiguan's key was removed
    drain()
    row = Delivery.objects.get(robot=red_group.village)
    assert row.status == Status.FAILED and "xiguan-group" in row.error


# --- SMS --------------------------------------------------------------------------------------
@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_an_urgent_sms_is_the_urgent_template_with_the_title_as_its_parameter(
        cast, reachable, channels, eager, policy):
    title = "红色风险矛盾纠纷 平襄-2026-0012（西关村），请立即关注并于今日内到场处置"
    notify([cast.leader], key="s:red", title=title, kind="case_red", urgent=True)
    assert drain() == []
    [sms] = channels.sms
    assert (sms["to"], sms["template"]) == (MOBILE["leader"], "SMS_0002")
    assert sms["params"] == {"title": title[:34] + "…"}  # a template variable holds 35
    row = Delivery.objects.get(event_key="s:red", channel=Channel.SMS)
    assert row.gateway_id == sms["biz_id"] and sms["out_id"] == str(row.pk)


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_the_gateway_refuses_a_request_signed_with_another_secret(
        cast, reachable, channels, eager, policy, settings):
    settings.SMS_ACCESS_KEY_SECRET = "not-the-secret"
    notify([cast.leader], key="s:sig", title="红色风险", kind="case_red", urgent=True)
    row = Delivery.objects.get(event_key="s:sig", channel=Channel.SMS)
    sending.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.PENDING and "SignatureDoesNotMatch" in row.error
    assert channels.sms == []
    settings.SMS_ACCESS_KEY_SECRET = channels.sms_secret  # the administrator fixes it
    assert drain() == []
    assert len(channels.sms) == 1


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_sms_flow_control_and_500_are_retried_each_with_a_new_nonce(
        cast, reachable, channels, eager, policy):
    channels.script("sms", [500, "isv.BUSINESS_LIMIT_CONTROL"])
    notify([cast.leader], key="s:retry", title="红色风险", kind="case_red", urgent=True)
    row = Delivery.objects.get(event_key="s:retry", channel=Channel.SMS)
    due = Delivery.objects.filter(pk=row.pk)
    assert sending.deliver(row.pk)[0] == "retry"  # HTTP 500
    due.update(due_at=row.created_at)  # its backoff has passed
    assert sending.deliver(row.pk)[0] == "retry"  # 触发流控
    row.refresh_from_db()
    assert "BUSINESS_LIMIT_CONTROL" in row.error
    assert (row.due_at - row.updated_at).total_seconds() >= 60
    due.update(due_at=row.created_at)
    assert sending.deliver(row.pk)[0] == "sent"
    # A nonce used twice would have been refused (SignatureNonceUsed).
    assert len(channels.sms) == 1 and len(channels.nonces) == 2


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_an_sms_whose_answer_was_lost_is_unknown_and_never_sent_twice(
        cast, reachable, channels, eager, policy):
    channels.script("sms", ["timeout"])
    notify([cast.leader], key="s:lost", title="红色风险", kind="case_red", urgent=True)
    drain(seconds=1)
    row = Delivery.objects.get(event_key="s:lost", channel=Channel.SMS)
    assert row.status == Status.UNKNOWN and row.attempts == 1
    drain(seconds=0.2)
    assert len(channels.sms) == 1  # the gateway had taken it: the phone got it once


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_a_number_the_gateway_refuses_fails_at_once(cast, reachable, channels, eager, policy):
    Contact.objects.filter(user=cast.leader).update(mobile="19900000000")
    channels.script("sms", ["isv.MOBILE_NUMBER_ILLEGAL"])
    notify([cast.leader], key="s:bad", title="红色风险", kind="case_red", urgent=True)
    drain()
    row = Delivery.objects.get(event_key="s:bad", channel=Channel.SMS)
    assert row.status == Status.FAILED and row.attempts == 1
    assert DeliveryAttempt.objects.filter(delivery=row).get().outcome == "failed"


def test_settings_name_the_templates_not_free_text():
    assert {settings.SMS_TEMPLATE_NOTICE, settings.SMS_TEMPLATE_URGENT,
            settings.SMS_TEMPLATE_DIGEST} == {""}  # off unless configured
