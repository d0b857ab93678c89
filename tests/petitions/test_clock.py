"""The statutory clock: deadlines per step (calendar days, from TimeLimit rows), the
extension rules, the 复查/复核 windows and the refusal of the same matter after 复核."""

import datetime as dt

import pytest
import time_machine

from petitions import actions
from petitions.actions import PetitionError
from petitions.models import Petition, TimeLimit
from pingxiang.models import AuditEvent

from .conftest import at

pytestmark = pytest.mark.django_db
S = Petition.Status


def fresh(p):
    return Petition.objects.get(pk=p.pk)


def audit_count(p):
    return AuditEvent.objects.filter(object_id=str(p.pk), action__startswith="petition.").count()


def test_each_step_sets_its_deadline_in_calendar_days(cast, make_petition):
    with time_machine.travel(at("2026-03-01 10:00"), tick=False):
        p = make_petition(received_at=at("2026-03-01 10:00"))
    assert p.status == S.REGISTERED and p.clock == "decide"
    assert p.decide_due_at == at("2026-03-16 23:59") + dt.timedelta(seconds=59)
    assert p.due_at == p.decide_due_at
    assert p.remind_at == p.due_at - dt.timedelta(days=3)
    assert p.number.startswith("XF2026-")

    with time_machine.travel(at("2026-03-05 09:00"), tick=False):
        actions.accept_petition(p, actor=cast.centre)
    p = fresh(p)
    assert p.status == S.ACCEPTED and p.clock == "handle"
    assert p.handle_due_at.date() == dt.date(2026, 5, 4)  # 5 March + 60 days
    assert p.due_at == p.handle_due_at

    with time_machine.travel(at("2026-04-20 09:00"), tick=False):
        actions.extend_petition(p, actor=cast.centre, days=30, reason="情况复杂，需县局核实",
                                approver=cast.leader, notice_method="电话")
    p = fresh(p)
    assert p.handle_due_at.date() == dt.date(2026, 6, 3)
    assert p.extension_approver == cast.leader and p.extension_notice_method == "电话"
    assert p.extension_notified_at is not None

    with time_machine.travel(at("2026-05-20 09:00"), tick=False):
        actions.close_petition(p, actor=cast.centre, reply="已协调修复排水沟。")
    p = fresh(p)
    assert p.status == S.CLOSED and p.closed_on_time is True and p.clock == ""
    assert p.due_at is None
    assert timezone_date(p.review_request_until) == dt.date(2026, 6, 19)

    with time_machine.travel(at("2026-06-10 09:00"), tick=False):
        actions.request_review(p, actor=cast.centre, reason="不服")
    p = fresh(p)
    assert p.status == S.REVIEW and p.clock == "review"
    assert timezone_date(p.review_due_at) == dt.date(2026, 7, 10)

    with time_machine.travel(at("2026-07-01 09:00"), tick=False):
        actions.answer_review(p, actor=cast.centre, opinion="维持")
    p = fresh(p)
    assert p.status == S.REVIEWED and timezone_date(p.recheck_request_until) == dt.date(2026, 7, 31)

    with time_machine.travel(at("2026-07-20 09:00"), tick=False):
        actions.request_recheck(p, actor=cast.centre, reason="仍不服")
    p = fresh(p)
    assert p.status == S.RECHECK and timezone_date(p.recheck_due_at) == dt.date(2026, 8, 19)

    with time_machine.travel(at("2026-08-01 09:00"), tick=False):
        actions.answer_recheck(p, actor=cast.centre, opinion="维持复查意见")
    p = fresh(p)
    assert p.status == S.FINAL and p.clock == "" and p.due_at is None


def timezone_date(value):
    from django.utils import timezone

    return timezone.localtime(value).date()


