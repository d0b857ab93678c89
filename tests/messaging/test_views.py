"""The pages: my message settings (mobile masked, urgent kinds locked), a town administrator's
people and their settings (another town's person answers 404), the failed deliveries with a
resend button for centre staff, and each inbox message's deliveries."""

import pytest
import time_machine
from django.urls import reverse

from grids.actions import create_area, ensure_user, grant_membership
from grids.models import Area
from messaging.models import Channel, Contact, Delivery, KindChoice, Status
from pingxiang.models import AuditEvent
from pingxiang.notify import notify
from pingxiang.roles import Role
from tests.messaging.conftest import MOBILE, WECOM, WORKDAY_MORNING, drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def towns(cast):
    """平襄镇's own administrator, and a second town (榜罗镇) with a village cadre and a
    centre member of its own."""
    other = create_area(parent=cast.county, kind=Area.Kind.TOWN, name="榜罗镇", short_name="榜罗镇")
    village = create_area(parent=other, kind=Area.Kind.VILLAGE, name="文丰村村委会",
                          short_name="文丰村")
    admin = ensure_user("admin_pingxiang", full_name="黄管理", password="pw")
    grant_membership(admin, cast.town, Role.ADMIN)
    far_cadre = ensure_user("cadre_wenfeng", full_name="何村干", password="pw")
    grant_membership(far_cadre, village, Role.VILLAGE_CADRE)
    far_centre = ensure_user("centre_bangluo", full_name="郭中心", password="pw")
    grant_membership(far_centre, other, Role.CENTRE_STAFF)
    Contact.objects.create(user=far_cadre, wecom_userid="wx_wenfeng", mobile="13600000009")
    return type("Towns", (), {"admin": admin, "far_cadre": far_cadre, "far_centre": far_centre,
                              "other": other})


# --- my settings -------------------------------------------------------------------------------
def test_my_settings_show_the_mobile_masked_and_keep_it_when_left_empty(login, reachable):
    client = login(reachable.grid_xiguan)
    html = client.get(reverse("messaging:settings")).content.decode()
    assert "139****0001" in html and MOBILE["grid_xiguan"] not in html
    assert WECOM["grid_xiguan"] in html
    response = client.post(reverse("messaging:settings"), {
        "wecom_userid": "wx_new", "mobile": "", "sms_fallback": "on", "case__wecom": "on"})
    assert response.status_code == 302
    contact = Contact.objects.get(user=reachable.grid_xiguan)
    assert (contact.wecom_userid, contact.mobile) == ("wx_new", MOBILE["grid_xiguan"])


def test_a_new_mobile_is_validated_and_the_audit_row_masks_it(login, cast):
    client = login(cast.cadre_xiguan)
    response = client.post(reverse("messaging:settings"), {"mobile": "0931-1234567"})
    assert response.status_code == 200
    assert "短信只能发到11位手机号" in response.content.decode()
    response = client.post(reverse("messaging:settings"), {"mobile": "138 0013 8000"})
    assert response.status_code == 302
    assert Contact.objects.get(user=cast.cadre_xiguan).mobile == "13800138000"
    event = AuditEvent.objects.get(action="messaging.settings")
    assert event.actor == cast.cadre_xiguan and "138****8000" in event.reason
    assert "13800138000" not in event.reason
    page = client.get(reverse("messaging:settings")).content.decode()
    assert "13800138000" not in page and "138****8000" in page


def test_urgent_kinds_cannot_be_turned_off(login, reachable):
    client = login(reachable.leader)
    html = client.get(reverse("messaging:settings")).content.decode()
    assert 'name="case_red__wecom"' in html and "disabled" in html and "紧急，不能关闭" in html
    client.post(reverse("messaging:settings"), {"wecom_userid": WECOM["leader"],
                                                "sms_fallback": "on"})  # every box empty
    assert not KindChoice.objects.filter(user=reachable.leader, kind="case_red").exists()
    assert KindChoice.objects.get(user=reachable.leader, kind="case").wecom is False


