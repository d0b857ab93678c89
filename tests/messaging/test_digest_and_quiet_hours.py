"""The morning digest (08:00 on working days, by the cases calendar through the kernel's
registry) gathers each person's due and overdue items per channel into one message; the
quiet hours hold what is not urgent until they end."""

import pytest
import time_machine

from messaging.models import Channel, Delivery, DigestRun, KindChoice, Status
from messaging.tasks import run_dispatch
from pingxiang.notify import notify
from tests.messaging.conftest import MOBILE, WECOM, drain, local

pytestmark = pytest.mark.django_db


def _overdue(cast, key, kind, title, *names):
    notify([getattr(cast, n) for n in names], key=key, title=title, kind=kind,
           url="/rectification/hazards/1/")


def test_the_digest_goes_once_at_eight_on_the_next_working_day(cast, reachable, channels,
                                                              eager, policy):
    KindChoice.objects.create(user=cast.leader, kind="hazard_overdue", wecom=False, sms=True)
    with time_machine.travel(local(2026, 11, 27, 20, 0), tick=False) as clock:  # a Friday
        _overdue(cast, "d:h1", "hazard_overdue", "隐患整改逾期：YH202600011", "centre", "leader")
        _overdue(cast, "d:p1", "petition_overdue", "信访件XF-2026-0003办理已逾期", "centre")
        assert drain() == []  # nothing is sent one by one
        assert channels.wecom == [] and channels.sms == []
        for moment in (local(2026, 11, 28, 8, 0), local(2026, 11, 29, 9, 0),  # the weekend
                       local(2026, 11, 30, 7, 59)):
            clock.move_to(moment)
            drain()
        assert not Delivery.objects.filter(kind="digest").exists()
        clock.move_to(local(2026, 11, 30, 8, 0))
        assert drain() == []
        clock.shift(60)
        run_dispatch(local(2026, 11, 30, 8, 1))  # a second run builds nothing more
    run = DigestRun.objects.get(date=local(2026, 11, 30).date())
    assert (run.items, run.digests) == (3, 2)
    assert not DigestRun.objects.filter(date__in=["2026-11-28", "2026-11-29"]).exists()
    [card] = channels.wecom
    assert card["to"] == WECOM["centre"]
    assert card["title"] == "2026-11-30 待办汇总：2项到期或逾期"
    assert "YH202600011" in card["description"] and "XF-2026-0003" in card["description"]
    [sms] = channels.sms
    assert (sms["to"], sms["template"], sms["params"]) == (MOBILE["leader"], "SMS_0003",
                                                           {"count": "1"})
    items = Delivery.objects.filter(event_key__in=["d:h1", "d:p1"])
    assert {i.status for i in items} == {Status.DIGESTED}
    centre_digest = Delivery.objects.get(recipient=cast.centre, kind="digest")
    assert set(items.filter(recipient=cast.centre).values_list("digest_id", flat=True)) == {
        centre_digest.pk}
    assert centre_digest.digest_count == 2 and centre_digest.status == Status.SENT


def test_what_arrives_after_the_digest_waits_for_the_next_one(cast, reachable, channels,
                                                              eager, policy):
    with time_machine.travel(local(2026, 11, 30, 7, 50), tick=False) as clock:
        _overdue(cast, "d:early", "case_followup", "平襄-2026-0001 应于2026-11-30回访", "centre")
        clock.move_to(local(2026, 11, 30, 8, 0))
        drain()
        clock.move_to(local(2026, 11, 30, 9, 30))
        _overdue(cast, "d:late", "case_followup", "平襄-2026-0002 应于2026-11-30回访", "centre")
        drain()
        assert len(channels.wecom) == 1
        late = Delivery.objects.get(event_key="d:late")
        assert late.status == Status.WAITING_DIGEST and late.due_at == local(2026, 12, 1, 8)
        clock.move_to(local(2026, 12, 1, 8, 0))
        drain()
    assert [c["title"] for c in channels.wecom] == ["2026-11-30 待办汇总：1项到期或逾期",
                                                    "2026-12-01 待办汇总：1项到期或逾期"]


@pytest.mark.parametrize("day, sent", [
    (local(2026, 10, 1, 8, 0), False),  # 国庆节
    (local(2026, 10, 10, 8, 0), True),  # a Saturday worked in exchange (调休上班)
])
def test_holidays_and_exchanged_working_days_follow_the_cases_calendar(
        cast, reachable, channels, eager, policy, day, sent):
    with time_machine.travel(day.replace(hour=6), tick=False) as clock:
        _overdue(cast, "d:cal", "hazard_due", "隐患整改临期：YH202600020", "centre")
        clock.move_to(day)
        drain()
    assert DigestRun.objects.exists() is sent
    assert len(channels.wecom) == int(sent)


