"""Demo data for the seed article's figures, entered through the actions (idempotent).

- 5 special campaigns; the town centre and all 32 village centres upgraded, 5 of them
  demonstration centres (西关, 孟河, 兴隆, 旧店子, 新城社区);
- 8 logistics firms and 5 freight stations inspected once, 3 schools inspected twice each;
- 23 道路交通 and 12 消防 hazards found and all rectified and closed (销号);
- two supervision teams (镇纪委, 综治中心, 司法所, 信访办) with a round each and issue lists
  partly closed; open hazards of the current period at each step, some overdue;
- a few 普法宣传 activities.
Dates are relative to today and passed to the actions with `at=` (time is never frozen).
"""

import datetime as dt

from django.utils import timezone

from grids.actions import ensure_user, grant_membership
from grids.models import KeyPlace
from pingxiang.roles import Role
from rectification import actions
from rectification.models import (
    Campaign,
    Centre,
    Hazard,
    HazardCategory,
    Inspection,
    IssueCategory,
    IssueItem,
    LegalActivity,
    StandardItem,
    SupervisionVisit,
)

CAMPAIGNS = [
    ("常态化扫黑除恶", "线索摸排、行业乱象整治"),
    ("校园及周边环境", "校园周边交通、治安、消防安全专项检查"),
    ("网络环境", "网络谣言、网络诈骗宣传与排查"),
    ("防范电信诈骗", "入户宣传、重点人群预警劝阻"),
    ("安全生产", "物流寄递、货运站、道路交通和消防安全隐患排查"),
]
DEMONSTRATION = ["西关村", "孟河村", "兴隆村", "旧店子村", "新城社区"]

LOGISTICS = [
    ("通渭县顺达物流有限公司", "城关村"), ("平襄镇畅通快运部", "城关村"),
    ("通渭县陇原物流中心", "西关村"), ("平襄镇邮政快递综合服务站", "新城社区"),
    ("通渭县鑫源货运代理部", "西关村"), ("平襄镇东城快递驿站", "东城社区"),
    ("通渭县华运物流配送中心", "四联村"), ("平襄镇南城同城配送站", "南城社区"),
]
FREIGHT = [
    ("平襄镇城关货运站", "城关村"), ("平襄镇西关货运站", "西关村"), ("通渭县汽车货运站", "东城社区"),
    ("平襄镇孟河农产品货运点", "孟河村"), ("平襄镇四联建材货运站", "四联村"),
]
SCHOOLS = [("平襄镇西关小学", "西关村"), ("通渭县城关初级中学", "城关村"),
           ("平襄镇新城社区幼儿园", "新城社区")]
ROADS = [("平襄大道城关段", "城关村"), ("西关路口至西关小学路段", "西关村"),
         ("新城路学校周边路段", "新城社区"), ("国道310线孟河段", "孟河村")]

ROAD_PROBLEMS = ["学校门口缺少减速带", "人行横道标线磨损不清", "路口缺少警示标志", "路边违规占道堆放",
                 "弯道缺少反光镜", "路段照明不足", "三轮车违规载人", "校车停靠点无标识"]
FIRE_PROBLEMS = ["灭火器过期未更换", "安全出口堆放货物", "电动车室内充电", "消防通道被占用",
                 "电线私拉乱接", "应急照明损坏"]

EXTRA_CADRES = [  # username, name, village: cadres who report rectification in their village
    ("cadre_menghe_demo", "马强", "孟河村"),
    ("cadre_xincheng_demo", "周芳", "新城社区"),
    ("cadre_chengguan_demo", "何军", "城关村"),
]


