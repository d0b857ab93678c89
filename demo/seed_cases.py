"""Demo disputes, created through the actions with explicit times (`at=`).

1. The seed article's campaign (矛盾大排查纠纷大化解基础大夯实活动, 2026-03..2026-10): 154
   disputes found and all resolved ("154起矛盾纠纷已全部调处到位"), most at levels 1–2,
   婚恋 and 民间借贷 prominent, spread over the 32 villages.
2. Open cases of the current period over every level and state: new, pushed by the court
   (一诉讼两推送) and the police (一警情三推送), red ones sent straight to level 3, overdue,
   paused, sent down, taken charge of by a leader, awaiting follow-up, unresolved.
Idempotent: each demo case is identified by its source reference.
"""

import datetime as dt
import random

from django.utils import timezone

from cases import actions
from cases.models import Agreement, Case, Category, FollowUp, Source
from grids.idcard import check_digit

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
GIVEN = ["建国", "秀英", "志强", "桂兰", "永红", "海燕", "玉梅", "文军", "小平", "淑珍", "国平",
         "红霞", "明亮", "彩霞", "福林", "春花", "振华", "丽娟", "宏伟", "金花", "德胜", "爱琴",
         "学军", "晓燕", "天明", "巧云", "有才", "凤英", "长江", "雪梅"]

CAMPAIGN_CATEGORIES = ([("婚恋", 34), ("民间借贷", 28), ("邻里", 22), ("婚姻家庭", 18),
                        ("房屋宅基地", 14), ("山林土地", 12), ("损害赔偿", 8), ("劳动争议", 6),
                        ("合同", 4), ("道路交通事故", 4), ("其他", 4)])
CAMPAIGN_LEVELS = [1] * 96 + [2] * 44 + [3] * 10 + [4] * 4
DESCRIPTIONS = {
    "婚恋": "双方订婚后女方提出解除婚约，男方要求退还彩礼{n}万元，双方就退还数额争执不下。",
    "民间借贷": "{a}向{b}借款{n}万元用于购买农机，约定年底归还，到期未还，双方多次争吵。",
    "邻里": "{a}与{b}两家因院墙排水问题发生口角，{b}家院内积水，双方关系紧张。",
    "婚姻家庭": "{a}与{b}夫妻因赡养老人和家庭开支问题长期争吵，{b}回娘家居住。",
    "房屋宅基地": "{a}翻建房屋时地基越过原界线约{n}0厘米，邻居{b}阻止施工。",
    "山林土地": "{a}与{b}因承包地地界不清发生争执，涉及地块约{n}亩。",
    "损害赔偿": "{a}家的羊啃食{b}家麦苗，{b}要求赔偿损失{n}千元。",
    "劳动争议": "{a}在{b}承包的工地务工，工资{n}千元未结清。",
    "合同": "{a}向{b}购买种子，出苗率低，要求赔偿{n}千元。",
    "道路交通事故": "{a}驾驶三轮车与{b}的摩托车剐蹭，双方就修车费用发生争执。",
    "其他": "{a}与{b}因红白事借用物品损坏赔偿问题发生纠纷。",
}


def _id_number(seq, born):
    first17 = f"621121{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_digit(first17)


class _People:
    def __init__(self):
        self.seq = 0

    def party(self, rng):
        self.seq += 1
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
        return {"name": name, "id_number": _id_number(self.seq, born),
                "phone": f"139{rng.randrange(10**7, 10**8)}"}


