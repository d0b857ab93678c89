"""Supervision issue lists: 交办 → 整改 → 复核 → 销号, and who may do what."""

import datetime as dt

import pytest
from django.urls import reverse

from rectification import actions
from rectification.actions import ActionError
from rectification.models import Centre, IssueEvidence, IssueItem

from .conftest import fake_png_text, png

pytestmark = pytest.mark.django_db
S = IssueItem.Status


def _item(rx, supervision, category="走访台账不规范", **kwargs):
    return actions.add_issue(supervision.visit, actor=rx.cast.supervisor,
                             category=rx.issue_cats[category], description="台账缺签字", **kwargs)


def test_issue_loop_with_failed_recheck(rx, supervision):
    cast = rx.cast
    item = _item(rx, supervision, evidence=[png()])
    assert item.number == 1 and item.status == S.OPEN and item.village == cast.xiguan
    assert item.evidence.get().stage == IssueEvidence.Stage.FOUND
    second = _item(rx, supervision)
    assert second.number == 2
    actions.assign_issue(item, actor=cast.supervisor, responsible_unit="西关村委会",
                         responsible_person="李秀英", handler=cast.cadre_xiguan,
                         deadline=rx.today + dt.timedelta(days=7))
    assert item.status == S.ASSIGNED
    actions.report_issue(item, actor=cast.cadre_xiguan, report="已补签", evidence=[png()])
    assert item.status == S.REPORTED
    actions.recheck_issue(item, actor=cast.supervisor, passed=False, note="仍缺两户")
    assert item.status == S.ASSIGNED and item.failed_rechecks == 1
    actions.report_issue(item, actor=cast.cadre_xiguan, report="全部补齐")
    actions.recheck_issue(item, actor=cast.supervisor, passed=True, note="属实")
    assert item.status == S.PASSED
    actions.close_issue(item, actor=cast.supervisor)
    assert item.status == S.CLOSED and item.closed_at is not None


ISSUE_TRANSITIONS = [
    ("assign", S.OPEN, True), ("assign", S.ASSIGNED, False),
    ("report", S.ASSIGNED, True), ("report", S.OPEN, False), ("report", S.CLOSED, False),
    ("pass", S.REPORTED, True), ("pass", S.ASSIGNED, False),
    ("close", S.PASSED, True), ("close", S.REPORTED, False), ("close", S.OPEN, False),
]


@pytest.mark.parametrize("action, status, ok", ISSUE_TRANSITIONS)
def test_issue_transition_table(rx, supervision, action, status, ok):
    cast = rx.cast
    item = _item(rx, supervision)
    IssueItem.objects.filter(pk=item.pk).update(status=status)
    item.refresh_from_db()
    call = {
        "assign": lambda: actions.assign_issue(item, actor=cast.supervisor, responsible_unit="村",
                                               responsible_person="李", deadline=rx.today),
        "report": lambda: actions.report_issue(item, actor=cast.cadre_xiguan, report="好了"),
        "pass": lambda: actions.recheck_issue(item, actor=cast.supervisor, passed=True),
        "close": lambda: actions.close_issue(item, actor=cast.supervisor),
    }[action]
    if ok:
        call()
        assert IssueItem.objects.get(pk=item.pk).status == actions.ISSUE_TRANSITIONS[action][1]
    else:
        with pytest.raises(ActionError):
            call()
        assert IssueItem.objects.get(pk=item.pk).status == status


def test_reporter_cannot_recheck_own_report(rx, supervision):
    cast = rx.cast
    item = _item(rx, supervision)
    actions.assign_issue(item, actor=cast.supervisor, responsible_unit="综治中心",
                         responsible_person="陈丽", deadline=rx.today)
    actions.report_issue(item, actor=cast.supervisor, report="自己整改")
    with pytest.raises(ActionError, match="复核人不能是报送整改情况的人本人"):
        actions.recheck_issue(item, actor=cast.supervisor, passed=True)


def test_deadline_before_assignment_refused(rx, supervision):
    item = _item(rx, supervision)
    with pytest.raises(ActionError, match="不能早于交办日期"):
        actions.assign_issue(item, actor=rx.cast.supervisor, responsible_unit="村",
                             responsible_person="李", deadline=rx.today - dt.timedelta(days=1))
    assert IssueItem.objects.get(pk=item.pk).status == S.OPEN


def test_centre_item_links_to_the_village_centre(rx, supervision):
    centre = actions.ensure_centre(rx.cast.xiguan, actor=rx.cast.centre)
    item = _item(rx, supervision, category="阵地建设")
    assert item.centre == centre
    assert _item(rx, supervision).centre is None


def test_bad_evidence_refused(rx, supervision):
    with pytest.raises(ActionError, match="类型不受支持"):
        _item(rx, supervision, evidence=[fake_png_text()])
    assert not IssueItem.objects.exists()


def test_team_member_builds_list_through_pages(rx, supervision, login):
    cast = rx.cast
    client = login(cast.supervisor)
    url = reverse("rectification:issue_create", args=[supervision.visit.pk])
    response = client.post(url, {"category": rx.issue_cats["阵地建设"].pk,
                                 "description": "调解室未挂牌", "requirement": "一周内挂牌",
                                 "evidence": [png("现场.png")]})
    assert response.status_code == 302
    item = IssueItem.objects.get()
    evidence = item.evidence.get()
    response = client.post(reverse("rectification:issue_assign", args=[item.pk]), {
        "responsible_unit": "西关村委会", "responsible_person": "李秀英",
        "handler": cast.cadre_xiguan.pk, "deadline": (rx.today + dt.timedelta(days=7)).isoformat(),
        "requirement": "一周内挂牌"})
    assert response.status_code == 302
    assert IssueItem.objects.get().status == S.ASSIGNED
    # Evidence is served to people who can see the item, and to no one else.
    assert client.get(reverse("rectification:evidence_file", args=[evidence.pk])).status_code == 200
    other = login(cast.cadre_menghe)
    assert other.get(reverse("rectification:evidence_file", args=[evidence.pk])).status_code == 404
    assert other.get(reverse("rectification:issue_detail", args=[item.pk])).status_code == 404