def _at(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _name(user):
    return f"{user.last_name}{user.first_name}"


def run(ctx):
    town, villages, users = ctx["town"], ctx["villages"], ctx["users"]
    centre_user, leader, cadre = users["centre_demo"], users["leader_demo"], users["village_demo"]
    today = timezone.localdate()
    day = lambda n: today - dt.timedelta(days=n)  # noqa: E731 - n days ago

    # 包村领导 of 西关村 (receives 重大 hazards and overdue supervision items) and three cadres.
    grant_membership(leader, villages["西关村"], Role.LEADER, title="包村领导")
    rectifier = {"西关村": cadre}
    for username, full_name, village in EXTRA_CADRES:
        user = ensure_user(username, full_name=full_name, password=ctx["password"])
        grant_membership(user, villages[village], Role.VILLAGE_CADRE, title="村(社区)干部")
        rectifier[village] = user

    campaigns = {}
    for name, focus in CAMPAIGNS:
        campaigns[name] = (Campaign.objects.filter(scope=town, name=name).first()
                           or actions.create_campaign(actor=centre_user, name=name, scope=town,
                                                      start_date=day(270), focus=focus,
                                                      at=_at(day(270))))
    school_campaign, safety = campaigns["校园及周边环境"], campaigns["安全生产"]

    _seed_centres(town, villages, centre_user, day)
    cats = {c.name: c for c in HazardCategory.objects.all()}

    # --- Key places and inspections -------------------------------------------------------
    def place(kind, name, village):
        return KeyPlace.objects.get_or_create(
            grid=villages[village], name=name,
            defaults={"kind": kind, "address": f"平襄镇{village}"})[0]

    def inspect(p, campaign, when, members="张明、王建国", findings="", road=None, area=None):
        existing = Inspection.objects.filter(campaign=campaign, date=when, place=p,
                                             road_section=road or "").first()
        return existing or actions.record_inspection(
            actor=centre_user, campaign=campaign, place=p, road_section=road or "", area=area,
            date=when, members=members, findings=findings, at=_at(when, 16))

    business = ([place(KeyPlace.Kind.LOGISTICS, n, v) for n, v in LOGISTICS]
                + [place(KeyPlace.Kind.FREIGHT, n, v) for n, v in FREIGHT])
    business_checks = [inspect(p, safety, day(200 - 3 * i), findings="检查消防器材、安全通道、用电安全")
                       for i, p in enumerate(business)]
    schools = [place(KeyPlace.Kind.SCHOOL, n, v) for n, v in SCHOOLS]
    school_checks = [inspect(p, school_campaign, day(d - i), findings="检查校园周边交通、治安、消防")
                     for d in (220, 90) for i, p in enumerate(schools)]
    road_checks = [inspect(None, safety, day(180 - 7 * i), road=r, area=villages[v],
                           findings="道路交通安全隐患排查")
                   for i, (r, v) in enumerate(ROADS)]

    # --- The article's 35 hazards, all rectified and closed -----------------------------
    closed = []
    for i in range(12):  # 消防 at logistics firms and freight stations
        check = business_checks[i]
        closed.append(dict(category=cats["消防"], inspection=check, place=check.place,
                           description=f"{check.place.name}：{FIRE_PROBLEMS[i % len(FIRE_PROBLEMS)]}",
                           found=check.date))
    for i in range(23):  # 道路交通 around schools and on road sections
        check = school_checks[i] if i < 6 else road_checks[i % len(road_checks)]
        where = check.place.name if check.place_id else check.road_section
        closed.append(dict(category=cats["道路交通"], inspection=check, place=check.place,
                           description=f"{where}：{ROAD_PROBLEMS[i % len(ROAD_PROBLEMS)]}（{i + 1}）",
                           found=check.date))
    for n, spec in enumerate(closed):
        _closed_hazard(spec, n, centre_user, rectifier, cadre)

    # --- Open hazards of the current period, one or more at each step -------------------
    _open_hazards(villages, cats, safety, school_campaign, users, rectifier, day)

    # --- Supervision ----------------------------------------------------------------------
    _seed_supervision(town, villages, campaigns, users, rectifier, day)

    # --- 普法宣传 ---------------------------------------------------------------------------
    legal = [
        ("西关村", 150, "会议宣讲", "八五普法进村社：民法典婚姻家庭编宣讲", 200, 120),
        ("孟河村", 140, "入户宣传", "防范电信诈骗入户宣传", 350, 280),
        ("新城社区", 120, "微信公众号", "反诈知识推送：识别刷单返利骗局", 0, 1600),
        ("城关村", 100, "发放宣传资料", "村规民约与婚恋彩礼新风宣传", 500, 430),
        ("兴隆村", 60, "集中宣传摆点", "安全生产月法律法规宣传", 300, 260),
        ("旧店子村", 20, "会议宣讲", "信访工作条例宣讲", 120, 85),
    ]
    for village, ago, form, title, materials, people in legal:
        if not LegalActivity.objects.filter(area=villages[village], title=title).exists():
            actions.record_legal_activity(
                actor=centre_user, area=villages[village], date=day(ago), form=form, title=title,
                campaign=campaigns["防范电信诈骗"] if "诈骗" in title else None,
                materials=materials, people_reached=people, organiser="镇综治中心、司法所",
                at=_at(day(ago), 17))

    hazards = Hazard.objects.filter(village__parent=town)
    return (f"{Campaign.objects.filter(scope=town).count()} campaigns, "
            f"{Inspection.objects.count()} inspections, {hazards.count()} hazards "
            f"({hazards.filter(status=Hazard.Status.CLOSED).count()} closed), "
            f"{IssueItem.objects.count()} supervision items, "
            f"{Centre.objects.filter(upgrade_status=Centre.Upgrade.DONE).count()} centres upgraded "
            f"({Centre.objects.filter(is_demonstration=True).count()} demonstration), "
            f"{LegalActivity.objects.count()} legal-awareness activities")


def _seed_centres(town, villages, actor, day):
    items = list(StandardItem.objects.filter(is_active=True))
    for n, area in enumerate([town, *villages.values()]):
        centre = actions.ensure_centre(area, actor=actor)
        demo = area.short_name in DEMONSTRATION
        if centre.upgrade_status != Centre.Upgrade.DONE:
            actions.set_centre_upgrade(centre, actor=actor, status=Centre.Upgrade.DONE,
                                       upgraded_on=day(150 - n), at=_at(day(150 - n)))
            actions.record_centre_checks(
                centre, actor=actor, at=_at(day(150 - n)),
                results={i: (i.group == StandardItem.Group.SIX_HAVES or demo or i.sort_order < 3, "")
                         for i in items})
        if demo and not centre.is_demonstration:
            actions.set_centre_demonstration(centre, actor=actor, flag=True, on=day(75),
                                             at=_at(day(75)))


def _closed_hazard(spec, n, verifier, rectifier, default_rectifier):
    """登记 → 交办 → 整改 → 验收 (the 5th fails once first) → 销号, at past dates."""
    check = spec["inspection"]
    existing = Hazard.objects.filter(description=spec["description"], area=check.area).first()
    if existing:
        return existing
    found = spec["found"]
    who = rectifier.get(check.village.short_name, default_rectifier)
    hazard = actions.register_hazard(
        actor=verifier, source=Hazard.Source.INSPECTION, category=spec["category"],
        area=check.area, place=spec["place"], inspection=check, description=spec["description"],
        found_date=found, source_ref=f"{found:%Y-%m-%d} 专项检查", at=_at(found, 17))
    actions.assign_hazard(
        hazard, actor=verifier, responsible_unit=f"{check.village}村(社区)委员会"
        if not check.place_id else check.place.name, responsible_person=_name(who),
        measures="立即整改，整改完成后报镇综治中心验收", deadline=found + dt.timedelta(days=15),
        at=_at(found + dt.timedelta(days=1)))
    actions.submit_hazard_rectification(hazard, actor=who, note="已按要求整改到位，附整改后照片。",
                                        at=_at(found + dt.timedelta(days=7)))
    if n % 7 == 4:
        actions.verify_hazard(hazard, actor=verifier, passed=False, note="整改不彻底，请补充完善。",
                              at=_at(found + dt.timedelta(days=8)))
        actions.submit_hazard_rectification(hazard, actor=who, note="已补充整改完毕。",
                                            at=_at(found + dt.timedelta(days=11)))
    actions.verify_hazard(hazard, actor=verifier, passed=True, note="现场验收合格。",
                          at=_at(found + dt.timedelta(days=12)))
    actions.close_hazard(hazard, actor=verifier, at=_at(found + dt.timedelta(days=12), 11))
    return hazard


def _open_hazards(villages, cats, safety, school_campaign, users, rectifier, day):
    centre_user, grid, cadre = users["centre_demo"], users["grid_demo"], users["village_demo"]
    xiguan_grid = grid.memberships.first().area
    # (key, village/grid, category, grade, campaign, found days ago, steps, deadline days ago)
    specs = [
        ("西关村高家庄社巷道内私搭电线为电动车充电", xiguan_grid, "其他", "一般", None, 2, [], None),
        ("西关货运站装卸区重型货车倒车无人指挥，临近村道", villages["西关村"], "安全生产", "重大",
         safety, 1, [], None),
        ("陇原物流中心快递分拣区未设禁烟标识", villages["西关村"], "物流寄递", "一般", safety, 10,
         ["assign"], -2),
        ("孟河农产品货运点货物超高堆放", villages["孟河村"], "货运站", "一般", safety, 25,
         ["assign"], 6),
        ("西关村砖厂传送带防护罩缺失", villages["西关村"], "安全生产", "一般", safety, 30,
         ["assign", "progress"], 8),
        ("西关小学门前流动摊贩占道经营", villages["西关村"], "校园周边", "一般", school_campaign, 15,
         ["assign", "submit"], -5),
        ("城关村加工作坊粉尘清理不及时", villages["城关村"], "安全生产", "一般", safety, 20,
         ["assign", "submit", "pass"], 2),
        ("新城社区幼儿园周边网吧接纳未成年人", villages["新城社区"], "校园周边", "一般",
         school_campaign, 22, ["assign", "submit", "fail"], 3),
    ]
    for description, area, category, grade, campaign, ago, steps, deadline_ago in specs:
        if Hazard.objects.filter(description=description).exists():
            continue
        found = day(ago)
        hazard = actions.register_hazard(
            actor=grid if area == xiguan_grid else centre_user,
            source=Hazard.Source.VISIT if area == xiguan_grid else Hazard.Source.INSPECTION,
            category=cats[category], grade=grade, area=area, campaign=campaign,
            description=description, found_date=found, at=_at(found, 15))
        who = rectifier.get(hazard.village.short_name, cadre)
        for step in steps:
            if step == "assign":
                actions.assign_hazard(
                    hazard, actor=centre_user, responsible_unit=f"{hazard.village}委员会",
                    responsible_person=_name(who), handler=who, measures="限期整改到位",
                    deadline=day(deadline_ago), at=_at(found + dt.timedelta(days=1)))
            elif step == "progress":
                actions.note_hazard_progress(hazard, actor=who, note="已采购防护罩，正在安装。",
                                             at=_at(day(3)))
            elif step == "submit":
                actions.submit_hazard_rectification(hazard, actor=who, note="已整改，请验收。",
                                                    at=_at(day(4)))
            elif step in ("pass", "fail"):
                actions.verify_hazard(
                    hazard, actor=centre_user, passed=step == "pass",
                    note="验收合格。" if step == "pass" else "仍有问题，请继续整改。", at=_at(day(2)))


def _seed_supervision(town, villages, campaigns, users, rectifier, day):
    supervisor, centre_user = users["supervisor_demo"], users["centre_demo"]
    teams = [
        ("第一督导组", [("王志刚", "镇纪委", None, True), ("陈丽", "综治中心", supervisor, False),
                    ("刘晓燕", "司法所", None, False), ("马文斌", "信访办", None, False)],
         [("西关村", 58), ("孟河村", 57)], supervisor),
        ("第二督导组", [("李国华", "镇纪委", None, True), ("张明", "综治中心", centre_user, False),
                    ("周静", "司法所", None, False), ("杨波", "信访办", None, False)],
         [("新城社区", 53), ("城关村", 52)], centre_user),
    ]
    cats = {c.name: c for c in IssueCategory.objects.all()}
    issues = [  # category, description, fate
        ("走访台账不规范", "部分农户走访台账记录不全，缺少走访时间和签字", "closed"),
        ("阵地建设", "综治中心调解室标识不规范，制度未上墙", "closed"),
        ("矛盾纠纷未及时化解", "一起邻里纠纷超过村级调处时限未上报", "overdue"),
        ("资料档案", "矛盾纠纷调处档案未按“一事一档”归档", "reported"),
        ("信访未按期办结", "一件民生平台工单答复超期", "open"),
        ("隐患未整改", "上轮督导发现的消防隐患整改不到位", "assigned"),
    ]
    for t, (team_name, members, visits, member_user) in enumerate(teams):
        team = actions.create_team(actor=centre_user, town=town, name=team_name, members=members)
        rnd = actions.create_round(team, actor=centre_user, name="第一轮",
                                   start_date=day(visits[0][1] + 1),
                                   campaign=campaigns["常态化扫黑除恶"],
                                   focus="矛盾纠纷排查化解、走访台账、阵地建设、信访办理",
                                   at=_at(day(visits[0][1] + 1)))
        for v, (village_name, ago) in enumerate(visits):
            area = villages[village_name]
            if SupervisionVisit.objects.filter(round=rnd, area=area).exists():
                continue
            visit = actions.record_visit(
                rnd, actor=member_user, area=area, date=day(ago),
                members="、".join(m[0] for m in members),
                summary=f"查阅{village_name}走访台账、调解档案，实地查看综治中心。", at=_at(day(ago), 16))
            reporter = rectifier.get(village_name, users["village_demo"])
            for k in range(3):
                category, description, fate = issues[(3 * v + k + t) % len(issues)]
                item = actions.add_issue(visit, actor=member_user, category=cats[category],
                                         description=f"{village_name}：{description}",
                                         requirement="限期整改并报送整改情况", at=_at(day(ago), 17))
                if fate == "open":
                    continue
                deadline = day(ago - 15) if fate != "overdue" else day(5)
                if fate == "assigned":
                    deadline = day(-10)
                actions.assign_issue(item, actor=member_user,
                                     responsible_unit=f"{village_name}委员会",
                                     responsible_person=_name(reporter), handler=reporter,
                                     deadline=deadline, at=_at(day(ago - 1)))
                if fate in ("closed", "reported"):
                    actions.report_issue(item, actor=reporter, report="已按要求完成整改，附佐证材料。",
                                         at=_at(day(ago - 10)))
                if fate == "closed":
                    actions.recheck_issue(item, actor=member_user, passed=True,
                                          note="复核属实。", at=_at(day(ago - 12)))
                    actions.close_issue(item, actor=member_user, at=_at(day(ago - 12), 11))
