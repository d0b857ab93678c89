"""The right people get the right message for each event of issue 18, driven through the
apps' own actions and sweeps (messaging imports none of them: everything reaches it through
pingxiang.notify), with every channel pointed at the local gateways."""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from cases.workdays import is_working_day
from grids.actions import ensure_user, grant_membership
from messaging.models import Contact, Delivery
from pingxiang.roles import Role
from tests.messaging.conftest import MOBILE, WECOM, drain, local

pytestmark = pytest.mark.django_db
MONDAY = local(2026, 11, 30, 9, 0)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock, reachable, channels, eager, policy, red_group):
    """The cast reachable everywhere, and 西关村's 包村领导 周包村 (also reachable)."""
    baocun = ensure_user("baocun_xiguan", full_name="周包村", password="pw")
    grant_membership(baocun, reachable.xiguan, Role.LEADER)
    Contact.objects.create(user=baocun, wecom_userid="wx_baocun", mobile="13700000001")
    channels.users.add("wx_baocun")
    return SimpleNamespace(cast=reachable, gw=channels, baocun=baocun, groups=red_group)


def wecom_to(gw):
    return {(m["to"], m["title"].split(" ")[0]) for m in gw.wecom}


def register(cast, **kwargs):
    from cases import actions
    from cases.models import Category, Source

    return actions.register_case(
        actor=cast.centre, area=cast.xiguan_grid, category=Category.objects.get(name="邻里"),
        description="两家因院墙排水发生争执", source=kwargs.pop("source", Source.WALKIN),
        parties=[{"name": "王大山"}], **kwargs)


def test_a_case_reaching_a_level_tells_that_levels_people(world, clock):
    from cases import actions

    cast, gw = world.cast, world.gw
    case = register(cast)
    actions.accept_case(case, actor=cast.centre, level=1)
    drain()
    told = {m["to"]: m["title"] for m in gw.wecom}
    assert told[WECOM["centre"]].startswith("新登记矛盾纠纷")
    assert told[WECOM["grid_xiguan"]].startswith(f"{case.number} 转到您处")
    assert WECOM["grid_menghe"] not in told and gw.sms == [] and gw.robot == []


def test_the_due_soon_warning_and_the_overdue_escalation(world, clock):
    from cases import actions, sweeps

    cast, gw = world.cast, world.gw
    case = actions.accept_case(register(cast), actor=cast.centre, level=1)
    drain()
    gw.wecom.clear()
    clock.move_to(case.deadline - dt.timedelta(hours=3))  # 21:00 the evening before
    assert sweeps.warn_due_soon(timezone.now()) == 1
    drain()
    assert [(m["to"], m["title"]) for m in gw.wecom] == [
        (WECOM["grid_xiguan"], f"{case.number} 将于{_deadline(case)}到期（第1级），请抓紧办理")]
    clock.move_to(case.deadline + dt.timedelta(minutes=1))  # 00:01, in the quiet hours
    assert sweeps.escalate_overdue(timezone.now()) == 1
    drain(seconds=0.3)
    assert len(gw.wecom) == 1  # the escalation waits for the end of the quiet hours
    clock.move_to(local(2026, 12, 2, 7, 0))
    assert drain() == []
    told = [(m["to"], m["title"]) for m in gw.wecom[1:]]
    assert sorted(to for to, _title in told) == sorted([WECOM["cadre_xiguan"],
                                                        WECOM["grid_xiguan"]])
    assert any(to == WECOM["cadre_xiguan"] and "转到您处" in t for to, t in told)
    assert any(to == WECOM["grid_xiguan"] and "已自动上报至第2级" in t for to, t in told)


def _deadline(case):
    from pingxiang.deadlines import deadline_text

    return deadline_text(case.deadline)


def test_a_police_push_reaches_every_recipient_of_the_route(world):
    from cases.models import Source

    cast, gw = world.cast, world.gw
    case = register(cast, source=Source.POLICE, source_ref="JQ-2026-001")
    drain()
    pushed = {m["to"] for m in gw.wecom if case.number in m["title"] and "待签收" in m["title"]}
    assert pushed == {WECOM["centre"], WECOM["cadre_xiguan"], WECOM["grid_xiguan"], "wx_baocun"}


def test_a_red_risk_case_reaches_the_village_leader_at_once_by_wecom_and_sms(world, clock):
    cast, gw = world.cast, world.gw
    clock.move_to(local(2026, 11, 30, 23, 30))  # quiet hours do not hold it
    case = register(cast, risk="red")
    drain(seconds=0.5)  # the centre's registration notice stays pending until 07:00
    red = [m for m in gw.wecom if m["title"].startswith("【紧急】红色风险")]
    assert [m["to"] for m in red] == ["wx_baocun"]
    assert [(m["to"], m["template"]) for m in gw.sms] == [("13700000001", "SMS_0002")]
    assert case.number in gw.sms[0]["params"]["title"]
    assert sorted(m["key"] for m in gw.robot) == ["robot-key-town", "robot-key-xiguan"]
    assert WECOM["centre"] not in {m["to"] for m in gw.wecom}  # its registration waits for 07:00


