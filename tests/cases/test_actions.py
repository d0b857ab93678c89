import datetime as dt

import pytest
from django.utils import timezone

from cases import actions
from cases.actions import CaseActionError
from cases.models import Case, LevelStint, Referral, Status
from pingxiang.models import AuditEvent, Notification

from .conftest import RESOLVE, id_number, local

pytestmark = pytest.mark.django_db


def test_case_numbers_run_per_town_and_year(make_case):
    first = make_case(at=local(2026, 3, 2))
    second = make_case(at=local(2026, 3, 3))
    next_year = make_case(at=local(2026, 11, 28))
    assert first.number == "平襄-2026-0001"
    assert second.number == "平襄-2026-0002"
    assert next_year.number == "平襄-2026-0003"


def test_one_person_one_record_by_id_number(make_case):
    number = id_number()
    a = make_case(parties=[{"name": "王大山", "id_number": number}])
    b = make_case(parties=[{"name": "王大山", "id_number": number.lower()}])
    assert a.parties.get().pk == b.parties.get().pk


def test_bad_id_number_saves_nothing(make_case):
    with pytest.raises(CaseActionError, match="身份证号"):
        make_case(parties=[{"name": "王大山", "id_number": "62112119800517001X"}])
    assert not Case.objects.exists()


def test_police_push_reaches_centre_village_grid_and_leader(make_case, cast):
    from grids.actions import grant_membership
    from pingxiang.roles import Role

    grant_membership(cast.leader, cast.xiguan, Role.LEADER)  # 包村领导 of 西关村
    case = make_case(source="police", source_ref="警情20261127-031")
    referral = Referral.objects.get(case=case)
    got = {(r.recipient.username, r.as_kind) for r in referral.receipts.select_related("recipient")}
    assert got == {("centre", "centre_staff"), ("cadre_xiguan", "village_cadres"),
                   ("grid_xiguan", "grid_workers"), ("leader", "village_leaders")}
    assert Notification.objects.filter(recipient=cast.grid_xiguan, kind="case_push").exists()


def test_court_push_goes_to_centre_and_village(make_case, cast):
    case = make_case(source="court", area=cast.menghe)
    names = set(Referral.objects.get(case=case).receipts.values_list("recipient__username",
                                                                      flat=True))
    assert {"centre", "cadre_menghe"} <= names
    assert "leader" not in names and "cadre_xiguan" not in names


def test_accept_starts_the_level_clock_and_stores_the_deadline(make_case, cast):
    case = make_case(at=local(2026, 9, 30, 9))
    actions.accept_case(case, actor=cast.centre, level=1, at=local(2026, 9, 30, 10))
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.level == 1
    # One working day after Wed 09-30 is Thu 10-08 (National Day in between).
    assert case.deadline == local(2026, 10, 9, 0)
    stint = case.stints.get()
    assert stint.deadline == case.deadline and stint.ended_at is None


def _at_level(running_case, level, risk="blue"):
    return running_case(level if level <= 3 else 3, risk=risk)


# (action, from status, kwargs) -> allowed?
def _registered(make_case, running_case, cast):
    return make_case()


def _running(make_case, running_case, cast):
    return running_case(1)


def _resolved(make_case, running_case, cast):
    return actions.resolve_case(running_case(1), actor=cast.centre, **RESOLVE)


def _followed(make_case, running_case, cast):
    case = _resolved(make_case, running_case, cast)
    return actions.follow_up(case, actor=cast.centre, visited_on=timezone.localdate(),
                             carried_out=True, satisfaction="satisfied")


def _archived(make_case, running_case, cast):
    return actions.archive_case(_followed(make_case, running_case, cast), actor=cast.centre)


def _unresolved(make_case, running_case, cast):
    return actions.close_unresolved(running_case(3), actor=cast.centre, route="仲裁机构",
                                    reason="坚持仲裁")


STATES = {"registered": _registered, "running": _running, "resolved": _resolved,
          "followed_up": _followed, "archived": _archived, "unresolved": _unresolved}

DO = {
    "accept": lambda c, u: actions.accept_case(c, actor=u, level=1),
    "record_session": lambda c, u: actions.record_session(c, actor=u, notes="调解"),
    "resolve": lambda c, u: actions.resolve_case(c, actor=u, **RESOLVE),
    "close_unresolved": lambda c, u: actions.close_unresolved(c, actor=u, route="仲裁机构",
                                                              reason="x"),
    "escalate": lambda c, u: actions.escalate_case(c, actor=u, reason="调解未成"),
    "request_pause": lambda c, u: actions.request_pause(c, actor=u, reason="鉴定", days=2),
    "follow_up": lambda c, u: actions.follow_up(c, actor=u, visited_on=timezone.localdate(),
                                                carried_out=True, satisfaction="satisfied"),
    "archive": lambda c, u: actions.archive_case(c, actor=u),
    "take_charge": lambda c, u: actions.take_charge(c, actor=u),
}

