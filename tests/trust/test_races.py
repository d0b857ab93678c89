"""Races against real PostgreSQL: real threads, each with its own database connection, let go
together by a barrier. Exactly one effect, one audit row, and a clear message to the loser.

Covered elsewhere, at the action level, and not repeated here:
  tests/cases/test_concurrency.py   two transitions on one case; two case sweeps at once
  tests/petitions/test_zz_concurrency.py   two users accepting one petition at once
  tests/rectification/test_hazard_loop.py::test_two_verifiers_at_once_one_wins (hazard)
  tests/grids/test_visits.py::test_two_simultaneous_resends_save_one_visit
This module adds what a person at a browser does: the same button pressed in two browsers
(case, petition, hazard) and the visit form submitted twice at once, through the views; and
the whole minute's sweep (every app's sweepers) run twice at once.
"""

import datetime as dt
import threading
import uuid
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pingxiang.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)
RACES = []


def race(*calls):
    """Run the calls at the same moment in threads; return their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test looks at what came back
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    RACES.append(len(calls))
    return results


def browser(user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def post_and_follow(user, url, data):
    """POST as a browser would; the status and what the user is told: the flash messages of
    the page it lands on, or the errors of the form shown again."""
    import re

    client = browser(user)
    response = client.post(url, data)
    if response.status_code == 302:
        response = client.get(response["Location"])
    body = response.content.decode()
    told = re.findall(r'<li class="msg-[a-z ]+">(.*?)</li>', body)
    told += re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', body, re.S)
    return response.status_code if response.status_code != 200 else 302, " | ".join(told)


def _new_rows(before_id):
    return AuditEvent.objects.filter(id__gt=before_id)


def _last_audit_id():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_same_case_button_in_two_browsers_escalates_once_and_tells_the_other(cast):
    from cases import actions
    from cases.models import Case, Category, LevelStint, Source

    case = actions.register_case(actor=cast.centre, area=cast.xiguan_grid,
                                 category=Category.objects.get(name="邻里"),
                                 description="邻里纠纷", source=Source.WALKIN,
                                 parties=[{"name": "甲"}])
    case = actions.accept_case(case, actor=cast.centre, level=1)
    url = reverse("cases:case_action", kwargs={"pk": case.pk, "action": "escalate"})
    data = {"version": case.version, "to_level": 2, "reason": "调解未成"}
    before = _last_audit_id()
    results = race(lambda: post_and_follow(cast.centre, url, data),
                   lambda: post_and_follow(cast.centre, url, data))
    assert all(code == 302 for code, _ in results), results
    case = Case.objects.get(pk=case.pk)
    assert case.level == 2 and LevelStint.objects.filter(case=case).count() == 2
    assert list(_new_rows(before).values_list("action", flat=True)) == ["case.escalate"]
    pages = [body for _, body in results]
    assert sum("已上报上一级。" in p for p in pages) == 1  # the button's own message
    assert sum("刚刚已被他人办理" in p for p in pages) == 1, pages


def test_same_petition_button_in_two_browsers_accepts_once_and_tells_the_other(cast):
    from petitions import actions
    from petitions.models import Category, Petition

    petition = actions.register_petition(
        actor=cast.centre, channel=Petition.Channel.LETTER, area=cast.xiguan_grid,
        received_at=timezone.now() - dt.timedelta(hours=1),
        petitioner={"name": "信访人", "phone": "13700000001"}, title="标题", content="内容",
        category=Category.objects.first())
    url = reverse("petitions:action", kwargs={"pk": petition.pk, "action": "decide"})
    before = _last_audit_id()
    data = {"decision": "accept"}
    results = race(lambda: post_and_follow(cast.centre, url, data),
                   lambda: post_and_follow(cast.centre, url, data))
    codes = sorted(code for code, _ in results)
    assert all(c < 500 for c in codes), results
    rows = list(_new_rows(before).values_list("action", flat=True))
    assert rows.count("petition.accept") == 1, rows
    petition.refresh_from_db()
    assert petition.status != Petition.Status.REGISTERED
    losers = [told for _, told in results if "已被他人处理" in told or "不能" in told]
    assert len(losers) == 1, results


def test_same_hazard_button_in_two_browsers_submits_once_and_tells_the_other(cast):
    from rectification import actions
    from rectification.models import Hazard, HazardCategory

    hazard = actions.register_hazard(
        actor=cast.grid_xiguan, source=Hazard.Source.VISIT,
        category=HazardCategory.objects.get(name="消防"), area=cast.xiguan_grid,
        description="楼道堆物", found_date=timezone.localdate())
    actions.assign_hazard(hazard, actor=cast.centre, responsible_unit="村", responsible_person="李",
                          measures="清理", deadline=timezone.localdate(),
                          handler=cast.cadre_xiguan)
    url = reverse("rectification:hazard_submit", args=[hazard.pk])
    before = _last_audit_id()
    data = {"s-note": "已清理"}
    results = race(lambda: post_and_follow(cast.cadre_xiguan, url, data),
                   lambda: post_and_follow(cast.cadre_xiguan, url, data))
    assert all(code < 500 for code, _ in results), results
    rows = [a for a in _new_rows(before).values_list("action", flat=True)
            if a.startswith("hazard.")]
    assert len(rows) == 1, rows
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.SUBMITTED
    assert sum("已报验收" in told for _, told in results) == 1, results
    losers = [told for _, told in results if "不能" in told or "已被他人" in told]
    assert len(losers) == 1, results


def test_visit_form_submitted_twice_at_once_saves_one_visit_and_says_so(cast):
    from grids import actions
    from grids.models import Visit
    from tests.trust.world import id_number

    household = actions.create_household(grid=cast.xiguan_grid, house_number="88",
                                         head_name="王五", head_id_number=id_number(888),
                                         head_phone="13800008888", actor=cast.cadre_xiguan)
    url = reverse("grids:visit_new", args=[household.pk])
    data = {"idempotency_key": str(uuid.uuid4()), "visited_on": timezone.localdate().isoformat(),
            "visit_type": Visit.Type.choices[0][0], "findings": [Visit.Finding.choices[0][0]],
            "notes": "双击提交"}
    before = _last_audit_id()
    results = race(lambda: post_and_follow(cast.grid_xiguan, url, data),
                   lambda: post_and_follow(cast.grid_xiguan, url, data))
    assert [code for code, _ in results] == [302, 302], results
    assert Visit.objects.filter(household=household).count() == 1
    rows = [a for a in _new_rows(before).values_list("action", flat=True) if "visit" in a]
    assert len(rows) == 1, rows
    pages = [body for _, body in results]
    assert sum("走访已保存" in p for p in pages) == 1
    assert sum("这次走访已经保存过，没有重复记录" in p for p in pages) == 1


def test_the_minutes_sweep_run_twice_at_once_does_each_thing_once(cast):
    """Every app's sweepers (case escalation, petition clocks, hazard and supervision
    deadlines, export re-sends) at the same `now` in two processes' worth of threads."""
    from cases import actions as cases
    from cases.models import Case, Category, Source
    from petitions import actions as petitions
    from petitions.models import Category as PetitionCategory
    from petitions.models import Petition
    from pingxiang.models import Notification
    from pingxiang.timers import run_sweepers
    from rectification import actions as rx
    from rectification.models import Hazard, HazardCategory

    case = cases.accept_case(cases.register_case(
        actor=cast.centre, area=cast.xiguan_grid, category=Category.objects.get(name="邻里"),
        description="邻里纠纷", source=Source.WALKIN, parties=[{"name": "甲"}]),
        actor=cast.centre, level=1)
    petitions.register_petition(
        actor=cast.centre, channel=Petition.Channel.LETTER, area=cast.xiguan_grid,
        received_at=timezone.now() - dt.timedelta(hours=1),
        petitioner={"name": "信访人", "phone": "13700000002"}, title="标题", content="内容",
        category=PetitionCategory.objects.first())
    hazard = rx.register_hazard(
        actor=cast.grid_xiguan, source=Hazard.Source.VISIT,
        category=HazardCategory.objects.get(name="消防"), area=cast.xiguan_grid,
        description="楼道堆物", found_date=timezone.localdate())
    rx.assign_hazard(hazard, actor=cast.centre, responsible_unit="村", responsible_person="李",
                     measures="清理", deadline=timezone.localdate(), handler=cast.cadre_xiguan)
    later = timezone.now() + dt.timedelta(days=20)
    before = _last_audit_id()
    notes_before = Notification.objects.count()

    results = race(lambda: run_sweepers(later), lambda: run_sweepers(later))
    assert not [r for r in results if isinstance(r, Exception)], results
    rows = Counter(_new_rows(before).values_list("content_type_id", "object_id", "action"))
    assert rows and max(rows.values()) == 1, rows  # no record had the same thing done twice
    done = Notification.objects.count() - notes_before
    assert done > 0
    case = Case.objects.get(pk=case.pk)
    assert case.level == 2  # escalated once, not twice
    # A third sweep at the same moment finds nothing left to do.
    again = _last_audit_id()
    assert all(not n for n in run_sweepers(later).values())
    assert _last_audit_id() == again and Notification.objects.count() - notes_before == done