def test_the_settings_page_takes_get_and_post_only(login, cast):
    assert login(cast.centre).put(reverse("messaging:settings")).status_code == 405


# --- a town administrator's people -------------------------------------------------------------
def test_a_town_administrator_lists_their_towns_people_only(login, reachable, towns):
    html = login(towns.admin).get(reverse("messaging:people")).content.decode()
    assert "王建国" in html and "139****0001" in html and MOBILE["grid_xiguan"] not in html
    assert "何村干" not in html and "郭中心" not in html
    assert "刘洋" not in html  # the county's administrator is not theirs to edit


def test_another_towns_person_answers_404_and_non_administrators_403(login, reachable, towns):
    client = login(towns.admin)
    assert client.get(reverse("messaging:person", args=[towns.far_cadre.pk])).status_code == 404
    assert client.post(reverse("messaging:person", args=[towns.far_cadre.pk]),
                       {"wecom_userid": "wx_hijack"}).status_code == 404
    assert Contact.objects.get(user=towns.far_cadre).wecom_userid == "wx_wenfeng"
    for user in (reachable.centre, reachable.leader):
        assert login(user).get(reverse("messaging:person",
                                       args=[reachable.grid_xiguan.pk])).status_code == 403
        assert login(user).get(reverse("messaging:people")).status_code == 403


def test_an_administrator_edits_a_persons_settings_and_it_is_audited(login, reachable, towns):
    client = login(towns.admin)
    url = reverse("messaging:person", args=[reachable.grid_xiguan.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"wecom_userid": "WangJianGuo", "mobile": "13912345678",
                                 "sms_fallback": "on", "case__wecom": "on"})
    assert response.status_code == 302
    contact = Contact.objects.get(user=reachable.grid_xiguan)
    assert (contact.wecom_userid, contact.mobile, contact.updated_by) == (
        "WangJianGuo", "13912345678", towns.admin)
    event = AuditEvent.objects.get(action="messaging.settings")
    assert event.actor == towns.admin and "为王建国修改" in event.reason


def test_the_people_list_costs_the_same_queries_as_it_grows(login, reachable, towns,
                                                             django_assert_max_num_queries):
    client = login(towns.admin)
    client.get(reverse("messaging:people"))
    for n in range(15):
        user = ensure_user(f"grid_extra{n}", full_name=f"网格员{n}", password="pw")
        grant_membership(user, reachable.xiguan_grid, Role.GRID_WORKER)
        Contact.objects.create(user=user, mobile=f"1370000{n:04d}")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("messaging:people")).status_code == 200


# --- failures and resend -----------------------------------------------------------------------
@pytest.fixture
def failures(reachable, channels, eager, policy, towns):
    """A 企业微信 message refused for a bad UserID (then its SMS sent), and an SMS whose
    answer was lost, in 平襄镇; a failure in 榜罗镇."""
    with time_machine.travel(WORKDAY_MORNING, tick=True):
        Contact.objects.filter(user=reachable.centre).update(wecom_userid="wx_gone")
        channels.script("sms", ["timeout"])
        notify([reachable.leader], key="f:red", title="红色风险矛盾纠纷 平襄-2026-0031",
               kind="case_red", urgent=True, url="/cases/31/")
        notify([reachable.centre, towns.far_cadre], key="f:case",
               title="新登记矛盾纠纷 平襄-2026-0032", kind="case", url="/cases/32/")
        Contact.objects.filter(user=towns.far_cadre).update(wecom_userid="wx_far_gone")
        drain()
    return channels


def test_centre_staff_see_their_towns_failures_and_unknowns(login, reachable, failures, towns):
    html = login(reachable.centre).get(reverse("messaging:failures")).content.decode()
    assert "平襄-2026-0031" in html and "结果不明" in html  # the leader's lost SMS
    assert "张明" in html and "81013" in html and "改发：已发送" in html
    assert "何村干" not in html
    assert login(reachable.grid_xiguan).get(reverse("messaging:failures")).status_code == 403
    far = login(towns.far_centre).get(reverse("messaging:failures")).content.decode()
    assert "何村干" in far and "张明" not in far and "平襄-2026-0031" not in far


