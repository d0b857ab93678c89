import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cases import actions, sweeps
from cases.models import Case, LevelStint
from pingxiang.models import Notification
from pingxiang.timers import registered

from .conftest import RESOLVE, local

pytestmark = pytest.mark.django_db


def _sweep(at):
    with time_machine.travel(at, tick=False):
        return sweeps.escalate_overdue(at)


def test_sweepers_are_registered():
    names = set(registered())
    assert {"cases.escalate_overdue", "cases.warn_due_soon", "cases.followups_due",
            "cases.judicial_confirmation_reminders", "cases.end_expired_pauses"} <= names


def test_the_sweep_walks_the_whole_ladder_across_national_day(running_case, cast):
    case = running_case(1, at=local(2026, 9, 30, 10))  # Wed before National Day
    walk = [
        # (sweep at, expected level after, expected deadline)
        (local(2026, 10, 8, 23, 59), 1, local(2026, 10, 9)),  # 10-01..07 off: not yet due
        (local(2026, 10, 9, 0, 1), 2, local(2026, 10, 13)),   # Sat 10-10 is a working day
        (local(2026, 10, 12, 12), 2, local(2026, 10, 13)),
        (local(2026, 10, 13, 0, 1), 3, local(2026, 10, 16)),
        (local(2026, 10, 16, 0, 1), 4, local(2026, 10, 21)),  # Fri: over a normal weekend
        (local(2026, 10, 21, 0, 1), 5, local(2026, 10, 24)),
        (local(2026, 10, 24, 0, 1), 5, local(2026, 10, 24)),  # top: stays, shown overdue
    ]
    for at, level, deadline in walk:
        _sweep(at)
        case.refresh_from_db()
        assert (case.level, case.deadline) == (level, deadline), at
    assert case.timing(local(2026, 10, 24, 0, 2)) == "overdue"
    stints = list(case.stints.order_by("started_at"))
    assert [(s.level, s.outcome, s.on_time) for s in stints] == [
        (1, "auto_escalated", False), (2, "auto_escalated", False),
        (3, "auto_escalated", False), (4, "auto_escalated", False), (5, "", None)]


def test_spring_festival_and_its_working_saturday(running_case, cast):
    case = running_case(2, at=local(2026, 2, 13, 15))  # Fri; Sat 02-14 works, 15..23 off
    assert case.deadline == local(2026, 2, 25)  # 02-14 and 02-24
    _sweep(local(2026, 2, 24, 23))
    case.refresh_from_db()
    assert case.level == 2


def test_sweep_twice_and_after_a_day_long_outage_escalates_each_case_once(running_case, cast):
    cases = [running_case(1, at=local(2026, 11, 23, 9 + i)) for i in range(3)]  # due 11-25 0:00
    cases.append(running_case(2, at=local(2026, 11, 23, 9)))                    # due 11-26 0:00
    # The worker was down from Tuesday to Friday; two beats then run back to back.
    after = local(2026, 11, 27, 10)
    assert _sweep(after) == 4
    assert _sweep(after) == 0
    assert _sweep(after + dt.timedelta(minutes=1)) == 0
    for case in cases:
        case.refresh_from_db()
    assert [c.level for c in cases] == [2, 2, 2, 3]
    # New clocks start at the escalation: Fri + 2 working days = end of Tue 12-01.
    assert {c.deadline for c in cases} == {local(2026, 12, 2)}
    assert LevelStint.objects.filter(outcome="auto_escalated").count() == 4
    # The village cadre heard about each level-2 case exactly once.
    assert Notification.objects.filter(recipient=cast.cadre_xiguan,
                                       title__contains="（2级 村(社区)调委会），请在2026-12-01 24:00前").count() == 3


def test_due_soon_warning_is_sent_once(running_case, cast):
    case = running_case(1, at=local(2026, 11, 23, 9))  # due 11-25 00:00
    at = local(2026, 11, 24, 10)
    with time_machine.travel(at, tick=False):
        assert sweeps.warn_due_soon(at) == 1
        assert sweeps.warn_due_soon(at) == 0
        assert sweeps.warn_due_soon(at + dt.timedelta(minutes=5)) == 0
    warned = Notification.objects.filter(kind="case_due")
    assert set(warned.values_list("recipient__username", flat=True)) == {"grid_xiguan"}
    assert warned.count() == 1
    # A new deadline (after escalation) is warned about again.
    actions.escalate_case(case, actor=cast.centre, reason="未成", at=local(2026, 11, 24, 11))
    at = local(2026, 11, 26, 10)
    with time_machine.travel(at, tick=False):
        assert sweeps.warn_due_soon(at) == 1
    assert Notification.objects.filter(kind="case_due", recipient=cast.cadre_xiguan).count() == 1


