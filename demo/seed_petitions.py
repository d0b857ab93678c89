"""Demo petitions: this year's figures from the seed article, through the actions.

- 网上信访: 10 received this year, all accepted, 7 closed → 办结率 70%.
- 民生信息平台: 184 work orders, all accepted, closed and rated 满意 on both the handling
  and the result → 办结率 100%, 双满意率 100%.
- Other channels: a few open petitions at each stage (some overdue, one extended, one under
  复查, one led by leader_demo, one received at a 公开接访, one turned into a dispute case,
  one 复核终结 and a repeat of it refused), and a 公开接访 schedule for the year.

Past events go through the same actions with explicit `at=`; nothing freezes time.
Idempotent: each demo petition is keyed by its channel reference number.
"""

import datetime as dt

from django.utils import timezone

from grids.idcard import check_digit
from petitions import actions
from petitions.models import Category, Petition, ReceptionDay

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ["建国", "秀英", "志强", "桂兰", "明", "玉梅", "海军", "春花", "小平", "永红", "德胜",
         "翠芳", "国栋", "兰英", "福禄", "金花", "成林", "淑珍", "晓东", "丽娟"]
TOPICS = [
    ("求助", "民政救助", "申请临时救助", "家中老人住院，医疗费用负担重，申请临时救助。"),
    ("咨询", "劳动社保", "咨询养老保险缴费", "咨询城乡居民养老保险缴费档次和补缴政策。"),
    ("投诉", "城乡建设", "反映路灯损坏", "巷道路灯损坏多日，夜间出行不便，请求维修。"),
    ("建议", "交通运输", "建议增设公交站点", "建议在村口增设一处公交停靠站点。"),
    ("求助", "农村农业", "请求协调灌溉用水", "春灌期间用水紧张，请求协调放水时间。"),
    ("投诉", "生态环境", "反映垃圾清运不及时", "小区垃圾清运不及时，气味较大。"),
    ("咨询", "教育卫生", "咨询入学政策", "咨询孩子秋季入学所需材料和划片范围。"),
    ("求助", "城乡建设", "请求修复自来水管", "入户自来水管冻裂，请求协调修复。"),
]
ONLINE_TOPICS = [
    ("土地征收", "反映征地补偿款发放问题", "反映修路征地补偿款尚未足额发放，请求核实。"),
    ("劳动社保", "反映拖欠务工工资", "在县城工地务工被拖欠工资，请求协调追讨。"),
    ("城乡建设", "反映危房改造验收问题", "危房改造已完工，验收迟迟未办理。"),
    ("农村农业", "反映土地承包经营权纠纷", "承包地与邻户界址不清，请求确权。"),
    ("民政救助", "申请低保", "家庭收入低，申请纳入最低生活保障。"),
]


