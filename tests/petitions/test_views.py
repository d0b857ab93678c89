"""The pages of a petition's life: register (every channel), decide, extend, close and
print the 处理意见书, rate, 复查; 访调对接; 公开接访; home panels."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from petitions import actions
from petitions.models import Category, Petition, ReceptionDay
from pingxiang.models import AuditEvent
from tests.images import png_bytes

from .conftest import id_number, person

pytestmark = pytest.mark.django_db
PNG = png_bytes()


def form_data(cast, **extra):
    data = {
        "channel": "livelihood", "order_type": "投诉", "channel_ref": "MS2026-00900",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "area": cast.xiguan_grid.pk, "name": "马福禄", "id_number": id_number(700),
        "phone": "13912345678", "co_petitioners": "", "headcount": 1,
        "title": "反映路灯损坏", "content": "巷道路灯坏了一个月。",
        "category": Category.objects.get(name="城乡建设").pk, "repeat_of_number": "",
    }
    data.update(extra)
    return data


def test_register_a_livelihood_work_order_with_attachment_and_joint_petitioners(
        cast, login, django_capture_on_commit_callbacks):
    client = login(cast.centre)
    page = client.get(reverse("petitions:register")).content.decode()
    assert "登记信访件" in page
    # The village/grid is the area picker (issue 19 §4), searching villages and grids.
    assert reverse("grids:pick_area") + "?field=area&amp;kind=village&amp;kind=grid" in page
    data = form_data(cast, co_petitioners=f"马二 {id_number(701)} 13900000001\n马三",
                     headcount=3)
    data["attachments"] = [SimpleUploadedFile("照片.png", PNG, "image/png")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("petitions:register"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    p = Petition.objects.get(channel_ref="MS2026-00900")
    assert (p.channel, p.order_type, p.village, p.area) == (
        "livelihood", "投诉", cast.xiguan, cast.xiguan_grid)
    assert p.petitioner.id_number == id_number(700) and p.headcount == 3
    assert p.co_petitioner_links.count() == 2 and p.attachments.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "民生信息平台（投诉）" in page and "马二" in page and "照片.png" in page
    # The grid worker of that grid is told a petition exists, without its content.
    note = cast.grid_xiguan.notifications.get()
    assert "西关村" in note.title and "路灯" not in note.title + note.body


@pytest.mark.parametrize("change, field, message", [
    ({"order_type": ""}, "order_type", "工单类型"),
    ({"channel_ref": ""}, "channel_ref", "渠道编号"),
    ({"id_number": "620000199001011234"}, "id_number", "校验位"),
    ({"received_at": "2099-01-01T10:00"}, "received_at", "不能晚于现在"),
    ({"repeat_of_number": "XF2000-99999"}, "repeat_of_number", "没有找到"),
    ({"co_petitioners": "马二 620000199001011234"}, "co_petitioners", "第1行"),
])
def test_bad_registrations_are_refused_with_a_message_by_the_field(cast, login, change, field,
                                                                   message):
    client = login(cast.centre)
    response = client.post(reverse("petitions:register"), form_data(cast, **change))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not Petition.objects.exists()


def test_repeat_petitioner_is_recognised_and_earlier_petitions_shown(cast, login,
                                                                     make_petition):
    earlier = make_petition(who=person(700, "马福禄"), title="去年反映的事")
    client = login(cast.centre)
    response = client.post(reverse("petitions:register"),
                           form_data(cast, channel="visit", order_type="", channel_ref="",
                                     repeat_of_number=earlier.number), follow=True)
    page = response.content.decode()
    assert "重复信访人" in page and earlier.number in page and "去年反映的事" in page
    assert Petition.objects.get(channel="visit").repeat_of == earlier


def test_same_matter_after_recheck_is_refused_showing_the_earlier_petitions(cast, login,
                                                                           make_petition):
    first = make_petition(who=person(700, "马福禄"))
    for step in (lambda p: actions.accept_petition(p, actor=cast.centre),
                 lambda p: actions.close_petition(p, actor=cast.centre, reply="答复"),
                 lambda p: actions.request_review(p, actor=cast.centre, reason="不服"),
                 lambda p: actions.answer_review(p, actor=cast.centre, opinion="维持"),
                 lambda p: actions.request_recheck(p, actor=cast.centre, reason="不服"),
                 lambda p: actions.answer_recheck(p, actor=cast.centre, opinion="维持")):
        step(Petition.objects.get(pk=first.pk))
    client = login(cast.centre)
    response = client.post(reverse("petitions:register"),
                           form_data(cast, channel="visit", order_type="", channel_ref="",
                                     repeat_of_number=first.number), follow=True)
    page = response.content.decode()
    assert "不再受理" in page and first.number in page
    again = Petition.objects.get(channel="visit")
    assert again.status == Petition.Status.NOT_ACCEPTED
    assert client.get(reverse("petitions:action", args=[again.pk, "decide"])).status_code == 200
    response = client.post(reverse("petitions:action", args=[again.pk, "decide"]),
                           {"decision": "accept"})
    assert "不再受理" in response.content.decode()


def test_decide_extend_close_print_and_rate_through_the_pages(cast, login, make_petition):
    p = make_petition()
    client = login(cast.centre)
    url = lambda action: reverse("petitions:action", args=[p.pk, action])  # noqa: E731
    assert client.post(url("decide"), {"decision": "accept"}).status_code == 302
    response = client.post(url("extend"), {"days": 31, "reason": "复杂",
                                           "approver": cast.leader.pk, "notice_method": "电话"})
    assert "30" in str(response.context["form"].errors["days"])
    response = client.post(url("extend"), {"days": 20, "reason": "需县局核实",
                                           "approver": cast.leader.pk, "notice_method": "电话"})
    assert response.status_code == 302
    # Extended once: the 延期 page says so instead of offering the form again, and a post
    # (a page opened before) changes nothing.
    page = client.get(url("extend")).content.decode()
    assert "已延期过一次" in page and 'name="days"' not in page
    response = client.post(url("extend"), {"days": 5, "reason": "再延",
                                           "approver": cast.leader.pk, "notice_method": "电话"})
    assert "已延期过一次" in response.content.decode()
    assert Petition.objects.get(pk=p.pk).extension_days == 20
    assert client.post(url("rate"), {"handling": "满意", "result": "满意",
                                     "method": "电话回访"}).status_code == 200  # not closed
    assert not Petition.objects.get(pk=p.pk).ratings.exists()
    assert client.post(url("close"), {"reply": "已组织疏通排水沟，积水已排除。"}).status_code == 302
    letter = client.get(reverse("petitions:letter", args=[p.pk])).content.decode()
    assert "信访事项处理意见书" in letter and "已组织疏通排水沟" in letter and "30日内" in letter
    assert "平襄镇人民政府" in letter  # the petition's own town, not a name in the template
    response = client.post(url("rate"), {"handling": "满意", "result": "不满意",
                                         "method": "电话回访"})
    assert "不满意" in str(response.context["form"].errors["note"])
    response = client.post(url("rate"), {"handling": "满意", "result": "不满意",
                                         "method": "电话回访", "note": "仍有积水"}, follow=True)
    assert "申请复查" in response.content.decode()
    p = Petition.objects.get(pk=p.pk)
    assert (p.status, p.rating_handling, p.rating_result) == ("closed", "满意", "不满意")
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    for text in ("延期20日", "赵志强", "电话", "仍有积水", "打印处理意见书"):
        assert text in page
    actions_done = list(AuditEvent.objects.filter(object_id=str(p.pk),
                                                  action__startswith="petition.")
                        .order_by("id").values_list("action", flat=True))
    assert actions_done == ["petition.register", "petition.accept", "petition.extend",
                            "petition.close", "petition.rate"]


def test_turning_a_petition_into_a_dispute_case(cast, login, make_petition):
    p = make_petition(co_petitioners=[person(801)])
    actions.accept_petition(p, actor=cast.centre)
    client = login(cast.centre)
    response = client.post(reverse("petitions:to_case", args=[p.pk]))
    assert response.status_code == 302
    url = urlparse(response["Location"])
    assert url.path == "/cases/new/"
    query = parse_qs(url.query)
    assert query["source"] == ["petition"] and query["petition"] == [str(p.pk)]
    assert query["area"] == [str(cast.xiguan.pk)]
    assert len(query["party"]) == 2 and str(p.petitioner_id) in query["party"]
    assert p.title in query["description"][0]
    p = Petition.objects.get(pk=p.pk)
    assert p.transferred_to_case_at and p.status == Petition.Status.ACCEPTED
    # The cases app links the new case back; closing the petition leaves the case alone.
    actions.link_dispute_case(p, actor=cast.centre, case_id=42, case_ref="JF2026-0042")
    actions.close_petition(Petition.objects.get(pk=p.pk), actor=cast.centre, reply="已调解")
    p = Petition.objects.get(pk=p.pk)
    assert (p.dispute_case_id, p.dispute_case_ref, p.status) == (42, "JF2026-0042", "closed")
    assert "JF2026-0042" in client.get(reverse("petitions:detail", args=[p.pk])).content.decode()


def test_reception_schedule_petitions_per_day_and_printable(cast, login, make_petition):
    client = login(cast.centre)
    day = timezone.localdate()
    response = client.post(reverse("petitions:receptions"), {
        "leader": cast.leader.pk, "date": day.isoformat(), "time_range": "09:00-12:00",
        "place": "镇综治中心接访室", "topic": "土地纠纷"})
    assert response.status_code == 302
    reception = ReceptionDay.objects.get()
    received = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 1)))
    p = make_petition(channel=Petition.Channel.VISIT, reception=reception,
                      received_at=min(received, timezone.now()))
    page = client.get(reverse("petitions:receptions")).content.decode()
    assert "赵志强" in page and f"?reception={reception.pk}\">1</a>" in page
    printed = client.get(reverse("petitions:reception_print")).content.decode()
    assert "平襄镇2" in printed and "年领导干部公开接访安排表" in printed  # the user's town
    assert "镇综治中心接访室" in printed
    detail = client.get(reverse("petitions:reception_detail", args=[reception.pk]))
    assert p.number in detail.content.decode()
    assert login(cast.grid_xiguan).get(reverse("petitions:receptions")).status_code == 403


def test_home_panels(cast, login, make_petition):
    p = make_petition()
    actions.accept_petition(p, actor=cast.centre)
    actions.assign_leader(Petition.objects.get(pk=p.pk), actor=cast.centre, leader=cast.leader)
    home = login(cast.centre).get(reverse("home")).content.decode()
    assert "信访办理" in home and "待受理" in home
    grid_home = login(cast.grid_xiguan).get(reverse("home")).content.decode()
    assert "辖区信访" in grid_home and p.title not in grid_home