def test_a_major_hazard_reaches_the_village_leader_at_once(world):
    from rectification import actions
    from rectification.models import Hazard, HazardCategory

    cast, gw = world.cast, world.gw
    actions.register_hazard(actor=cast.grid_xiguan, source=Hazard.Source.INSPECTION,
                            category=HazardCategory.objects.get(name="消防"),
                            grade=Hazard.Grade.MAJOR, area=cast.xiguan_grid,
                            description="加油站旁违规堆放液化气罐",
                            found_date=timezone.localdate())
    drain()
    assert [m["to"] for m in gw.wecom] == ["wx_baocun"]
    assert gw.wecom[0]["title"].startswith("【紧急】重大隐患：西关村")
    assert [m["to"] for m in gw.sms] == ["13700000001"]
    assert len(gw.robot) == 2
    assert all(d.urgent for d in Delivery.objects.all())


def test_petition_deadlines_reach_the_handlers_and_the_leader_in_charge_in_the_digest(
        world, clock):
    from petitions import actions, sweeps
    from petitions.models import Category, Petition

    cast, gw = world.cast, world.gw
    petition = actions.register_petition(
        actor=cast.centre, channel=Petition.Channel.LETTER, area=cast.xiguan_grid,
        received_at=timezone.now() - dt.timedelta(hours=1),
        petitioner={"name": "信访人甲", "id_number": "", "phone": ""},
        title="反映巷道积水", content="雨后巷道积水严重", category=Category.objects.first())
    actions.assign_leader(petition, actor=cast.centre, leader=cast.leader)
    drain()
    gw.wecom.clear()
    petition.refresh_from_db()
    clock.move_to(petition.remind_at + dt.timedelta(minutes=1))
    assert sweeps.remind_due(timezone.now()) == 1
    drain()
    assert gw.wecom == []  # a digest kind: nothing one by one
    morning = timezone.localtime(petition.remind_at).date() + dt.timedelta(days=1)
    while not is_working_day(morning):
        morning += dt.timedelta(days=1)
    clock.move_to(local(morning.year, morning.month, morning.day, 8, 0))
    drain()
    digests = {m["to"]: m for m in gw.wecom}
    assert set(digests) == {WECOM["centre"], WECOM["leader"]}
    assert petition.number in digests[WECOM["leader"]]["description"]


def test_overdue_hazards_and_supervision_items_reach_the_responsible_and_the_baocun_leader(
        world, clock):
    from rectification import actions, sweeps
    from rectification.models import Hazard, HazardCategory, IssueCategory

    cast, gw = world.cast, world.gw
    today = timezone.localdate()
    hazard = actions.register_hazard(
        actor=cast.grid_xiguan, source=Hazard.Source.INSPECTION,
        category=HazardCategory.objects.get(name="消防"), area=cast.xiguan_grid,
        description="灭火器过期", found_date=today)
    actions.assign_hazard(hazard, actor=cast.centre, responsible_unit="西关村委会",
                          responsible_person="李秀英", handler=cast.cadre_xiguan,
                          measures="更换灭火器", deadline=today + dt.timedelta(days=2))
    team = actions.create_team(actor=cast.centre, town=cast.town, name="第一督导组", members=[
        ("王志刚", "镇纪委", None, True), ("陈丽", "综治中心", cast.supervisor, False)])
    rnd = actions.create_round(team, actor=cast.centre, name="第一轮", start_date=today)
    visit = actions.record_visit(rnd, actor=cast.supervisor, area=cast.xiguan, date=today,
                                 members="王志刚、陈丽")
    item = actions.add_issue(visit, actor=cast.supervisor,
                             category=IssueCategory.objects.first(), description="台账不全")
    actions.assign_issue(item, actor=cast.supervisor, responsible_unit="西关村委会",
                         responsible_person="李秀英", handler=cast.cadre_xiguan,
                         deadline=today + dt.timedelta(days=2))
    drain()
    gw.wecom.clear()
    clock.move_to(local(2026, 12, 3, 0, 5))  # both overdue since midnight
    assert sweeps.flag_overdue_hazards(timezone.now()) == 1
    assert sweeps.escalate_overdue_issues(timezone.now()) == 1
    clock.move_to(local(2026, 12, 3, 8, 0))
    drain()
    digests = {m["to"]: m["description"] for m in gw.wecom}
    assert set(digests) == {WECOM["cadre_xiguan"], WECOM["centre"], "wx_baocun"}
    assert hazard.number in digests["wx_baocun"] and "督导问题整改逾期" in digests["wx_baocun"]
    assert hazard.number in digests[WECOM["cadre_xiguan"]]
    assert MOBILE["leader"] not in {m["to"] for m in gw.sms}
