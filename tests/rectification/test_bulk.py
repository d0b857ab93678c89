"""批量交办 / 批量销号 on the hazard and supervision-item lists: every item through its own
action (own audit row, own message), all or none, refused whole over items the user may
not change."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from pingxiang.models import AuditEvent, Notification
from rectification import actions
from rectification.models import Hazard, IssueItem

pytestmark = pytest.mark.django_db


def assign_data(items, **extra):
    return {"items": [i.pk for i in items], "action": "assign", "responsible_unit": "西关村委会",
            "responsible_person": "李秀英", "deadline": "2099-12-31", "measures": "限期整改",
            **extra}


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_centre_hands_out_several_hazards_at_once(login, rx, make_hazard):
    hazards = [make_hazard(description=f"隐患{n}") for n in range(3)]
    client = login(rx.cast.centre)
    page = client.get(reverse("rectification:hazard_list"))
    assert f'name="items" value="{hazards[0].pk}"' in page.content.decode()
    response = client.post(reverse("rectification:hazard_bulk"),
                           assign_data(hazards, handler=rx.cast.cadre_xiguan.pk,
                                       params="status=registered"))
    assert response.status_code == 302
    assert response["Location"] == reverse("rectification:hazard_list") + "?status=registered"
    assert "已交办 3 项。" in said(response)
    for hazard in hazards:
        hazard.refresh_from_db()
        assert hazard.status == Hazard.Status.ASSIGNED
        assert hazard.responsible_unit == "西关村委会" and hazard.deadline == dt.date(2099, 12, 31)
        assert AuditEvent.objects.filter(action="hazard.assign",
                                         object_id=str(hazard.pk)).count() == 1
    assert Notification.objects.filter(recipient=rx.cast.cadre_xiguan,
                                       title__startswith="隐患交办").count() == 3


def test_the_bulk_form_loads_when_opened_and_without_javascript_in_the_list(login, rx,
                                                                           make_hazard):
    make_hazard()
    client = login(rx.cast.centre)
    page = client.get(reverse("rectification:hazard_list"), {"status": "registered"}).content.decode()
    # The list draws a closed <details> whose fields come from the fragment URL, not the
    # handler picker itself.
    assert 'name="handler"' not in page
    fragment_url = reverse("rectification:hazard_bulk_form") + "?params=status%3Dregistered"
    assert f'hx-get="{fragment_url.replace("&", "&amp;")}"' in page
    fragment = client.get(fragment_url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="handler"' in fragment and "<option" in fragment
    assert 'name="handler__q"' in fragment  # the people picker: search as you type
    assert 'name="params" value="status=registered"' in fragment
    assert "<html" not in fragment
    # Without JavaScript: the link (and the fragment URL read directly) opens the list with
    # the form drawn under its rows, the filters kept.
    opened = reverse("rectification:hazard_list") + "?status=registered&bulk=1"
    assert f'href="{opened.replace("&", "&amp;")}"' in page
    assert client.get(fragment_url)["Location"] == opened
    page = client.get(opened).content.decode()
    assert 'name="handler"' in page and 'name="items"' in page
    # A grid worker may not open it.
    assert login(rx.cast.grid_xiguan).get(
        fragment_url, headers={"HX-Request": "true"}).status_code == 403


def test_a_partly_refused_batch_changes_nothing_and_names_the_refused(login, rx, make_hazard,
                                                                    assigned_hazard):
    fresh = [make_hazard(description="甲"), make_hazard(description="乙")]
    taken = assigned_hazard()
    before = AuditEvent.objects.count()
    response = login(rx.cast.centre).post(reverse("rectification:hazard_bulk"),
                                          assign_data([*fresh, taken]))
    messages = said(response)
    assert any("1 项不能交办，本批 3 项均未办理" in m for m in messages)
    assert any(m.startswith(str(taken)) and "不能" in m for m in messages)
    assert all(h.status == Hazard.Status.REGISTERED for h in
               Hazard.objects.filter(pk__in=[h.pk for h in fresh]))
    assert AuditEvent.objects.count() == before


def test_a_batch_over_items_the_user_may_not_change_is_refused_whole(login, rx, make_hazard):
    hazards = [make_hazard(), make_hazard()]
    # The supervisor sees the town's hazards and may bulk-act on issue lists, but managing a
    # hazard (交办) is centre staff's, cadres' and leaders': the whole batch is refused.
    response = login(rx.cast.supervisor).post(reverse("rectification:hazard_bulk"),
                                              assign_data(hazards))
    assert response.status_code == 403
    assert not Hazard.objects.exclude(status=Hazard.Status.REGISTERED).exists()
    # A grid worker may not bulk-act at all, and sees no checkboxes.
    assert login(rx.cast.grid_xiguan).post(reverse("rectification:hazard_bulk"),
                                           assign_data(hazards)).status_code == 403
    page = login(rx.cast.grid_xiguan).get(reverse("rectification:hazard_list"))
    assert 'name="items"' not in page.content.decode()


def test_items_outside_the_users_areas_are_refused_whole(login, rx, make_hazard):
    mine = make_hazard()
    other = make_hazard(area=rx.cast.menghe_grid)
    response = login(rx.cast.cadre_xiguan).post(reverse("rectification:hazard_bulk"),
                                                assign_data([mine, other]))
    assert response.status_code == 403  # a village cadre does not hold a bulk post
    response = login(rx.cast.centre).post(reverse("rectification:hazard_bulk"),
                                          {**assign_data([mine]), "items": [mine.pk, 10**9]})
    assert any("看不到" in m or "有误" in m for m in said(response))
    mine.refresh_from_db()
    assert mine.status == Hazard.Status.REGISTERED


def test_assign_without_unit_or_deadline_is_refused(login, rx, make_hazard):
    hazard = make_hazard()
    response = login(rx.cast.centre).post(
        reverse("rectification:hazard_bulk"),
        {"items": [hazard.pk], "action": "assign", "deadline": "2000-01-01"})
    messages = said(response)
    assert any("责任单位" in m for m in messages) and any("不能早于" in m for m in messages)
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.REGISTERED


def _item(rx, supervision, n):
    return actions.add_issue(supervision.visit, actor=rx.cast.supervisor,
                             category=rx.issue_cats["走访台账不规范"], description=f"问题{n}")


def _passed(rx, item):
    actions.assign_issue(item, actor=rx.cast.supervisor, responsible_unit="西关村委会",
                         responsible_person="李秀英", handler=rx.cast.cadre_xiguan,
                         deadline=rx.today + dt.timedelta(days=7))
    actions.report_issue(item, actor=rx.cast.cadre_xiguan, report="已整改")
    actions.recheck_issue(item, actor=rx.cast.supervisor, passed=True, note="属实")
    return item


def test_supervisor_closes_several_items_or_none(login, rx, supervision):
    done = [_passed(rx, _item(rx, supervision, n)) for n in range(2)]
    still_open = _item(rx, supervision, 9)
    client = login(rx.cast.supervisor)
    response = client.post(reverse("rectification:issue_bulk"),
                           {"items": [i.pk for i in [*done, still_open]], "action": "close"})
    assert any("未通过复核的问题不能销号" in m for m in said(response))
    assert not IssueItem.objects.filter(status=IssueItem.Status.CLOSED).exists()
    response = client.post(reverse("rectification:issue_bulk"),
                           {"items": [i.pk for i in done], "action": "close"})
    assert "已销号 2 项。" in said(response)
    for item in done:
        assert AuditEvent.objects.filter(action="issueitem.close",
                                         object_id=str(item.pk)).count() == 1
    assert IssueItem.objects.filter(status=IssueItem.Status.CLOSED).count() == 2


def test_supervisor_hands_out_several_items(login, rx, supervision):
    items = [_item(rx, supervision, n) for n in range(3)]
    response = login(rx.cast.supervisor).post(
        reverse("rectification:issue_bulk"),
        assign_data(items, handler=rx.cast.cadre_xiguan.pk, measures="补齐签字"))
    assert "已交办 3 项。" in said(response)
    assert IssueItem.objects.filter(status=IssueItem.Status.ASSIGNED,
                                    requirement="补齐签字").count() == 3
    assert Notification.objects.filter(recipient=rx.cast.cadre_xiguan,
                                       title__startswith="督导问题交办").count() == 3


def test_centre_extends_several_hazards_each_with_its_own_row_and_message(login, rx,
                                                                         assigned_hazard,
                                                                         make_hazard):
    hazards = [assigned_hazard(description=f"隐患{n}") for n in range(2)]
    old = hazards[0].deadline
    client = login(rx.cast.centre)
    new = old + dt.timedelta(days=20)
    data = {"items": [h.pk for h in hazards], "action": "extend",
            "deadline": f"{new:%Y-%m-%d}", "reason": "汛期施工受阻"}
    response = client.post(reverse("rectification:hazard_bulk"), data)
    assert "已延期 2 项。" in said(response)
    for hazard in hazards:
        hazard.refresh_from_db()
        assert hazard.deadline == new
        event = AuditEvent.objects.get(action="hazard.extend", object_id=str(hazard.pk))
        assert event.from_state == f"{old:%Y-%m-%d}" and event.reason == "汛期施工受阻"
    assert Notification.objects.filter(recipient=rx.cast.cadre_xiguan,
                                       title__contains="延至").count() == 2
    # A registered (not yet handed out) hazard cannot be extended: the batch changes nothing.
    fresh = make_hazard()
    later = new + dt.timedelta(days=5)
    response = client.post(reverse("rectification:hazard_bulk"), {
        **data, "items": [hazards[0].pk, fresh.pk], "deadline": f"{later:%Y-%m-%d}"})
    assert any("不能延期" in m for m in said(response))
    hazards[0].refresh_from_db()
    assert hazards[0].deadline == new
    response = client.post(reverse("rectification:hazard_bulk"), {**data, "reason": ""})
    assert any("延期理由" in m for m in said(response))
