"""Overdue flags and reminders through the shared sweep (called directly, with frozen time)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from grids.actions import ensure_user, grant_membership
from pingxiang.models import Notification
from pingxiang.roles import Role
from pingxiang.timers import registered
from rectification import actions, sweeps
from rectification.models import Hazard, IssueItem

pytestmark = pytest.mark.django_db


def at(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def test_sweepers_are_registered():
    names = registered()
    assert {"rectification.hazard_due_soon", "rectification.hazard_overdue",
            "rectification.issue_overdue"} <= set(names)


def test_overdue_hazard_flagged_once_and_handler_reminded(rx, assigned_hazard):
    hazard = assigned_hazard()  # due in 10 days
    deadline = hazard.deadline
    assert sweeps.flag_overdue_hazards(at(deadline)) == 0  # due today is not overdue
    with time_machine.travel(at(deadline + dt.timedelta(days=1)), tick=False):
        hazard.refresh_from_db()
        assert hazard.is_overdue
        assert Hazard.objects.overdue().filter(pk=hazard.pk).exists()
        now = timezone.now()
        assert sweeps.flag_overdue_hazards(now) == 1
        assert sweeps.flag_overdue_hazards(now) == 0  # idempotent
    hazard.refresh_from_db()
    assert hazard.overdue_flagged_at is not None
    recipients = set(Notification.objects.filter(key__endswith=":overdue")
                     .values_list("recipient__username", flat=True))
    assert recipients == {"cadre_xiguan", "centre"}


def test_overdue_hazard_also_reaches_the_village_leader(rx, assigned_hazard):
    baocun = ensure_user("baocun_xiguan", full_name="周包村", password="pw")
    grant_membership(baocun, rx.cast.xiguan, Role.LEADER)
    hazard = assigned_hazard()
    sweeps.flag_overdue_hazards(at(hazard.deadline + dt.timedelta(days=2)))
    assert Notification.objects.filter(recipient=baocun, key__endswith=":overdue").exists()


def test_due_soon_reminder_once(rx, assigned_hazard):
    hazard = assigned_hazard()
    assert sweeps.remind_hazards_due_soon(at(rx.today)) == 0  # 10 days left, policy says 3
    soon = at(hazard.deadline - dt.timedelta(days=2))
    assert sweeps.remind_hazards_due_soon(soon) == 1
    assert sweeps.remind_hazards_due_soon(soon) == 0
    assert Notification.objects.filter(recipient=rx.cast.cadre_xiguan,
                                       key__endswith=":due").count() == 1


def test_rectified_hazards_are_not_flagged(rx, assigned_hazard):
    hazard = assigned_hazard()
    actions.submit_hazard_rectification(hazard, actor=rx.cast.cadre_xiguan, note="完成")
    assert sweeps.flag_overdue_hazards(at(hazard.deadline + dt.timedelta(days=5))) == 0
    with time_machine.travel(at(hazard.deadline + dt.timedelta(days=5)), tick=False):
        assert not Hazard.objects.get(pk=hazard.pk).is_overdue


def test_failed_acceptance_keeps_the_clock_running(rx, assigned_hazard):
    hazard = assigned_hazard()
    actions.submit_hazard_rectification(hazard, actor=rx.cast.cadre_xiguan, note="完成")
    late = hazard.deadline + dt.timedelta(days=3)
    with time_machine.travel(at(late), tick=False):
        actions.verify_hazard(hazard, actor=rx.cast.centre, passed=False, note="不合格")
        assert Hazard.objects.get(pk=hazard.pk).is_overdue
        assert sweeps.flag_overdue_hazards(timezone.now()) == 1


def test_overdue_supervision_item_goes_to_the_village_leader(rx, supervision):
    baocun = ensure_user("baocun_xiguan", full_name="周包村", password="pw")
    grant_membership(baocun, rx.cast.xiguan, Role.LEADER)
    item = actions.add_issue(supervision.visit, actor=rx.cast.supervisor,
                             category=rx.issue_cats["走访台账不规范"], description="台账不全")
    actions.assign_issue(item, actor=rx.cast.supervisor, responsible_unit="西关村委会",
                         responsible_person="李秀英", deadline=rx.today + dt.timedelta(days=5))
    assert sweeps.escalate_overdue_issues(at(rx.today + dt.timedelta(days=5))) == 0
    late = at(rx.today + dt.timedelta(days=6))
    assert sweeps.escalate_overdue_issues(late) == 1
    assert sweeps.escalate_overdue_issues(late) == 0
    note = Notification.objects.get(recipient=baocun)
    assert "督导问题整改逾期" in note.title
    # The town leader is not this village's 包村领导.
    assert not Notification.objects.filter(recipient=rx.cast.leader).exists()
    assert IssueItem.objects.get(pk=item.pk).overdue_flagged_at is not None