def _aware(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _describe(category, parties, rng):
    template = DESCRIPTIONS.get(category, DESCRIPTIONS["其他"])
    return template.format(a=parties[0]["name"], b=parties[1]["name"], n=rng.randrange(2, 9))


def _agreement(case, category):
    return {
        "facts": f"{case.description}",
        "responsibilities": "双方均有一定责任。",
        "terms": {"婚恋": "男方同意女方退还部分彩礼，其余部分不再主张，双方解除婚约。",
                  "民间借贷": "借款人分两期归还借款，出借人放弃利息。"}.get(
            category, "双方互谅互让，按约定处理，今后不再因此事发生争执。"),
        "performance": "在村委会当面履行。",
    }


def _walk_resolved(case, *, actors, level, start, rng, category, written):
    """Accept at level 1 (or 2), escalate up to `level`, mediate, resolve, follow up."""
    at = start + dt.timedelta(hours=1)
    first = 2 if level >= 2 and rng.random() < 0.5 else 1
    actions.accept_case(case, actor=actors[first], level=first, at=at)
    for lv in range(first, level):
        at += dt.timedelta(hours=rng.randrange(3, 20))
        actions.record_session(case, actor=actors[lv], notes="双方分歧较大，调解未成。", at=at)
        at += dt.timedelta(hours=2)
        actions.escalate_case(case, actor=actors[lv], reason=f"第{lv}级调解未成，上报上一级。",
                              at=at)
    at += dt.timedelta(hours=rng.randrange(2, 20))
    if level > 1:  # level 1 is 随手调 on the spot: no separate session record
        actions.record_session(case, actor=actors[level], notes="组织双方面对面调解，释法明理。",
                               place="村委会调解室", at=at)
    at += dt.timedelta(hours=2)
    actions.resolve_case(case, actor=actors[level], at=at,
                         method="people" if level <= 3 or rng.random() < 0.5 else "admin",
                         kind=Agreement.Kind.WRITTEN if written else Agreement.Kind.ORAL,
                         **_agreement(case, category))
    return at


def _campaign(ctx, rng, people, actors):
    villages = list(ctx["villages"].values())
    categories = {c.name: c for c in Category.objects.all()}
    names = [name for name, n in CAMPAIGN_CATEGORIES for _ in range(n)]
    levels = list(CAMPAIGN_LEVELS)
    rng.shuffle(names)
    rng.shuffle(levels)
    finished = ctx.get("finished_campaign")
    start_day = finished.start_date if finished else dt.date(2026, 3, 4)
    span = ((finished.end_date if finished else dt.date(2026, 9, 30)) - start_day).days + 1
    days = sorted(start_day + dt.timedelta(days=rng.randrange(0, span)) for _ in range(154))
    made = 0
    done = set(Case.objects.filter(source_ref__startswith="排查台账#")
               .values_list("source_ref", flat=True))
    for i in range(154):
        ref = f"排查台账#{i + 1:03d}"
        if ref in done:
            continue
        village = villages[i % len(villages)] if i < 128 else rng.choice(villages)
        if village == ctx["villages"]["西关村"] and ctx.get("grids"):
            area = ctx["grids"]["高家庄社第一网格"]
        else:
            area = village
        parties = [people.party(rng), people.party(rng)]
        received = _aware(days[i], rng.randrange(8, 17), rng.randrange(0, 59))
        case = actions.register_case(
            actor=actors[1], area=area, category=categories[names[i]],
            description=_describe(names[i], parties, rng), risk=rng.choice(
                ["blue"] * 6 + ["yellow"] * 3 + ["orange"]),
            source=Source.VISIT if rng.random() < 0.8 else Source.GRID, source_ref=ref,
            parties=parties, received_at=received, at=received)
        at = _walk_resolved(case, actors=actors, level=levels[i], start=received, rng=rng,
                            category=names[i], written=levels[i] >= 2 or rng.random() < 0.3)
        visit_at = at + dt.timedelta(days=7)
        actions.follow_up(case, actor=actors[1], visited_on=visit_at.date(), carried_out=True,
                          satisfaction=rng.choice(["satisfied"] * 4 + ["basic"]),
                          notes="当事人表示协议已履行。", at=visit_at)
        actions.archive_case(case, actor=actors[3], at=visit_at + dt.timedelta(days=1))
        made += 1
    return made


def _open_cases(ctx, rng, people, actors):
    """The current period: ~30 cases in every level and state, relative to now."""
    now = timezone.now()
    today = timezone.localdate()
    categories = {c.name: c for c in Category.objects.all()}
    v = ctx["villages"]
    grid = ctx["grids"]["高家庄社第一网格"]
    centre, leader = actors[3], ctx["users"]["leader_demo"]
    made = 0

    def new(ref, *, area, category, source=Source.VISIT, risk="blue", days_ago=1, actor=None):
        nonlocal made
        existing = Case.objects.filter(source_ref=ref).first()
        if existing:
            return None
        parties = [people.party(rng), people.party(rng)]
        received = now - dt.timedelta(days=days_ago, hours=rng.randrange(1, 5))
        made += 1
        return actions.register_case(
            actor=actor or centre, area=area, category=categories[category],
            description=_describe(category, parties, rng), risk=risk, source=source,
            source_ref=ref, parties=parties, received_at=received, at=received)

    def started(case, level, hours_ago, actor=None):
        actions.accept_case(case, actor=actor or actors[min(level, 3)], level=level,
                            at=now - dt.timedelta(hours=hours_ago))
        return case

    # New, awaiting triage: pushed by the court and the police, a walk-in, a red one.
    new("(2026)甘1121民初2817号", area=v["西关村"], category="民间借贷", source=Source.COURT)
    new("(2026)甘1121民初2903号", area=v["孟河村"], category="婚恋", source=Source.COURT)
    new("警情20261127-031", area=grid, category="邻里", source=Source.POLICE, risk="yellow")
    new("警情20261128-007", area=v["兴隆村"], category="婚姻家庭", source=Source.POLICE,
        risk="orange", days_ago=0)
    new("来访#1128-02", area=v["新城社区"], category="物业", source=Source.WALKIN, days_ago=0)
    new("信访件#7", area=v["旧店子村"], category="房屋宅基地", source=Source.PETITION)

    # Level 1, running (grid worker's inbox) and due soon.
    c = new("走访记录#12", area=grid, category="婚恋", actor=actors[1])
    if c:
        started(c, 1, 2, actors[1])
    c = new("网格上报#1129-01", area=grid, category="损害赔偿", source=Source.GRID,
            actor=actors[1])
    if c:
        started(c, 1, 30, actors[1])
    # Level 2 in 西关村 (village cadre's inbox), one mediating.
    c = new("走访记录#15", area=v["西关村"], category="民间借贷", actor=actors[2])
    if c:
        started(c, 2, 20, actors[2])
        actions.record_session(c, actor=actors[2], notes="分别听取双方意见，约定下周再调。",
                               at=now - dt.timedelta(hours=3))
    # Police push, triaged by the centre at level 3.
    c = new("警情20261124-019", area=v["西关村"], category="邻里", source=Source.POLICE,
            risk="orange", days_ago=5)
    if c:
        started(c, 3, 24 * 2)
    # Red case straight to level 3, then escalated to 4; the leader takes charge.
    c = new("来访#1120-01", area=v["孟河村"], category="山林土地", source=Source.WALKIN,
            risk="red", days_ago=6)
    if c:
        started(c, 3, 24 * 5)
        actions.escalate_case(c, actor=centre, reason="涉及多户群体性争议，镇综治中心调处未成。",
                              at=now - dt.timedelta(hours=24 * 2))
        actions.take_charge(c, actor=leader, note="由包村领导牵头化解。",
                            at=now - dt.timedelta(hours=24 * 2 - 1))
    # Level 5 and overdue (cannot go higher: shows as 已逾期 until acted on).
    c = new("信访件#3", area=v["兴隆村"], category="征地拆迁", source=Source.PETITION,
            risk="red", days_ago=20)
    if c:
        started(c, 4, 24 * 19)
        actions.escalate_case(c, actor=leader, reason="需县直部门协调补偿标准。",
                              at=now - dt.timedelta(days=15))
    # Overdue at levels 1 and 2: the first sweep escalates them automatically.
    for ref, area, level, cat in [("走访记录#9", v["温泉村"], 1, "民间借贷"),
                                  ("走访记录#10", v["宋堡村"], 2, "婚恋")]:
        c = new(ref, area=area, category=cat, days_ago=10)
        if c:
            started(c, level, 24 * 9)
    # Paused with an approved pause (waiting for an appraisal); another awaiting approval.
    c = new("走访记录#11", area=v["中林村"], category="损害赔偿", days_ago=4)
    if c:
        started(c, 2, 24 * 3, actors[2])
        actions.request_pause(c, actor=actors[2], reason="等待伤情鉴定结果。", days=5,
                              at=now - dt.timedelta(hours=24 * 2))
        actions.decide_pause(c, actor=centre, approve=True, note="同意暂停",
                             at=now - dt.timedelta(hours=24 * 2 - 1))
    c = new("走访记录#13", area=grid, category="民间借贷", days_ago=2, actor=actors[1])
    if c:
        started(c, 1, 20, actors[1])
        actions.request_pause(c, actor=actors[1], reason="一方当事人外出务工，暂时联系不上。",
                              days=3, at=now - dt.timedelta(hours=2))
    # Sent down from level 3 to level 2 with instructions.
    c = new("网格上报#1125-03", area=v["西关村"], category="房屋宅基地", source=Source.GRID,
            days_ago=4)
    if c:
        started(c, 3, 24 * 3)
        actions.send_down(c, actor=centre, to_level=2,
                          instructions="请村调委会组织现场勘界后再调解。",
                          at=now - dt.timedelta(hours=24))
    # Resolved: follow-up due now, and one not yet due; an oral agreement too.
    for ref, days_ago, written in [("走访记录#5", 12, True), ("走访记录#6", 3, False),
                                   ("走访记录#7", 9, True)]:
        c = new(ref, area=grid if ref.endswith("5") else v["西关村"], category="婚恋",
                days_ago=days_ago, actor=actors[1])
        if c:
            started(c, 1, 24 * days_ago - 1, actors[1])
            actions.resolve_case(c, actor=actors[1], method="people",
                                 kind=Agreement.Kind.WRITTEN if written else Agreement.Kind.ORAL,
                                 at=now - dt.timedelta(hours=24 * days_ago - 5),
                                 **_agreement(c, "婚恋"))
    # Followed up and archived; followed up and reopened (agreement not carried out).
    c = new("走访记录#3", area=v["孟河村"], category="邻里", days_ago=25)
    if c:
        started(c, 1, 24 * 25 - 1)
        actions.resolve_case(c, actor=centre, method="people", kind="oral",
                             at=now - dt.timedelta(days=24), **_agreement(c, "邻里"))
        actions.follow_up(c, actor=centre, visited_on=today - dt.timedelta(days=15),
                          carried_out=True, satisfaction=FollowUp.Satisfaction.SATISFIED,
                          at=now - dt.timedelta(days=15))
    c = new("走访记录#4", area=v["西关村"], category="民间借贷", days_ago=20)
    if c:
        started(c, 2, 24 * 20 - 1, actors[2])
        actions.resolve_case(c, actor=actors[2], method="people", kind="written",
                             at=now - dt.timedelta(days=19), **_agreement(c, "民间借贷"))
        actions.follow_up(c, actor=actors[2], visited_on=today - dt.timedelta(days=1),
                          carried_out=False, satisfaction=FollowUp.Satisfaction.DISSATISFIED,
                          notes="借款人未按期还款。", at=now - dt.timedelta(days=1))
    # More running cases across the town, at every level.
    spread = [("城关村", 1, "blue", "婚恋"), ("宋堡村", 1, "yellow", "民间借贷"),
              ("温泉村", 2, "blue", "邻里"), ("四联村", 2, "yellow", "婚姻家庭"),
              ("团庄村", 3, "orange", "山林土地"), ("安堡村", 3, "yellow", "劳动争议"),
              ("曹川村", 1, "blue", "损害赔偿"), ("蒋川村", 2, "blue", "民间借贷"),
              ("东城社区", 4, "red", "物业"), ("马岔村", 3, "red", "婚恋")]
    for n, (village, level, risk, cat) in enumerate(spread, start=20):
        c = new(f"走访记录#{n}", area=v[village], category=cat, risk=risk, days_ago=1)
        if c:
            started(c, level, 20 - n % 5)
            if n % 2:
                actions.record_session(c, actor=actors[min(level, 3)],
                                       notes="已约双方当事人到场，初步了解诉求。",
                                       at=now - dt.timedelta(hours=1))
    # Unresolved: referred to court.
    c = new("(2026)甘1121民初2650号", area=v["城关村"], category="合同", source=Source.COURT,
            days_ago=18)
    if c:
        started(c, 3, 24 * 18 - 1)
        actions.close_unresolved(c, actor=centre, route="人民法院（诉讼）",
                                 reason="双方分歧大，当事人坚持诉讼。",
                                 at=now - dt.timedelta(days=14))
    return made


def run(ctx):
    users = ctx["users"]
    actors = {1: users["grid_demo"], 2: users["village_demo"], 3: users["centre_demo"],
              4: users["leader_demo"], 5: users["leader_demo"]}
    rng = random.Random(20260301)
    people = _People()
    with actions.quietly():
        campaign = _campaign(ctx, rng, people, actors)
    people.seq = 500
    current = _open_cases(ctx, rng, people, actors)
    total = Case.objects.count()
    resolved = Case.objects.filter(source_ref__startswith="排查台账").count()
    return (f"{total} dispute cases ({resolved} campaign cases resolved; "
            f"{Case.objects.active().count()} open); {campaign + current} created now")