def test_a_long_digest_lists_the_first_items_and_counts_the_rest(cast, reachable, channels,
                                                                 eager, policy):
    with time_machine.travel(local(2026, 11, 30, 7, 0), tick=False) as clock:
        for n in range(12):
            _overdue(cast, f"d:many{n}", "hazard_overdue", f"隐患整改逾期：YH2026{n:05d}",
                     "centre")
        clock.move_to(local(2026, 11, 30, 8, 0))
        drain()
    digest = Delivery.objects.get(kind="digest", channel=Channel.WECOM)
    assert digest.body.count("\n") == policy.digest_max_lines  # 8 lines and the count
    assert digest.body.endswith("……等共12项")


def test_quiet_hours_hold_an_ordinary_message_until_seven_and_let_an_urgent_one_through(
        cast, reachable, channels, eager, policy):
    with time_machine.travel(local(2026, 11, 30, 23, 10), tick=False) as clock:
        notify([cast.centre], key="q:case", title="新登记矛盾纠纷", kind="case")
        notify([cast.leader], key="q:red", title="红色风险矛盾纠纷", kind="case_red", urgent=True)
        drain(seconds=0.5)
        assert [m["to"] for m in channels.wecom] == [WECOM["leader"]]
        assert [m["to"] for m in channels.sms] == [MOBILE["leader"]]
        clock.move_to(local(2026, 12, 1, 6, 59))
        drain(seconds=0.2)
        assert len(channels.wecom) == 1
        clock.move_to(local(2026, 12, 1, 7, 0))
        assert drain() == []
    assert [m["to"] for m in channels.wecom] == [WECOM["leader"], WECOM["centre"]]


def test_a_retry_that_would_land_in_the_quiet_hours_waits_for_their_end(
        cast, reachable, channels, eager, policy):
    from messaging import sending

    channels.script("send", [500])
    with time_machine.travel(local(2026, 11, 30, 21, 59, 59), tick=False):
        notify([cast.centre], key="q:retry", title="新登记矛盾纠纷", kind="case")
        row = Delivery.objects.get(event_key="q:retry", channel=Channel.WECOM)
        from messaging.models import MessagingPolicy, forget_cached

        MessagingPolicy.objects.filter(pk=1).update(backoff_seconds=5, backoff_max_seconds=5)
        forget_cached()
        sending.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.due_at == local(2026, 12, 1, 7, 0)


def test_the_digest_leaves_out_what_was_finished_since_the_reminder(cast, reachable, channels,
                                                                   eager, policy):
    """Two hazards were overdue at night; one was reported rectified before 08:00. The digest
    lists the one still overdue; the other's reminder is marked settled and not sent."""
    import datetime as dt

    from rectification import actions
    from rectification.models import Hazard, HazardCategory
    from tests.rectification.conftest import ensure_reference_data

    ensure_reference_data()
    fire = HazardCategory.objects.get(name="消防")
    with time_machine.travel(local(2026, 11, 10, 9, 0), tick=False) as clock:
        hazards = []
        for text in ("灭火器过期", "电线私拉乱接"):
            hazard = actions.register_hazard(
                actor=cast.grid_xiguan, source=Hazard.Source.INSPECTION, category=fire,
                area=cast.xiguan_grid, description=text, found_date=local(2026, 11, 1).date())
            hazards.append(actions.assign_hazard(
                hazard, actor=cast.centre, responsible_unit="西关村委会",
                responsible_person="李秀英", handler=cast.cadre_xiguan, measures="整改",
                deadline=dt.date(2026, 11, 20)))
        clock.move_to(local(2026, 11, 29, 21, 0))  # a Sunday night: both overdue
        for hazard in hazards:
            notify([cast.centre], key=f"rectification:hazard:{hazard.pk}:overdue",
                   title=f"隐患整改逾期：{hazard.number}", kind="hazard_overdue")
        drain()
        clock.move_to(local(2026, 11, 30, 7, 30))
        actions.submit_hazard_rectification(hazards[1], actor=cast.cadre_xiguan, note="已整改")
        clock.move_to(local(2026, 11, 30, 8, 0))
        drain()
    [card] = [c for c in channels.wecom if "待办汇总" in c["title"]]
    assert (card["to"], card["title"]) == (WECOM["centre"], "2026-11-30 待办汇总：1项到期或逾期")
    assert hazards[0].number in card["description"]
    assert hazards[1].number not in card["description"]
    settled = Delivery.objects.get(event_key=f"rectification:hazard:{hazards[1].pk}:overdue")
    assert settled.status == Status.SETTLED and settled.digest_id is None