def test_a_resend_is_a_new_delivery_sent_once_and_audited(login, reachable, failures, channels):
    unknown = Delivery.objects.get(status=Status.UNKNOWN)
    client = login(reachable.centre)
    with time_machine.travel(WORKDAY_MORNING, tick=True):
        response = client.post(reverse("messaging:resend"), {"delivery": unknown.pk})
        assert response.status_code == 302
        again = client.post(reverse("messaging:resend"), {"delivery": unknown.pk}, follow=True)
        assert "已经重发过" in again.content.decode()
        drain()
        html = client.get(reverse("messaging:failures")).content.decode()
        resent = client.get(reverse("messaging:failures"), {"status": "resent"})
    copy = Delivery.objects.get(previous=unknown, key__contains="#r")
    assert copy.status == Status.SENT and copy.key == f"{unknown.key}#r1"
    assert [m["to"] for m in channels.sms].count(MOBILE["leader"]) == 2  # lost, then resent
    event = AuditEvent.objects.get(action="messaging.resend")
    assert event.actor == reachable.centre and event.object_id == str(unknown.pk)
    assert "平襄-2026-0031" not in html  # handled: it leaves the list
    assert "平襄-2026-0031" in resent.content.decode()


def test_another_towns_delivery_cannot_be_resent(login, reachable, failures, towns):
    theirs = Delivery.objects.get(recipient=towns.far_cadre, status=Status.FAILED)
    response = login(reachable.centre).post(reverse("messaging:resend"),
                                            {"delivery": theirs.pk}, follow=True)
    assert "不存在或不在您的辖区内" in response.content.decode()
    assert not Delivery.objects.filter(previous=theirs, key__contains="#r").exists()
    assert not AuditEvent.objects.filter(action="messaging.resend").exists()
    assert login(reachable.centre).get(reverse("messaging:resend")).status_code == 405


def test_the_failures_list_costs_the_same_queries_as_it_grows(login, reachable, failures,
                                                               django_assert_max_num_queries):
    client = login(reachable.centre)
    client.get(reverse("messaging:failures"))
    base = Delivery.objects.get(status=Status.UNKNOWN)
    for n in range(15):
        Delivery.objects.create(key=f"extra{n}", recipient=reachable.grid_xiguan,
                                channel=Channel.WECOM, title=f"消息{n}", status=Status.FAILED,
                                due_at=base.due_at, error="未填写企业微信账号")
    with django_assert_max_num_queries(12):
        html = client.get(reverse("messaging:failures")).content.decode()
    assert "消息14" in html


# --- the inbox -------------------------------------------------------------------------------
def test_each_inbox_message_shows_its_deliveries(login, reachable, failures, red_group):
    leader = login(reachable.leader).get(reverse("inbox")).content.decode()
    sent = Delivery.objects.get(recipient=reachable.leader, channel=Channel.WECOM)
    assert "企业微信：" in leader and f"消息编号 {sent.gateway_id}" in leader
    assert "短信：" in leader and "结果不明" in leader
    centre = login(reachable.centre).get(reverse("inbox")).content.decode()
    assert "发送失败" in centre and "81013" in centre and "已发送" in centre


def test_the_inbox_reads_every_delivery_in_one_query(login, reachable, channels, policy):
    client = login(reachable.centre)
    with time_machine.travel(WORKDAY_MORNING, tick=True):
        notify([reachable.centre], key="i:0", title="消息0", kind="case")
        _queries(client)  # the shell's per-process caches filled
        few = len(_queries(client))
        for n in range(1, 10):
            notify([reachable.centre], key=f"i:{n}", title=f"消息{n}", kind="case")
        assert Delivery.objects.filter(recipient=reachable.centre).count() == 10
        assert len(_queries(client)) == few


def _queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("inbox")).status_code == 200
    return ctx.captured_queries