def test_time_limits_are_data_an_administrator_can_change(cast, make_petition):
    TimeLimit.objects.filter(code="handle").update(days=45)
    with time_machine.travel(at("2026-03-01 10:00"), tick=False):
        p = make_petition(received_at=at("2026-03-01 09:00"))
        actions.accept_petition(p, actor=cast.centre)
    assert timezone_date(fresh(p).handle_due_at) == dt.date(2026, 4, 15)


def test_closing_late_is_recorded_as_not_on_time(cast, make_petition):
    with time_machine.travel(at("2026-01-05 10:00"), tick=False):
        p = make_petition(received_at=at("2026-01-05 09:00"))
        actions.accept_petition(p, actor=cast.centre)
    with time_machine.travel(at("2026-03-20 10:00"), tick=False):
        actions.close_petition(fresh(p), actor=cast.centre, reply="已办理")
    assert fresh(p).closed_on_time is False


@pytest.fixture
def accepted(cast, make_petition):
    with time_machine.travel(at("2026-03-01 10:00"), tick=False):
        p = make_petition(received_at=at("2026-03-01 09:00"))
        actions.accept_petition(p, actor=cast.centre)
    return fresh(p)


EXTENSION_CASES = [
    ("too long", dict(days=31), "延期天数应为1至30日"),
    ("zero days", dict(days=0), "延期天数应为1至30日"),
    ("no reason", dict(reason=" "), "延期须写明理由"),
    ("approver not a leader", dict(approver="centre"), "负责人"),
    ("petitioner not told", dict(notice_method=""), "告知信访人"),
]


@pytest.mark.parametrize("name, change, message", EXTENSION_CASES,
                         ids=[c[0] for c in EXTENSION_CASES])
def test_bad_extensions_are_refused_and_change_nothing(cast, accepted, name, change, message):
    kwargs = {"days": 30, "reason": "情况复杂", "approver": cast.leader, "notice_method": "书面"}
    kwargs.update(change)
    if kwargs["approver"] == "centre":
        kwargs["approver"] = cast.centre
    before = audit_count(accepted)
    with time_machine.travel(at("2026-03-10 10:00"), tick=False):
        with pytest.raises(PetitionError, match=message):
            actions.extend_petition(accepted, actor=cast.centre, **kwargs)
    p = fresh(accepted)
    assert p.extended_at is None and timezone_date(p.handle_due_at) == dt.date(2026, 4, 30)
    assert audit_count(p) == before


def test_only_one_extension(cast, accepted):
    with time_machine.travel(at("2026-03-10 10:00"), tick=False):
        actions.extend_petition(accepted, actor=cast.centre, days=10, reason="复杂",
                                approver=cast.leader, notice_method="电话")
        p = fresh(accepted)
        with pytest.raises(PetitionError, match="已经延期过一次"):
            actions.extend_petition(p, actor=cast.centre, days=5, reason="再延",
                                    approver=cast.leader, notice_method="电话")
        # A stale copy (another user's page) is refused by the conditional update too.
        with pytest.raises(PetitionError):
            actions.extend_petition(accepted, actor=cast.centre, days=5, reason="再延",
                                    approver=cast.leader, notice_method="电话")
    assert timezone_date(fresh(accepted).handle_due_at) == dt.date(2026, 5, 10)


def test_no_extension_after_the_deadline_passed(cast, accepted):
    with time_machine.travel(at("2026-05-02 10:00"), tick=False):
        with pytest.raises(PetitionError, match="办理期限已过"):
            actions.extend_petition(accepted, actor=cast.centre, days=10, reason="复杂",
                                    approver=cast.leader, notice_method="电话")


@pytest.fixture
def closed(cast, accepted):
    with time_machine.travel(at("2026-03-20 10:00"), tick=False):
        actions.close_petition(accepted, actor=cast.centre, reply="已办理")
    return fresh(accepted)


@pytest.mark.parametrize("when, allowed", [("2026-04-19 23:00", True),
                                           ("2026-04-20 08:00", False)])
