"""Campaigns (专项活动) and 包抓 responsibilities on the pages: centre staff and admins only,
within their own area, Chinese messages, audited, lists that stay cheap."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from grids import actions
from grids.models import Campaign, Responsibility
from pingxiang.models import AuditEvent

pytestmark = pytest.mark.django_db


def _campaign_post(**over):
    today = timezone.localdate()
    data = {"name": "冬季矛盾纠纷大排查", "area": "", "start_date": today.isoformat(),
            "end_date": (today + dt.timedelta(days=30)).isoformat(), "mode": "专项排查",
            "focus_choices": ["婚恋纠纷", "民间借贷"], "focus_other": "电信诈骗",
            "description": ""}
    data.update(over)
    return data


def test_centre_staff_launch_a_campaign_for_their_town(login, cast):
    client = login(cast.centre)
    assert client.get(reverse("grids:campaign_new")).status_code == 200
    response = client.post(reverse("grids:campaign_new"), _campaign_post(area=cast.town.pk))
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="冬季矛盾纠纷大排查")
    assert campaign.area == cast.town and campaign.mode == "专项排查"
    assert campaign.focus_list == ["婚恋纠纷", "民间借贷", "电信诈骗"]
    event = AuditEvent.objects.get(action="campaign.create", object_id=str(campaign.pk))
    assert event.actor_id == cast.centre.pk
    assert "冬季矛盾纠纷大排查" in client.get(reverse("grids:campaign_list")).content.decode()


def test_campaign_dates_and_names_are_checked_in_chinese(login, cast):
    client = login(cast.centre)
    today = timezone.localdate()
    html = client.post(reverse("grids:campaign_new"), _campaign_post(
        area=cast.town.pk, end_date=(today - dt.timedelta(days=1)).isoformat())
    ).content.decode()
    assert "结束日期不能早于开始日期" in html
    actions.create_campaign(name="已有活动", area=cast.town, start_date=today, end_date=today)
    html = client.post(reverse("grids:campaign_new"),
                       _campaign_post(area=cast.town.pk, name="已有活动")).content.decode()
    assert "已有同名的专项活动" in html
    assert Campaign.objects.count() == 1


def test_a_campaign_area_outside_the_users_town_is_not_a_choice(login, cast):
    # Admin of the county may pick the county; centre staff only their town and below.
    response = login(cast.centre).post(reverse("grids:campaign_new"),
                                       _campaign_post(area=cast.county.pk))
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("who", ["grid_xiguan", "cadre_xiguan", "leader", "supervisor"])
def test_only_centre_staff_and_admins_launch_or_edit_campaigns(login, cast, campaign, who):
    client = login(getattr(cast, who))
    assert client.get(reverse("grids:campaign_new")).status_code == 403
    assert client.post(reverse("grids:campaign_new"),
                       _campaign_post(area=cast.town.pk)).status_code == 403
    url = reverse("grids:campaign_edit", args=[campaign.pk])
    assert client.post(url, _campaign_post(area=cast.town.pk, version=0)).status_code == 403
    assert Campaign.objects.get().name == "测试专项活动"


def test_a_campaign_of_another_village_is_404_for_its_outsiders(login, cast):
    today = timezone.localdate()
    theirs = actions.create_campaign(name="孟河专项", area=cast.menghe, start_date=today,
                                     end_date=today)
    client = login(cast.cadre_xiguan)
    assert client.get(reverse("grids:campaign_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("grids:campaign_edit", args=[theirs.pk]),
                       _campaign_post(area=cast.menghe.pk, version=0)).status_code == 404
    assert Campaign.objects.get(pk=theirs.pk).name == "孟河专项"


def test_centre_staff_edit_a_campaign_and_a_stale_page_loses(login, cast, campaign):
    url = reverse("grids:campaign_edit", args=[campaign.pk])
    client = login(cast.centre)
    page = client.get(url).content.decode()
    assert 'value="婚恋纠纷" checked' in page or 'value="婚恋纠纷"\n' in page \
        or "婚恋纠纷" in page
    data = _campaign_post(name="测试专项活动（延长）", area=cast.town.pk, version=0,
                          start_date=campaign.start_date.isoformat(),
                          end_date=(campaign.end_date + dt.timedelta(days=10)).isoformat())
    assert client.post(url, data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "测试专项活动（延长）" and campaign.version == 1
    [event] = AuditEvent.objects.filter(action="campaign.edit")
    assert "活动名称：测试专项活动 → 测试专项活动（延长）" in event.reason
    # The same page submitted again (version 0) is refused, and keeps what was typed.
    response = client.post(url, {**data, "name": "又改名"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "刚刚已被他人修改" in html and 'value="又改名"' in html
    assert Campaign.objects.get(pk=campaign.pk).name == "测试专项活动（延长）"


def test_campaign_list_queries_stay_constant(login, cast, django_assert_num_queries):
    client = login(cast.centre)
    today = timezone.localdate()
    actions.create_campaign(name="活动1", area=cast.town, start_date=today, end_date=today)
    client.get(reverse("grids:campaign_list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(reverse("grids:campaign_list"))
    for i in range(2, 6):
        actions.create_campaign(name=f"活动{i}", area=cast.xiguan, start_date=today,
                                end_date=today)
    with django_assert_num_queries(len(first)):
        html = client.get(reverse("grids:campaign_list")).content.decode()
    assert html.count("修改</a>") == 5


# --- 包抓 -------------------------------------------------------------------------------
def _page(client, village):
    return client.get(reverse("grids:responsibilities", args=[village.pk]))


def test_centre_staff_assign_a_grid_worker_and_the_orphan_list_updates(login, cast,
                                                                      make_household):
    orphan = make_household(cast.xiguan_grid, head="没人包")
    client = login(cast.centre)
    html = _page(client, cast.xiguan).content.decode()
    assert "落实包抓" in html and orphan.address in html
    response = client.post(reverse("grids:responsibility_assign", args=[cast.xiguan.pk]), {
        "kind": "网格员", "area": cast.xiguan_grid.pk, "user": cast.grid_xiguan.pk})
    assert response.status_code == 302
    resp = Responsibility.objects.get(user=cast.grid_xiguan, area=cast.xiguan_grid)
    assert AuditEvent.objects.filter(action="responsibility.assign",
                                     object_id=str(resp.pk), actor=cast.centre).exists()
    html = _page(client, cast.xiguan).content.decode()
    assert orphan.address not in html
    # Ending it puts the household back on the list.
    response = client.post(reverse("grids:responsibility_end", args=[cast.xiguan.pk]),
                           {"responsibility": resp.pk, "reason": "调岗"})
    assert response.status_code == 302
    resp.refresh_from_db()
    assert not resp.is_active
    assert AuditEvent.objects.filter(action="responsibility.end", object_id=str(resp.pk),
                                     reason="调岗").exists()
    assert orphan.address in _page(client, cast.xiguan).content.decode()
    # Ending it twice says so and writes nothing more.
    client.post(reverse("grids:responsibility_end", args=[cast.xiguan.pk]),
                {"responsibility": resp.pk})
    assert AuditEvent.objects.filter(action="responsibility.end").count() == 1


def test_leader_is_assigned_to_a_village_and_cadres_to_a_group(login, cast):
    client = login(cast.admin)
    url = reverse("grids:responsibility_assign", args=[cast.xiguan.pk])
    group = cast.xiguan_grid.parent
    assert client.post(url, {"kind": "包村领导", "area": cast.xiguan.pk,
                             "user": cast.leader.pk}).status_code == 302
    assert client.post(url, {"kind": "治安民警", "area": group.pk,
                             "user": cast.cadre_menghe.pk}).status_code == 302
    html = _page(client, cast.xiguan).content.decode()
    assert "尚未落实包村领导" not in html
    assert Responsibility.objects.filter(area=group, kind="治安民警").exists()


def test_a_responsibility_on_the_wrong_level_is_refused_in_chinese(login, cast):
    response = login(cast.centre).post(
        reverse("grids:responsibility_assign", args=[cast.xiguan.pk]),
        {"kind": "包村领导", "area": cast.xiguan_grid.pk, "user": cast.leader.pk})
    assert response.status_code == 200
    assert "“包村领导”应包抓村(社区)，不能包抓网格" in response.content.decode()
    assert not Responsibility.objects.exists()


def test_only_people_and_areas_in_scope_can_be_chosen(login, cast):
    stranger = get_user_model().objects.create_user("stranger", password="pw")
    client = login(cast.centre)
    html = _page(client, cast.xiguan).content.decode()
    assert "stranger" not in html
    url = reverse("grids:responsibility_assign", args=[cast.xiguan.pk])
    response = client.post(url, {"kind": "网格员", "area": cast.xiguan_grid.pk,
                                 "user": stranger.pk})
    assert "只能从您辖区内的人员中选择" in response.content.decode()
    response = client.post(url, {"kind": "网格员", "area": cast.menghe_grid.pk,
                                 "user": cast.grid_xiguan.pk})
    assert "只能选择本村(社区)内的辖区" in response.content.decode()
    assert not Responsibility.objects.exists()


@pytest.mark.parametrize("who, status", [("cadre_xiguan", 403), ("leader", 403),
                                         ("supervisor", 403), ("cadre_menghe", 404),
                                         ("grid_xiguan", 404)])
def test_others_cannot_assign_or_end_and_nothing_is_written(login, cast, who, status):
    resp = actions.assign_responsibility(cast.grid_xiguan, cast.xiguan_grid, "网格员")
    before = AuditEvent.objects.count()
    client = login(getattr(cast, who))
    assert client.post(reverse("grids:responsibility_assign", args=[cast.xiguan.pk]), {
        "kind": "网格员", "area": cast.xiguan_grid.pk, "user": cast.cadre_xiguan.pk,
    }).status_code == status
    assert client.post(reverse("grids:responsibility_end", args=[cast.xiguan.pk]),
                       {"responsibility": resp.pk}).status_code == status
    assert AuditEvent.objects.count() == before
    assert Responsibility.objects.get(pk=resp.pk).is_active
    assert "落实包抓</button>" not in (
        _page(client, cast.xiguan).content.decode() if status == 403 else "")


def test_ending_a_responsibility_of_another_village_is_refused(login, cast):
    theirs = actions.assign_responsibility(cast.grid_menghe, cast.menghe_grid, "网格员")
    response = login(cast.centre).post(
        reverse("grids:responsibility_end", args=[cast.xiguan.pk]),
        {"responsibility": theirs.pk})
    assert response.status_code == 302
    assert Responsibility.objects.get(pk=theirs.pk).is_active


def test_responsibility_page_queries_stay_constant(login, cast, make_household,
                                                  django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.centre)
    make_household(cast.xiguan_grid)
    actions.assign_responsibility(cast.leader, cast.xiguan, "包村领导")
    _page(client, cast.xiguan)
    with CaptureQueriesContext(connection) as first:
        _page(client, cast.xiguan)
    for i, grid in enumerate(["高家庄社第二网格", "西关一社网格"]):
        make_household(cast.grids[grid])
        actions.assign_responsibility(cast.grid_xiguan, cast.grids[grid], "网格员")
        actions.create_key_place(grid=cast.grids[grid], kind="学校", name=f"学校{i}")
    actions.assign_responsibility(cast.cadre_menghe, cast.xiguan_grid.parent, "村干部")
    with django_assert_num_queries(len(first)):
        html = _page(client, cast.xiguan).content.decode()
    assert html.count(">解除</button>") == 4  # leader, two grids, one 社