def _resident(i, area):
    """A demo person with a valid (check-digit correct) ID number."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 397) % 18000)
    first17 = f"621121{born:%Y%m%d}{(i % 900) + 100:03d}"
    return {"name": SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)],
            "id_number": first17 + check_digit(first17), "phone": f"139{i:08d}"[:11]}


def _within_year(now, frac):
    """A moment `frac` of the way from 1 January to now (so this year's figures stay in
    this year whenever the seed runs)."""
    start = timezone.make_aware(dt.datetime(now.year, 1, 2, 9, 0))
    return start + (now - start) * frac if now > start else now


def _within_campaign(ctx, now, frac):
    """A moment `frac` of the way through the finished campaign (the article's figures
    belong to it), or through this year when there is no campaign."""
    finished = ctx.get("finished_campaign")
    if finished is None:
        return _within_year(now, frac)
    start = timezone.make_aware(dt.datetime.combine(finished.start_date, dt.time(9)))
    end = timezone.make_aware(dt.datetime.combine(finished.end_date, dt.time(17)))
    return start + (end - start) * frac


def run(ctx):
    now = timezone.now()
    year = now.year
    centre, leader = ctx["users"]["centre_demo"], ctx["users"]["leader_demo"]
    town, villages, grids = ctx["town"], ctx["villages"], ctx["grids"]
    village_list = list(villages.values())
    categories = {c.name: c for c in Category.objects.all()}
    existing = set(Petition.objects.values_list("channel", "channel_ref"))
    made = 0

    def register(channel, ref, *, area, received, person, cat, title, content, **kw):
        nonlocal made
        if (channel, ref) in existing:
            return None
        made += 1
        return actions.register_petition(
            actor=centre, channel=channel, channel_ref=ref, area=area, received_at=received,
            petitioner=person, title=title, content=content, category=categories[cat],
            at=received, **kw)

    def step(hours, base):
        return min(base + dt.timedelta(hours=hours), now - dt.timedelta(minutes=2))

    # 公开接访: the 15th of every month for leader_demo, and one 60 days ago.
    days = [dt.date(year, m, 15) for m in range(1, 13)]
    recent = (now - dt.timedelta(days=60)).date()
    for day in days + [recent]:
        actions.schedule_reception(actor=centre, town=town, leader=leader, date=day,
                                   place="平襄镇综治中心接访室", topic="群众来访诉求")

    # 网上信访: 10, all accepted, 7 closed (办结率 70%).
    for i in range(10):
        received = _within_campaign(ctx, now, 0.05 + 0.085 * i)
        cat, title, content = ONLINE_TOPICS[i % len(ONLINE_TOPICS)]
        p = register(Petition.Channel.ONLINE, f"WS{year}{i + 1:04d}",
                     area=village_list[(i * 3) % len(village_list)], received=received,
                     person=_resident(1000 + i, None), cat=cat, title=title, content=content)
        if p is None:
            continue
        accepted = step(48, received)
        actions.accept_petition(p, actor=centre, at=accepted)
        if i < 7:
            closed = step(24 * 20, accepted)
            actions.close_petition(p, actor=centre, at=closed,
                                   reply=f"经调查核实，{title}一事已按政策处理，相关部门已落实。")

    # 民生信息平台: 184 work orders, all closed, all rated 满意/满意 (bulk: one action call).
    orders = []
    for i in range(184):
        order_type, cat, title, content = TOPICS[i % len(TOPICS)]
        received = _within_campaign(ctx, now, 0.02 + 0.85 * i / 184)
        accepted = step(4, received)
        closed = step(24 * 5, accepted)
        orders.append({
            "channel_ref": f"MS{year}{i + 1:05d}", "order_type": order_type,
            "area": village_list[i % len(village_list)], "received_at": received,
            "accepted_at": accepted, "closed_at": closed, "title": title, "content": content,
            "category": categories[cat], "petitioner": _resident(i, None),
            "reply": f"已办理：{title}。已与诉求人沟通并落实。",
            "rating": ("满意", "满意", "电话回访", step(24, closed))})
    made += len(actions.import_work_orders(actor=centre, orders=orders))

    # Open ones at each stage (other channels, so the article's channel figures stand).
    ago = lambda d: now - dt.timedelta(days=d)  # noqa: E731
    xiguan_grid = grids["高家庄社第一网格"]
    p = register(Petition.Channel.VISIT, f"LF{year}-D01", area=xiguan_grid, received=ago(2),
                 person=_resident(2001, xiguan_grid), cat="矛盾纠纷",
                 title="反映邻居建房占用出行通道", content="邻居新建院墙占用了共用出行通道。")
    p = register(Petition.Channel.PHONE, f"12345-{year}-D02", area=villages["孟河村"],
                 received=ago(20), person=_resident(2002, None), cat="劳动社保",
                 title="反映合作社拖欠土地流转费", content="合作社拖欠土地流转费一年未付。")
    p = register(Petition.Channel.LETTER, f"LX{year}-D03", area=villages["西关村"],
                 received=ago(77), person=_resident(2003, None), cat="城乡建设",
                 title="反映宅基地审批迟缓", content="宅基地申请已提交三个月未获答复。")
    if p:
        actions.accept_petition(p, actor=centre, at=ago(75))  # handling overdue
    p = register(Petition.Channel.LETTER, f"LX{year}-D04", area=villages["兴隆村"],
                 received=ago(52), person=_resident(2004, None), cat="土地征收",
                 title="反映林地补偿标准", content="退耕还林补偿标准与邻村不一致。",
                 co_petitioners=[_resident(2014, None), _resident(2015, None)], headcount=3)
    if p:
        actions.accept_petition(p, actor=centre, at=ago(50))
        actions.extend_petition(p, actor=centre, days=30, approver=leader,
                                reason="涉及县林草局核实历史资料，情况复杂。",
                                notice_method="电话", at=ago(5))
    p = register(Petition.Channel.VISIT, f"LF{year}-D05", area=villages["旧店子村"],
                 received=timezone.make_aware(dt.datetime.combine(recent, dt.time(10, 0))),
                 person=_resident(2005, None), cat="农村农业",
                 title="反映饮水工程入户问题", content="自来水工程未入户，吃水困难。",
                 reception=ReceptionDay.objects.get(
                     town=town, leader=leader, date=recent))
    if p:
        actions.accept_petition(p, actor=centre, at=ago(58))  # due in about 2 days
        actions.assign_leader(p, actor=centre, leader=leader, at=ago(58))
    p = register(Petition.Channel.LETTER, f"LX{year}-D06", area=villages["西关村"],
                 received=ago(70), person=_resident(2006, None), cat="民政救助",
                 title="对低保评议结果有异议", content="认为低保评议过程不公开。")
    if p:
        actions.accept_petition(p, actor=centre, at=ago(68))
        actions.close_petition(p, actor=centre, at=ago(20),
                               reply="经核查，评议程序符合规定，家庭收入超过标准。")
        actions.rate_petition(p, actor=centre, handling="基本满意", result="不满意",
                              method="上门回访", note="认为收入核算有误。", at=ago(18))
        actions.request_review(p, actor=centre, reason="对收入核算有异议，申请复查。",
                               at=ago(10))
    p = register(Petition.Channel.VISIT, f"LF{year}-D07", area=villages["城关村"],
                 received=ago(30), person=_resident(2007, None), cat="政法（涉法涉诉）",
                 title="要求改变法院生效判决", content="对民事判决不服，要求镇上改判。")
    if p:
        actions.decline_petition(p, actor=centre, at=ago(28),
                                 reason="属于诉讼程序解决的事项，请依法申请再审。")
    p = register(Petition.Channel.PHONE, f"12345-{year}-D08", area=villages["中林村"],
                 received=ago(12), person=_resident(2008, None), cat="劳动社保",
                 title="反映企业未缴社保", content="县城企业未给员工缴纳社会保险。")
    if p:
        actions.transfer_petition(p, actor=centre, to_body="通渭县人力资源和社会保障局",
                                  reason="属县人社局职权范围。", at=ago(11))
    p = register(Petition.Channel.VISIT, f"LF{year}-D09", area=villages["孟河村"],
                 received=ago(6), person=_resident(2009, None), cat="矛盾纠纷",
                 title="反映婚约彩礼返还纠纷", content="订婚后解除婚约，双方就彩礼返还发生争执。")
    if p:
        actions.accept_petition(p, actor=centre, at=ago(5))
        actions.transfer_to_case(p, actor=centre, at=ago(5))
    # A matter through 复查 and 复核 (终结), and the same matter filed again: refused.
    person = _resident(2010, None)
    p = register(Petition.Channel.LETTER, f"LX{year}-D10", area=villages["河南村"],
                 received=ago(200), person=person, cat="城乡建设",
                 title="要求提高房屋拆迁补偿", content="认为房屋拆迁补偿过低。")
    if p:
        actions.accept_petition(p, actor=centre, at=ago(198))
        actions.close_petition(p, actor=centre, at=ago(170), reply="补偿按县定标准执行，无误。")
        actions.request_review(p, actor=centre, reason="不服处理意见。", at=ago(160))
        actions.answer_review(p, actor=centre, opinion="经复查，维持原处理意见。", at=ago(140))
        actions.request_recheck(p, actor=centre, reason="不服复查意见。", at=ago(130))
        actions.answer_recheck(p, actor=centre, opinion="经复核，维持复查意见。", at=ago(110))
        register(Petition.Channel.VISIT, f"LF{year}-D11", area=villages["河南村"],
                 received=ago(3), person=person, cat="城乡建设",
                 title="再次要求提高房屋拆迁补偿", content="仍认为房屋拆迁补偿过低。",
                 repeat_of=p)
    total = Petition.objects.count()
    return f"{made} petitions added ({total} in all), {len(days) + 1} reception days"
