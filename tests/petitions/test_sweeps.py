"""Reminders before each deadline and the overdue flag come from the shared sweep, once
each however often it runs; pages read the stored deadline, not the sweep."""


import pytest
import time_machine
from django.urls import reverse

from petitions import actions
from petitions.models import Petition
from petitions.sweeps import flag_overdue, remind_due
from pingxiang.models import AuditEvent, Notification
from pingxiang.timers import registered

from .conftest import at

pytestmark = pytest.mark.django_db


def sweep(when):
    now = at(when)
    with time_machine.travel(now, tick=False):
        return remind_due(now), flag_overdue(now)


@pytest.fixture
def petition(cast, make_petition):
    with time_machine.travel(at("2026-03-01 10:00"), tick=False):
        return make_petition(received_at=at("2026-03-01 09:00"))  # decide by 16 March


def titles(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_sweepers_are_registered_with_the_shared_timer():
    assert {"petitions.remind_due", "petitions.flag_overdue"} <= set(registered())


def test_reminder_then_overdue_each_once(cast, petition):
    assert sweep("2026-03-12 09:00") == (0, 0)  # remind 3 days before: from 13 March 23:59
    assert sweep("2026-03-14 09:00") == (1, 0)
    assert sweep("2026-03-14 09:01") == (0, 0)
    assert any("期限将至" in t for t in titles(cast.centre))
    assert sweep("2026-03-17 00:30") == (0, 1)
    assert sweep("2026-03-18 00:30") == (0, 0)
    assert [t for t in titles(cast.centre) if "逾期" in t] == [
        f"信访件{petition.number}受理告知已逾期（期限2026-03-16）"]
    assert AuditEvent.objects.filter(object_id=str(petition.pk),
                                     action="petition.overdue").count() == 1


def test_a_new_clock_gets_its_own_reminder_and_flag(cast, petition):
    sweep("2026-03-17 00:30")  # decision overdue
    with time_machine.travel(at("2026-03-18 09:00"), tick=False):
        actions.accept_petition(Petition.objects.get(pk=petition.pk), actor=cast.centre)
    p = Petition.objects.get(pk=petition.pk)
    assert p.clock == "handle" and p.overdue_clock == ""  # due 17 May
    assert sweep("2026-05-11 09:00") == (1, 0)  # 7 days before, as set in TimeLimit
    assert sweep("2026-05-18 00:30") == (0, 1)


def test_an_extension_resets_the_reminder_for_the_new_deadline(cast, petition):
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        actions.accept_petition(Petition.objects.get(pk=petition.pk), actor=cast.centre)
    assert sweep("2026-04-26 09:00") == (1, 0)  # due 1 May
    with time_machine.travel(at("2026-04-27 09:00"), tick=False):
        actions.extend_petition(Petition.objects.get(pk=petition.pk), actor=cast.centre,
                                days=10, reason="复杂", approver=cast.leader,
                                notice_method="电话")
    assert sweep("2026-04-28 09:00") == (0, 0)
    assert sweep("2026-05-05 09:00") == (1, 0)  # due 11 May now
    assert sweep("2026-05-12 00:30") == (0, 1)


def test_closed_petitions_are_left_alone(cast, petition):
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        actions.accept_petition(Petition.objects.get(pk=petition.pk), actor=cast.centre)
        actions.close_petition(Petition.objects.get(pk=petition.pk), actor=cast.centre,
                               reply="已办理")
    assert sweep("2026-12-01 09:00") == (0, 0)


def test_pages_show_overdue_from_the_stored_deadline_without_a_sweep(cast, login, petition):
    with time_machine.travel(at("2026-03-20 09:00"), tick=False):
        client = login(cast.centre)
        page = client.get(reverse("petitions:list"), {"due": "overdue"}).content.decode()
        assert petition.number in page and "逾期" in page
        detail = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
        assert "已逾期" in detail


def test_the_leader_in_charge_is_reminded_too(cast, petition):
    actions.assign_leader(petition, actor=cast.centre, leader=cast.leader,
                          at=at("2026-03-01 10:00"))
    sweep("2026-03-17 00:30")
    assert any("逾期" in t for t in titles(cast.leader))
    assert not titles(cast.grid_xiguan) or not any("逾期" in t for t in titles(cast.grid_xiguan))


def test_overdue_home_panel_for_the_leader(cast, login, petition):
    actions.assign_leader(petition, actor=cast.centre, leader=cast.leader,
                          at=at("2026-03-01 10:00"))
    with time_machine.travel(at("2026-03-20 09:00"), tick=False):
        home = login(cast.leader).get(reverse("home")).content.decode()
    assert "1件逾期" in home and petition.number in home