def test_review_may_be_asked_within_30_days_of_the_reply(cast, closed, when, allowed):
    with time_machine.travel(at(when), tick=False):
        if allowed:
            actions.request_review(closed, actor=cast.centre, reason="不服")
            assert fresh(closed).status == S.REVIEW
        else:
            with pytest.raises(PetitionError, match="已超过申请复查期限"):
                actions.request_review(closed, actor=cast.centre, reason="不服")
            assert fresh(closed).status == S.CLOSED


@pytest.mark.parametrize("when, allowed", [("2026-05-01 20:00", True),
                                           ("2026-05-02 08:00", False)])
def test_recheck_may_be_asked_within_30_days_of_the_review(cast, closed, when, allowed):
    with time_machine.travel(at("2026-03-25 10:00"), tick=False):
        actions.request_review(closed, actor=cast.centre, reason="不服")
    with time_machine.travel(at("2026-04-01 10:00"), tick=False):
        actions.answer_review(fresh(closed), actor=cast.centre, opinion="维持")
    with time_machine.travel(at(when), tick=False):
        p = fresh(closed)
        if allowed:
            actions.request_recheck(p, actor=cast.centre, reason="仍不服")
            assert fresh(p).status == S.RECHECK
        else:
            with pytest.raises(PetitionError, match="已超过申请复核期限"):
                actions.request_recheck(p, actor=cast.centre, reason="仍不服")


def _to_final(cast, p):
    actions.request_review(p, actor=cast.centre, reason="不服")
    actions.answer_review(fresh(p), actor=cast.centre, opinion="维持")
    actions.request_recheck(fresh(p), actor=cast.centre, reason="不服")
    actions.answer_recheck(fresh(p), actor=cast.centre, opinion="维持")
    return fresh(p)


def test_same_matter_after_recheck_is_not_accepted_again(cast, make_petition):
    who = {"name": "马福禄", "id_number": "", "phone": ""}
    from .conftest import person

    who = person(777, "马福禄")
    first = make_petition(who=who)
    actions.accept_petition(first, actor=cast.centre)
    actions.close_petition(fresh(first), actor=cast.centre, reply="已办理")
    final = _to_final(cast, fresh(first))
    assert final.status == S.FINAL

    again = make_petition(who=who, repeat_of=final, channel=Petition.Channel.VISIT)
    assert again.status == S.NOT_ACCEPTED
    assert "不再受理" in again.decision_reason and final.number in again.decision_reason
    assert again.petitioner_id == final.petitioner_id and again.is_repeat_petitioner
    with pytest.raises(PetitionError, match="不再受理"):
        actions.accept_petition(fresh(again), actor=cast.centre)


def test_repeat_before_recheck_is_still_accepted(cast, make_petition):
    from .conftest import person

    who = person(778)
    first = make_petition(who=who)
    again = make_petition(who=who, repeat_of=first)
    assert again.status == S.REGISTERED and again.is_repeat_petitioner
    actions.accept_petition(again, actor=cast.centre)
    assert fresh(again).status == S.ACCEPTED


# Table of refused transitions: (what was done before, the action, expected message).
def _do(cast, p, action):
    a = cast.centre
    return {
        "accept": lambda: actions.accept_petition(p, actor=a),
        "decline": lambda: actions.decline_petition(p, actor=a, reason="不属于信访事项"),
        "transfer": lambda: actions.transfer_petition(p, actor=a, to_body="县人社局"),
        "close": lambda: actions.close_petition(p, actor=a, reply="已办理"),
        "rate": lambda: actions.rate_petition(p, actor=a, handling="满意", result="满意",
                                              method="电话回访"),
        "review": lambda: actions.request_review(p, actor=a, reason="不服"),
        "answer_review": lambda: actions.answer_review(p, actor=a, opinion="维持"),
        "recheck": lambda: actions.request_recheck(p, actor=a, reason="不服"),
    }[action]()