def test_bad_evidence_through_the_page_shows_chinese_error(rx, supervision, login):
    client = login(rx.cast.supervisor)
    response = client.post(reverse("rectification:issue_create", args=[supervision.visit.pk]), {
        "category": rx.issue_cats["资料档案"].pk, "description": "缺档案",
        "evidence": [fake_png_text()]})
    assert response.status_code == 200
    assert "类型不受支持" in response.content.decode()
    assert not IssueItem.objects.exists()


def test_village_cadre_reports_but_cannot_hand_out_or_recheck(rx, supervision, login):
    cast = rx.cast
    item = _item(rx, supervision)
    client = login(cast.cadre_xiguan)
    assign = client.post(reverse("rectification:issue_assign", args=[item.pk]), {
        "responsible_unit": "村", "responsible_person": "李", "deadline": rx.today.isoformat()})
    assert assign.status_code == 403
    actions.assign_issue(item, actor=cast.supervisor, responsible_unit="村",
                         responsible_person="李", deadline=rx.today)
    response = client.post(reverse("rectification:issue_report", args=[item.pk]),
                           {"report": "已整改"})
    assert response.status_code == 302
    assert IssueItem.objects.get(pk=item.pk).status == S.REPORTED
    assert client.post(reverse("rectification:issue_recheck", args=[item.pk]),
                       {"passed": "1"}).status_code == 403
    # A supervisor who is not on this team (and not town staff) cannot hand items out.
    from grids.actions import ensure_user, grant_membership
    from pingxiang.roles import Role

    outsider = ensure_user("sup2", full_name="外组", password="pw")
    grant_membership(outsider, cast.town, Role.SUPERVISOR)
    assert login(outsider).post(reverse("rectification:issue_close", args=[item.pk])).status_code == 403


def test_supervision_pages_render(rx, supervision, login):
    _item(rx, supervision)
    client = login(rx.cast.supervisor)
    for url in [reverse("rectification:team_list"),
                reverse("rectification:team_detail", args=[supervision.team.pk]),
                reverse("rectification:round_detail", args=[supervision.round.pk]),
                reverse("rectification:visit_detail", args=[supervision.visit.pk]),
                reverse("rectification:issue_list")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "督导" in response.content.decode()
    assert client.get(reverse("rectification:team_list")).content.decode().count("第一督导组") >= 1


def test_centre_counts(rx):
    cast = rx.cast
    for area in [cast.town, *cast.villages.values()]:
        centre = actions.ensure_centre(area, actor=cast.centre)
        actions.set_centre_upgrade(centre, actor=cast.centre, status=Centre.Upgrade.DONE,
                                   upgraded_on=rx.today)
    for name in ["西关村", "孟河村", "兴隆村", "旧店子村", "新城社区"]:
        actions.set_centre_demonstration(Centre.objects.get(area=cast.villages[name]),
                                         actor=cast.centre, flag=True)
    from rectification.stats import centre_counts

    assert centre_counts(Centre.objects.all()) == {"total": 33, "upgraded": 33,
                                                   "demonstration": 5}
    assert centre_counts(Centre.objects.visible_to(cast.cadre_xiguan)) == {
        "total": 1, "upgraded": 1, "demonstration": 1}


def test_issue_list_page_and_export_queries_do_not_grow(rx, supervision, login,
                                                        django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(rx.cast.supervisor)
    page = reverse("rectification:visit_detail", args=[supervision.visit.pk])
    export = reverse("rectification:issue_export", args=[supervision.visit.pk])
    _item(rx, supervision)
    client.get(page)
    b"".join(client.get(export).streaming_content)
    with CaptureQueriesContext(connection) as page_few:
        client.get(page)
    with CaptureQueriesContext(connection) as export_few:
        b"".join(client.get(export).streaming_content)
    for _ in range(10):
        item = _item(rx, supervision)
        actions.assign_issue(item, actor=rx.cast.supervisor, responsible_unit="村",
                             responsible_person="李", handler=rx.cast.cadre_xiguan,
                             deadline=rx.today)
    with django_assert_max_num_queries(len(page_few)):
        assert client.get(page).status_code == 200
    with django_assert_max_num_queries(len(export_few)):
        b"".join(client.get(export).streaming_content)


@pytest.mark.parametrize("target, followed", [
    ("http://evil.example/phish", False),
    ("//evil.example/phish", False),
    ("javascript:alert(1)", False),
    ("https://evil.example", False),
    ("/rectification/supervision/", True),
])
def test_assign_follows_next_only_inside_the_site(rx, supervision, login, target, followed):
    cast = rx.cast
    item = _item(rx, supervision)
    client = login(cast.supervisor)
    response = client.post(reverse("rectification:issue_assign", args=[item.pk]), {
        "responsible_unit": "西关村委会", "responsible_person": "李秀英",
        "handler": cast.cadre_xiguan.pk, "deadline": (rx.today + dt.timedelta(days=7)).isoformat(),
        "requirement": "一周内挂牌", "next": target})
    assert response.status_code == 302
    default = reverse("rectification:issue_detail", args=[item.pk])
    assert response["Location"] == (target if followed else default)
