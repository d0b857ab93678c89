"""The transactional outbox: delivery rows are written in the in-app notification's own
transaction, one per (notification, channel, recipient) under an idempotency key; off until
configured; a person's channels per kind; urgent kinds on every channel, quiet hours or not."""

import pytest
import time_machine
from django.db import transaction

from messaging.models import Channel, Contact, Delivery, KindChoice, KindRule, Status
from pingxiang.models import Notification
from pingxiang.notify import notify
from tests.messaging.conftest import MOBILE, WECOM, WORKDAY_MORNING, local

pytestmark = pytest.mark.django_db


def test_nothing_leaves_the_app_until_a_channel_is_configured(cast, reachable):
    notify([cast.leader], key="t:off", title="测试", kind="case_red", urgent=True,
           area=cast.xiguan)
    assert Notification.objects.filter(key="t:off").count() == 1
    assert Delivery.objects.count() == 0


def test_a_rolled_back_action_leaves_no_delivery_and_sends_nothing(
        cast, reachable, channels, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify([cast.leader], key="t:rollback", title="重大隐患", kind="hazard_major",
                   urgent=True, area=cast.xiguan)
            assert Delivery.objects.filter(event_key="t:rollback").count() == 2
            raise RuntimeError("the action fails after notifying")
    assert callbacks == []
    assert Notification.objects.filter(key="t:rollback").count() == 0
    assert Delivery.objects.count() == 0
    assert channels.calls == {}


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_a_committed_notification_has_one_row_per_channel_and_recipient_under_a_key(
        cast, reachable, channels, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notify([cast.leader, cast.centre], key="t:urgent", title="红色风险", kind="case_red",
               urgent=True, area=cast.xiguan)
        notify([cast.leader, cast.centre], key="t:urgent", title="红色风险", kind="case_red",
               urgent=True, area=cast.xiguan)  # a sweep that runs twice
    rows = Delivery.objects.filter(event_key="t:urgent")
    notes = {n.recipient_id: n.pk for n in Notification.objects.filter(key="t:urgent")}
    assert sorted(rows.exclude(channel=Channel.ROBOT).values_list("key", flat=True)) == sorted(
        f"n{notes[u.pk]}:{c}" for u in (cast.leader, cast.centre) for c in ("wecom", "sms"))
    assert all(r.urgent and r.status == Status.PENDING for r in rows)
    assert len(callbacks) == 1  # the second notify inserted nothing and enqueues nothing


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_a_person_chooses_channels_per_kind_but_cannot_turn_off_urgent_ones(
        cast, reachable, channels):
    KindChoice.objects.create(user=cast.centre, kind="case", wecom=False, sms=True)
    KindChoice.objects.create(user=cast.centre, kind="case_red", wecom=False, sms=False)
    KindChoice.objects.create(user=cast.leader, kind="case", wecom=False, sms=False)
    notify([cast.centre, cast.leader], key="t:case", title="新登记", kind="case")
    notify([cast.centre], key="t:red", title="红色", kind="case_red", urgent=True)
    assert set(Delivery.objects.filter(event_key="t:case").values_list(
        "recipient__username", "channel")) == {("centre", "sms")}
    assert set(Delivery.objects.filter(event_key="t:red").values_list("channel", flat=True)) \
        == {"wecom", "sms"}


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_without_a_wecom_userid_the_fallback_sms_goes_at_once(cast, reachable, channels):
    Contact.objects.filter(user=cast.centre).update(wecom_userid="")
    Contact.objects.filter(user=cast.leader).update(wecom_userid="", sms_fallback=False)
    notify([cast.centre, cast.leader], key="t:nouser", title="新登记", kind="case")
    assert set(Delivery.objects.filter(event_key="t:nouser").values_list(
        "recipient__username", "channel")) == {("centre", "sms")}


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_someone_without_any_contact_gets_the_inbox_only(cast, channels):
    notify([cast.supervisor], key="t:none", title="新登记", kind="case")
    assert Notification.objects.filter(key="t:none").exists()
    assert not Delivery.objects.filter(event_key="t:none").exists()


@pytest.mark.parametrize("moment, urgent, due", [
    (local(2026, 11, 30, 22, 30), False, local(2026, 12, 1, 7, 0)),
    (local(2026, 12, 1, 3, 0), False, local(2026, 12, 1, 7, 0)),
    (local(2026, 12, 1, 7, 0), False, local(2026, 12, 1, 7, 0)),
    (local(2026, 11, 30, 21, 59), False, local(2026, 11, 30, 21, 59)),
    (local(2026, 11, 30, 23, 0), True, local(2026, 11, 30, 23, 0)),
])
def test_quiet_hours_hold_what_is_not_urgent_until_they_end(cast, reachable, channels, moment,
                                                            urgent, due):
    with time_machine.travel(moment, tick=False):
        notify([cast.centre], key="t:quiet", title="消息", kind="case", urgent=urgent)
    row = Delivery.objects.get(event_key="t:quiet", channel=Channel.WECOM)
    assert (row.status, row.due_at) == (Status.PENDING, due)


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_digest_kinds_wait_for_the_next_working_mornings_digest(cast, reachable, channels):
    notify([cast.centre], key="t:digest", title="隐患整改逾期：YH202600001",
           kind="hazard_overdue")
    row = Delivery.objects.get(event_key="t:digest")
    assert row.status == Status.WAITING_DIGEST
    assert row.due_at == local(2026, 12, 1, 8, 0)
    with time_machine.travel(local(2026, 11, 27, 9, 0), tick=False):  # a Friday
        notify([cast.centre], key="t:digest2", title="信访逾期", kind="petition_overdue")
    assert Delivery.objects.get(event_key="t:digest2").due_at == local(2026, 11, 30, 8, 0)


@time_machine.travel(WORKDAY_MORNING, tick=True)
def test_an_administrator_makes_a_kind_urgent_and_it_goes_to_every_channel_and_group(
        cast, reachable, channels, red_group):
    KindRule.objects.filter(code="case_push").update(urgent=True)
    notify([cast.grid_xiguan], key="t:push", title="一警情三推送", kind="case_push",
           area=cast.xiguan_grid)
    rows = Delivery.objects.filter(event_key="t:push")
    assert {(r.channel, r.robot_id) for r in rows} == {
        ("wecom", None), ("sms", None), ("robot", red_group.village.pk),
        ("robot", red_group.town.pk)}
    assert all(r.urgent for r in rows)


def test_the_mobile_number_is_stored_once(cast, reachable, channels):
    """Deliveries carry no address: the number is read from Contact when sending."""
    notify([cast.centre], key="t:addr", title="消息", kind="case", urgent=True)
    fields = [f.name for f in Delivery._meta.fields]
    assert not [f for f in fields if "mobile" in f or "phone" in f or "address" in f]
    values = " ".join(str(v) for row in Delivery.objects.values() for v in row.values())
    assert MOBILE["centre"] not in values and WECOM["centre"] not in values


def test_the_minute_sweep_hands_over_what_is_due(cast, reachable, channels, eager, policy):
    from django.utils import timezone

    from pingxiang.timers import registered, run_sweepers

    assert "messaging.dispatch" in registered()
    with time_machine.travel(WORKDAY_MORNING, tick=True):
        notify([cast.leader], key="t:sweep", title="红色风险", kind="case_red", urgent=True)
        Delivery.objects.update(enqueued_at=None)  # as if the broker had been away
        results = run_sweepers(timezone.now())
    assert results["messaging.dispatch"]["enqueued"] == 2
    assert len(channels.wecom) == 1 and len(channels.sms) == 1


def test_the_sweep_does_nothing_while_no_channel_is_configured(cast, django_assert_num_queries):
    from django.utils import timezone

    from messaging.tasks import run_dispatch

    with django_assert_num_queries(0):
        assert run_dispatch(timezone.now()) == {}