ALLOWED = {
    "registered": {"accept", "take_charge"},
    "running": {"record_session", "resolve", "close_unresolved", "escalate", "request_pause",
                "take_charge"},
    "resolved": {"follow_up"},
    "followed_up": {"archive"},
    "archived": set(),
    "unresolved": {"archive"},
}


@pytest.mark.parametrize("state", list(STATES))
def test_transition_table(make_case, running_case, cast, state):
    """Every action from every state: allowed ones work, refused ones change nothing."""
    from django.db import transaction

    case = STATES[state](make_case, running_case, cast)

    class Undo(Exception):
        pass

    for action, do in DO.items():
        case = Case.objects.get(pk=case.pk)
        before = (case.status, case.level, case.version, AuditEvent.objects.count())
        if action in ALLOWED[state]:
            with pytest.raises(Undo), transaction.atomic():
                do(case, cast.centre)
                assert Case.objects.get(pk=case.pk).version == before[2] + 1, action
                raise Undo
        else:
            with pytest.raises(CaseActionError) as err:
                do(case, cast.centre)
            assert "不能" in str(err.value), action
            case = Case.objects.get(pk=case.pk)
            assert (case.status, case.level, case.version,
                    AuditEvent.objects.count()) == before, action


def test_escalate_past_the_top_is_refused(running_case, cast):
    case = running_case(3, risk="red")
    actions.escalate_case(case, actor=cast.centre, reason="未成", to_level=5)
    with pytest.raises(CaseActionError, match="最高的第5级"):
        actions.escalate_case(case, actor=cast.centre, reason="未成")
    assert Case.objects.get(pk=case.pk).level == 5


def test_only_red_cases_skip_levels(make_case, running_case, cast):
    blue = running_case(1)
    with pytest.raises(CaseActionError, match="红色"):
        actions.escalate_case(blue, actor=cast.centre, reason="未成", to_level=3)
    red = running_case(1, risk="red")
    actions.escalate_case(red, actor=cast.centre, reason="持械威胁", to_level=3)
    assert Case.objects.get(pk=red.pk).level == 3
    with pytest.raises(CaseActionError, match="红色"):
        actions.accept_case(make_case(), actor=cast.centre, level=4)
    actions.accept_case(make_case(risk="red"), actor=cast.centre, level=4)


def test_manual_escalation_needs_a_reason(running_case, cast):
    case = running_case(1)
    with pytest.raises(CaseActionError, match="原因"):
        actions.escalate_case(case, actor=cast.centre, reason="  ")
    assert Case.objects.get(pk=case.pk).level == 1


def test_send_down_restarts_the_lower_levels_clock(running_case, cast):
    case = running_case(3, at=local(2026, 11, 23, 9))
    actions.send_down(case, actor=cast.centre, to_level=2, instructions="请现场勘界后再调",
                      at=local(2026, 11, 24, 9))
    case.refresh_from_db()
    assert (case.level, case.status, case.instructions) == (2, Status.ACCEPTED, "请现场勘界后再调")
    assert case.deadline == local(2026, 11, 27, 0)  # Tue + 2 working days = end of Thu
    stints = list(case.stints.order_by("started_at"))
    assert [(s.level, s.outcome) for s in stints] == [(3, "sent_down"), (2, "")]
    with pytest.raises(CaseActionError, match="低"):
        actions.send_down(case, actor=cast.centre, to_level=2, instructions="x")


def test_pause_needs_approval_and_paused_days_extend_the_deadline(running_case, cast):
    case = running_case(2, at=local(2026, 11, 23, 9))  # Mon; deadline end of Wed 11-25
    assert case.deadline == local(2026, 11, 26, 0)
    actions.request_pause(case, actor=cast.cadre_xiguan, reason="等待伤情鉴定", days=5,
                          at=local(2026, 11, 23, 10))
    case.refresh_from_db()
    assert not case.is_paused  # not until the centre approves
    with pytest.raises(CaseActionError, match="1到10"):
        actions.request_pause(case, actor=cast.cadre_xiguan, reason="x", days=11)
    actions.decide_pause(case, actor=cast.centre, approve=True, at=local(2026, 11, 23, 11))
    case.refresh_from_db()
    assert case.is_paused
    actions.resume_case(case, actor=cast.centre, at=local(2026, 11, 26, 9))  # Thu
    case.refresh_from_db()
    # Paused Mon..Thu: Tue, Wed, Thu = 3 working days; deadline Wed -> Mon 11-30.
    assert case.deadline == local(2026, 12, 1, 0)
    assert case.stints.get().paused_days == 3