def test_a_deadline_is_stated_the_same_way_in_the_notifications_and_on_the_case_page(
        running_case, cast, client):
    """Due at the end of 11-25 (stored as 11-26 00:00): the village was told one day and the
    case page showed the next. Both now say 2026-11-25 24:00."""
    case = running_case(1, at=local(2026, 11, 24, 9))
    assert case.deadline == local(2026, 11, 26)
    told = Notification.objects.get(recipient=cast.grid_xiguan, title__contains="请在")
    assert "请在2026-11-25 24:00前办结" in told.title
    at = local(2026, 11, 25, 10)
    with time_machine.travel(at, tick=False):
        assert sweeps.warn_due_soon(at) == 1
        warned = Notification.objects.get(kind="case_due")
        assert "将于2026-11-25 24:00到期" in warned.title
        client.force_login(cast.grid_xiguan)
        html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
        listed = client.get(reverse("cases:case_list")).content.decode()
    assert "2026-11-25 24:00前" in html and "2026-11-25 24:00前" in listed
    assert "2026-11-26 00:00" not in html and "2026-11-26 00:00" not in listed
    # A pause moves the deadline on; the audit line says the new one the same way.
    with time_machine.travel(at, tick=False):
        actions.request_pause(case, actor=cast.grid_xiguan, reason="当事人住院", days=2, at=at)
        actions.decide_pause(case, actor=cast.centre, approve=True, at=at)
        case.refresh_from_db()
        actions.resume_case(case, actor=cast.centre, at=at + dt.timedelta(hours=1))
    case.refresh_from_db()
    from pingxiang.deadlines import deadline_text

    assert deadline_text(case.deadline).endswith(" 24:00")
    from pingxiang.models import AuditEvent

    resumed = AuditEvent.objects.filter(action="case.resume").latest("pk")
    assert f"顺延至{deadline_text(case.deadline)}" in resumed.reason


def test_follow_up_and_judicial_confirmation_reminders_are_sent_once(running_case, cast):
    case = running_case(1, at=local(2026, 11, 2, 9))
    actions.resolve_case(case, actor=cast.grid_xiguan, at=local(2026, 11, 2, 15), **RESOLVE)
    case.refresh_from_db()
    assert case.followup_due_on == dt.date(2026, 11, 9)
    assert sweeps.followups_due(local(2026, 11, 8, 12)) == 0
    assert sweeps.followups_due(local(2026, 11, 9, 8)) == 1
    assert sweeps.followups_due(local(2026, 11, 9, 9)) == 0
    assert Notification.objects.filter(kind="case_followup", recipient=cast.grid_xiguan).count() == 1
    # 司法确认: due 12-02, reminded 7 days before, once.
    assert sweeps.judicial_confirmation_reminders(local(2026, 11, 20, 9)) == 0
    assert sweeps.judicial_confirmation_reminders(local(2026, 11, 25, 9)) == 1
    assert sweeps.judicial_confirmation_reminders(local(2026, 11, 26, 9)) == 0
    assert Notification.objects.filter(kind="case_jc", recipient=cast.grid_xiguan).count() == 1


def test_an_expired_pause_resumes_by_itself_and_extends_the_deadline(running_case, cast):
    case = running_case(2, at=local(2026, 11, 23, 9))  # due end of Wed 11-25
    actions.request_pause(case, actor=cast.cadre_xiguan, reason="等待鉴定", days=2,
                          at=local(2026, 11, 23, 10))
    actions.decide_pause(case, actor=cast.centre, approve=True, at=local(2026, 11, 23, 11))
    case.refresh_from_db()
    assert case.pause_ends_at == local(2026, 11, 26)
    # While paused the deadline passes, but the sweep does not escalate a paused case.
    assert _sweep(local(2026, 11, 25, 23)) == 0
    assert sweeps.end_expired_pauses(local(2026, 11, 26, 0, 1)) == 1
    assert sweeps.end_expired_pauses(local(2026, 11, 26, 0, 2)) == 0
    case.refresh_from_db()
    assert not case.is_paused
    assert case.deadline == local(2026, 11, 28)  # Tue and Wed paused: end of Fri 11-27
    assert Case.objects.get(pk=case.pk).level == 2


def test_a_minute_with_many_cases_due_reads_the_ladder_and_policy_once(running_case, cast):
    """Reference data is read at most once per sweeper run (not at all while the process
    holds it: cases.models reference), not per case: with 200,000 open cases a minute with
    hundreds due would otherwise read the ladder thousands of times (issue 22 §3)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cases = [running_case(1, at=local(2026, 11, 23, 9 + i)) for i in range(4)]  # due 11-25
    with CaptureQueriesContext(connection) as ctx:
        assert _sweep(local(2026, 11, 25, 0, 1)) == 4
    assert [Case.objects.get(pk=c.pk).level for c in cases] == [2, 2, 2, 2]
    reads = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "cases_level"' in sql for sql in reads) <= 1
    assert sum('FROM "cases_policy"' in sql for sql in reads) <= 1
    assert sum("cases_reference_version" in sql for sql in reads) <= 2  # not one per case


def test_the_due_soon_warning_takes_the_nearest_deadline_first(running_case, cast, monkeypatch):
    """When more cases come due than one run takes, the one due first is warned first (the
    newest registered came first before, and could starve an older case's warning)."""
    sooner = running_case(1, at=local(2026, 11, 23, 9))  # due 11-25 00:00
    newer = running_case(1, at=local(2026, 11, 23, 10))
    Case.objects.filter(pk=newer.pk).update(deadline=local(2026, 11, 25, 1))
    monkeypatch.setattr(sweeps, "BATCH", 1)
    at = local(2026, 11, 24, 10)
    with time_machine.travel(at, tick=False):
        assert sweeps.warn_due_soon(at) == 1
        assert Case.objects.get(pk=sooner.pk).warned_deadline == local(2026, 11, 25)
        assert Case.objects.get(pk=newer.pk).warned_deadline is None
        assert sweeps.warn_due_soon(at) == 1
    assert Case.objects.get(pk=newer.pk).warned_deadline == local(2026, 11, 25, 1)