@pytest.mark.parametrize("state, action, allowed", [
    ("registered", "accept", True), ("registered", "decline", True),
    ("registered", "transfer", True), ("registered", "close", False),
    ("registered", "rate", False), ("registered", "review", False),
    ("accepted", "accept", False), ("accepted", "decline", False),
    ("accepted", "close", True), ("accepted", "rate", False),
    ("accepted", "review", False), ("accepted", "answer_review", False),
    ("closed", "close", False), ("closed", "rate", True), ("closed", "review", True),
    ("closed", "recheck", False), ("closed", "accept", False),
])
def test_transitions(cast, make_petition, state, action, allowed):
    p = make_petition()
    if state in ("accepted", "closed"):
        actions.accept_petition(p, actor=cast.centre)
    if state == "closed":
        actions.close_petition(fresh(p), actor=cast.centre, reply="已办理")
    p = fresh(p)
    before = (p.status, audit_count(p))
    if allowed:
        _do(cast, p, action)
        assert audit_count(p) == before[1] + 1
    else:
        with pytest.raises(PetitionError):
            _do(cast, p, action)
        assert (fresh(p).status, audit_count(p)) == before


def test_rating_before_closure_is_refused(cast, make_petition):
    p = make_petition()
    actions.accept_petition(p, actor=cast.centre)
    with pytest.raises(PetitionError, match="尚未办结"):
        actions.rate_petition(fresh(p), actor=cast.centre, handling="满意", result="满意",
                              method="电话回访")
    assert not fresh(p).ratings.exists()


def test_unsatisfied_rating_needs_a_note_and_keeps_both_ratings(cast, make_petition):
    p = make_petition()
    actions.accept_petition(p, actor=cast.centre)
    actions.close_petition(fresh(p), actor=cast.centre, reply="已办理")
    p = fresh(p)
    with pytest.raises(PetitionError, match="不满意"):
        actions.rate_petition(p, actor=cast.centre, handling="满意", result="不满意",
                              method="电话回访")
    rating = actions.rate_petition(p, actor=cast.centre, handling="满意", result="不满意",
                                   method="上门回访", note="补偿太少")
    p = fresh(p)
    assert (p.rating_handling, p.rating_result) == ("满意", "不满意")
    assert rating.recorded_by == cast.centre and rating.method == "上门回访"
    assert not actions.is_double_satisfied(p)


@pytest.mark.parametrize("who", ["grid_xiguan", "cadre_xiguan", "leader", "supervisor"])
def test_a_decision_on_a_petition_that_is_not_yours_is_refused(cast, make_petition, who):
    p = make_petition()
    with pytest.raises(PetitionError, match="不是您负责"):
        actions.accept_petition(p, actor=getattr(cast, who))
    assert fresh(p).status == S.REGISTERED


def test_the_leader_in_charge_may_decide(cast, make_petition):
    p = make_petition()
    actions.assign_leader(p, actor=cast.centre, leader=cast.leader)
    actions.accept_petition(fresh(p), actor=cast.leader)
    assert fresh(p).status == S.ACCEPTED


def test_order_type_only_for_livelihood_and_required_there(cast, make_petition):
    with pytest.raises(PetitionError, match="工单类型"):
        make_petition(channel=Petition.Channel.LIVELIHOOD, order_type="")
    p = make_petition(channel=Petition.Channel.LIVELIHOOD, order_type="投诉",
                      channel_ref="MS-1")
    assert p.order_type == "投诉"
    with pytest.raises(PetitionError, match="已经登记过"):
        make_petition(channel=Petition.Channel.LIVELIHOOD, order_type="投诉",
                      channel_ref="MS-1")


def test_joint_petition_keeps_every_petitioner(cast, make_petition):
    from .conftest import person

    p = make_petition(co_petitioners=[person(901), person(902)], headcount=5)
    assert p.co_petitioner_links.count() == 2 and p.headcount == 5