def test_refused_pause_leaves_the_clock_running(running_case, cast):
    case = running_case(2)
    actions.request_pause(case, actor=cast.cadre_xiguan, reason="联系不上", days=2)
    actions.decide_pause(case, actor=cast.centre, approve=False, note="请继续联系")
    case.refresh_from_db()
    assert not case.is_paused
    with pytest.raises(CaseActionError, match="没有暂停"):
        actions.resume_case(case, actor=cast.centre)


def test_resolve_schedules_follow_up_and_judicial_confirmation(running_case, cast):
    case = running_case(1, at=local(2026, 11, 23, 9))
    actions.resolve_case(case, actor=cast.centre, at=local(2026, 11, 23, 15), **RESOLVE)
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.resolved_level == 1
    assert case.followup_due_on == dt.date(2026, 11, 30)
    assert case.jc_due_on == dt.date(2026, 12, 23)
    assert case.stints.get().on_time is True
    agreement = case.agreements.get()
    assert agreement.kind == "written" and agreement.method == "people"


def test_failed_follow_up_reopens_and_earlier_on_time_stays_frozen(running_case, cast):
    case = running_case(1, at=local(2026, 11, 2, 9))
    actions.resolve_case(case, actor=cast.centre, at=local(2026, 11, 5, 15), **RESOLVE)  # late
    actions.follow_up(case, actor=cast.centre, visited_on=dt.date(2026, 11, 12),
                      carried_out=False, satisfaction="dissatisfied",
                      at=local(2026, 11, 12, 10))
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.level == 1 and case.resolved_at is None
    first, second = case.stints.order_by("started_at")
    assert (first.on_time, first.outcome) == (False, LevelStint.Outcome.RESOLVED)
    assert second.ended_at is None and second.deadline == local(2026, 11, 14, 0)


def test_follow_up_date_cannot_be_before_resolution_or_in_future(running_case, cast):
    case = actions.resolve_case(running_case(1), actor=cast.centre, **RESOLVE)
    with pytest.raises(CaseActionError, match="晚于今天"):
        actions.follow_up(case, actor=cast.centre,
                          visited_on=timezone.localdate() + dt.timedelta(days=1),
                          carried_out=True, satisfaction="satisfied")
    with pytest.raises(CaseActionError, match="早于化解"):
        actions.follow_up(case, actor=cast.centre,
                          visited_on=timezone.localdate() - dt.timedelta(days=30),
                          carried_out=True, satisfaction="satisfied")


def test_judicial_confirmation_only_for_written_agreements_within_30_days(running_case, cast):
    oral = actions.resolve_case(running_case(1), actor=cast.centre,
                                **{**RESOLVE, "kind": "oral"})
    with pytest.raises(CaseActionError):
        actions.confirm_judicially(oral, actor=cast.centre, court="通渭县人民法院",
                                   confirmed_on=timezone.localdate())
    case = running_case(1, at=local(2026, 10, 12, 9))
    actions.resolve_case(case, actor=cast.centre, at=local(2026, 10, 12, 15), **RESOLVE)
    with pytest.raises(CaseActionError, match="30日内"):
        actions.confirm_judicially(case, actor=cast.centre, court="通渭县人民法院",
                                   confirmed_on=dt.date(2026, 11, 20))
    actions.confirm_judicially(case, actor=cast.centre, court="通渭县人民法院",
                               confirmed_on=dt.date(2026, 11, 5))
    case.refresh_from_db()
    assert case.jc_applied and case.jc_court == "通渭县人民法院"


def test_every_action_lands_on_the_timeline(running_case, cast):
    case = running_case(1)
    actions.escalate_case(case, actor=cast.grid_xiguan, reason="调解未成")
    from pingxiang.audit import timeline

    labels = [e.action_label for e in timeline(case)]
    assert labels == ["登记", "受理", "上报上一级"]


def test_stale_version_is_refused_with_a_plain_message(running_case, cast):
    case = running_case(1)
    stale = Case.objects.get(pk=case.pk)
    actions.escalate_case(case, actor=cast.centre, reason="调解未成")
    with pytest.raises(actions.CaseChanged, match="刚刚已被他人办理"):
        actions.resolve_case(stale, actor=cast.grid_xiguan, **RESOLVE)
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    assert not case.agreements.exists()
