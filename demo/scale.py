"""The demo town at the seed article's scale: 32 villages with their 社/小区 and grids,
15,221 households with residents, 416 key persons, 830 key places, 包抓 for every village,
a finished campaign in which every household was visited and a current one partly done.

Deterministic (a fixed random seed) and idempotent: each part is skipped when already there.
Areas and 包抓 go through grids.actions; the bulk rows (households, residents, visits) go in
with bulk_create for speed, building the same values the actions build."""

import datetime as dt
import random
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import ExpressionWrapper, F, Value
from django.db.models.functions import Mod
from django.utils import timezone

from grids.actions import assign_responsibility, create_area, create_campaign
from grids.idcard import check_digit
from grids.models import (
    Area,
    Campaign,
    Household,
    KeyPerson,
    KeyPersonCategory,
    KeyPlace,
    Resident,
    Responsibility,
    Visit,
)
from grids.textsearch import household_search_text

TOTAL_HOUSEHOLDS = 15221
TOTAL_KEY_PERSONS = 416
TOTAL_KEY_PLACES = 830
DISPUTES_FOUND = 154          # the article: 排查出矛盾纠纷154起
HAZARDS_FOUND = 35            # 道路交通隐患23个 + 消防隐患12处
FINISHED = "矛盾大排查纠纷大化解基础大夯实活动"
CURRENT_SUFFIX = "冬季矛盾纠纷大排查专项行动"
CURRENT_SHARE = 0.58          # share of households visited so far in the current campaign

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗牛魏康冯苏"
GIVEN = ["建国", "秀英", "明", "丽", "志强", "桂兰", "海燕", "军", "小红", "永福", "玉梅", "文",
         "晓东", "红霞", "振华", "春花", "国庆", "彩霞", "金山", "淑珍", "宏", "小龙", "雪梅",
         "德胜", "芳", "卫东", "玉兰", "世杰", "丽娟", "天佑", "浩然", "梓涵", "一鸣", "欣怡"]
SUFFIXES = "庄湾岔坪沟山川堡台河"
COMPOUNDS = ["滨河小区", "锦屏小区", "东关小区", "南苑小区", "北街小区", "平襄花园小区",
             "温泉路小区", "人民路小区", "书院小区", "政府街小区", "新华小区", "翠柏小区",
             "西城小区", "育才小区", "阳光小区"]
RELATIONS = ["配偶", "子", "女", "母亲", "父亲", "孙子", "孙女", "儿媳"]
NINE_SMALL = ["小商店", "小餐馆", "小旅馆", "小网吧", "小美容店", "小诊所", "小作坊", "小超市",
              "小歌厅"]


def layout(villages, demo_groups):
    """{village short name: [(group name, [grid names])]}, keeping the demo groups."""
    used = {g for groups in demo_groups.values() for g, _ in groups}
    combos = ((s, x) for x in SUFFIXES for s in SURNAMES)
    out = {}
    compounds = iter(COMPOUNDS)
    for short, area in villages.items():
        groups = [(g, list(grids)) for g, grids in demo_groups.get(short, [])]
        if area.is_community:
            while len(groups) < 3:
                name = next(compounds)
                groups.append((name, [f"{name}第一网格", f"{name}第二网格"]))
            if short == "新城社区":
                groups[0][1].append("新城小区第二网格")
        else:
            while len(groups) < 5:
                s, x = next(combos)
                name = f"{s}家{x}社"
                if name in used:
                    continue
                used.add(name)
                groups.append((name, [f"{name}网格"]))
        out[short] = groups
    return out


def _split(total, weights):
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
            :total - sum(counts)]:
        counts[i] += 1
    return counts


class IdNumbers:
    def __init__(self, rng):
        self.rng = rng
        self.used = set(Resident.objects.exclude(id_number=None)
                        .values_list("id_number", flat=True))

    def make(self, born, male):
        while True:
            seq = self.rng.randrange(0, 100) * 10 + self.rng.choice(
                [1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
            first = f"621121{born:%Y%m%d}{seq:03d}"
            number = first + check_digit(first)
            if number not in self.used:
                self.used.add(number)
                return number


def _name(rng, surname=None):
    return (surname or rng.choice(SURNAMES)) + rng.choice(GIVEN)


def seed_scale(ctx, *, demo_groups):
    rng = random.Random(20261129)
    town, villages = ctx["town"], ctx["villages"]
    today = timezone.localdate()
    plan = layout(villages, demo_groups)
    grids = {}
    village_grids = {}
    for short, groups in plan.items():
        village = villages[short]
        village_grids[short] = []
        for order, (group_name, grid_names) in enumerate(groups):
            group = create_area(parent=village, kind=Area.Kind.GROUP, name=group_name,
                                sort_order=order)
            for n, grid_name in enumerate(grid_names):
                grid = create_area(parent=group, kind=Area.Kind.GRID, name=grid_name,
                                   sort_order=n)
                grids[grid_name] = grid
                village_grids[short].append((group, grid))
    ctx["grids"].update(grids)

    people = _seed_people(ctx, plan, village_grids, rng)
    _seed_households(villages, village_grids, rng)
    made = {KeyPlace: _seed_key_places(village_grids, rng)}  # ids of the rows this run made
    finished, current = _seed_campaigns(town, today)
    # Later seeds (cases, petitions, rectification) date the article's records inside the
    # finished campaign, so its dashboard states exactly the article's figures.
    ctx.update(finished_campaign=finished, current_campaign=current)
    _seed_visits(finished, current, village_grids, people, rng, today)
    made[KeyPerson] = _seed_key_persons(village_grids, people, rng, today)
    _date_screening(finished, made)
    return {"grids": len(grids), "places": KeyPlace.objects.count()}


def _seed_people(ctx, plan, village_grids, rng):
    """包抓: a leader per village, a cadre per 社, a grid worker per grid (a few grids left
    without one, so the 'nobody responsible' lists have something real to show)."""
    User = get_user_model()
    wanted = []  # (username, full name, area, kind)
    users = ctx["users"]
    for short, pairs in village_grids.items():
        village = ctx["villages"][short]
        code = village.code[-3:]
        wanted.append((f"bc{code}", _name(rng), village, Responsibility.Kind.VILLAGE_LEADER))
        groups = list(dict.fromkeys(g for g, _ in pairs))
        for j, group in enumerate(groups):
            kind = [Responsibility.Kind.VILLAGE_CADRE, Responsibility.Kind.RESIDENT_CADRE,
                    Responsibility.Kind.AID_CADRE, Responsibility.Kind.POLICE][j % 4]
            if (int(code) + j) % 9 != 4:
                wanted.append((f"bs{code}{j:02d}", _name(rng), group, kind))
        for k, (_group, grid) in enumerate(pairs):
            if grid.name == "高家庄社第一网格":
                continue  # grid_demo answers for it
            if (int(code) * 7 + k) % 31 != 3:
                wanted.append((f"wg{code}{k:02d}", _name(rng), grid,
                               Responsibility.Kind.GRID_WORKER))
    existing = set(User.objects.filter(username__in=[w[0] for w in wanted])
                   .values_list("username", flat=True))
    password = make_password(ctx["password"])
    User.objects.bulk_create([
        User(username=u, last_name=n[:1], first_name=n[1:], password=password)
        for u, n, _a, _k in wanted if u not in existing])
    by_name = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    worker_of = {}
    for username, _n, area, kind in wanted:
        assign_responsibility(by_name[username], area, kind)
        if kind == Responsibility.Kind.GRID_WORKER:
            worker_of[area.pk] = by_name[username]
    grid_demo, leader_demo = users["grid_demo"], users["leader_demo"]
    xiguan_grid = ctx["grids"]["高家庄社第一网格"]
    assign_responsibility(grid_demo, xiguan_grid, Responsibility.Kind.GRID_WORKER)
    worker_of[xiguan_grid.pk] = grid_demo
    assign_responsibility(leader_demo, ctx["villages"]["西关村"],
                          Responsibility.Kind.VILLAGE_LEADER)
    gaojia = xiguan_grid.parent
    assign_responsibility(users["village_demo"], gaojia, Responsibility.Kind.VILLAGE_CADRE)
    leaders = {r.area_id: r.user for r in Responsibility.objects.filter(
        kind=Responsibility.Kind.VILLAGE_LEADER).select_related("user").order_by("pk")}
    return {"worker_of": worker_of, "leaders": leaders}


def _seed_households(villages, village_grids, rng):
    if Household.objects.filter(grid__path__startswith=next(iter(villages.values())).parent.path
                                ).exists():
        return
    weights = [650 if villages[s].is_community else 440 for s in village_grids]
    per_village = _split(TOTAL_HOUSEHOLDS, weights)
    ids = IdNumbers(rng)
    this_year = timezone.localdate().year
    households, members = [], []
    for (short, pairs), n in zip(village_grids.items(), per_village, strict=True):
        for (group, grid), count in zip(pairs, _split(n, [1] * len(pairs)), strict=True):
            for house in range(1, count + 1):
                surname = rng.choice(SURNAMES)
                size = rng.choices([1, 2, 3, 4, 5, 6], weights=[8, 22, 25, 25, 13, 7])[0]
                people = []
                head_age = rng.randint(28, 82) if size > 1 else rng.randint(60, 88)
                head_male = rng.random() < 0.85
                people.append(("户主", _name(rng, surname), head_age, head_male))
                for _ in range(size - 1):
                    relation = rng.choice(RELATIONS)
                    male = relation in ("子", "父亲", "孙子") or (
                        relation not in ("女", "母亲", "孙女", "儿媳")
                        and not head_male)
                    age = {"配偶": head_age + rng.randint(-5, 3), "母亲": head_age + 26,
                           "父亲": head_age + 28}.get(relation, max(1, head_age - 25 - (
                               25 if relation.startswith("孙") else 0)))
                    name = _name(rng, surname if relation in ("子", "女", "孙子", "孙女")
                                 else None)
                    people.append((relation, name, max(1, min(age, 99)), male))
                flags = []
                if size > 1 and rng.random() < 0.3:
                    flags.append("外出务工")
                if rng.random() < 0.08:
                    flags.append("低保")
                if rng.random() < 0.02:
                    flags.append("特困")
                if size == 1 and head_age >= 65:
                    flags.append("独居老人")
                if any(r.startswith("孙") for r, *_ in people) and "外出务工" in flags:
                    flags.append("留守儿童")
                if rng.random() < 0.04:
                    flags.append("残疾人")
                address = f"{short}{group.short_name}{house}号"
                households.append(Household(
                    grid=grid, house_number=str(house), address=address, flags=flags,
                    member_count=size,
                    search_text=household_search_text(address, str(house),
                                                      [p[1] for p in people])))
                rows = []
                for relation, name, age, male in people:
                    born = dt.date(this_year - age, rng.randint(1, 12), rng.randint(1, 28))
                    rows.append(Resident(
                        name=name, relation=relation, sex="男" if male else "女",
                        birth_date=born, id_number=ids.make(born, male), area=grid,
                        phone=f"1{rng.choice('3579')}{rng.randrange(10**9):09d}"
                        if relation == "户主" or (age > 18 and rng.random() < 0.5) else ""))
                members.append(rows)
    now = timezone.now()
    _copy(Household, ["grid", "house_number", "address", "flags", "member_count", "notes",
                      "search_text", "created_at"],
          ((h.grid_id, h.house_number, h.address, h.flags, h.member_count, "", h.search_text,
            now) for h in households))
    grid_ids = list({h.grid_id for h in households})
    pks = {(g, n): pk for pk, g, n in Household.objects.filter(grid_id__in=grid_ids)
           .values_list("pk", "grid_id", "house_number")}
    _copy(Resident, ["name", "sex", "birth_date", "id_number", "phone", "household", "relation",
                     "area", "created_at"],
          ((r.name, r.sex, r.birth_date, r.id_number, r.phone,
            pks[(h.grid_id, h.house_number)], r.relation, r.area_id, now)
           for h, rows in zip(households, members, strict=True) for r in rows))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE grids_household h SET head_id = r.id FROM grids_resident r "
            "WHERE r.household_id = h.id AND r.relation = %s AND h.head_id IS NULL",
            ["户主"])


def _copy(model, fields, rows):
    """COPY rows into model's table: the bulk path for the article-scale seed."""
    meta = model._meta
    columns = ", ".join(meta.get_field(f).column for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # The next query joins what was just loaded: without fresh statistics PostgreSQL 18
        # plans it for an empty table (a nested loop over 60,000 residents, minutes a call).
        cursor.execute(f"ANALYZE {meta.db_table}")


def _seed_key_places(village_grids, rng):
    if KeyPlace.objects.exists():
        return []
    kinds = ([KeyPlace.Kind.LOGISTICS] * 8 + [KeyPlace.Kind.FREIGHT] * 5
             + [KeyPlace.Kind.SCHOOL] * 3 + [KeyPlace.Kind.FUEL] * 12)
    kinds += [KeyPlace.Kind.RENTAL] * 260
    kinds += [KeyPlace.Kind.OTHER] * 40
    kinds += [KeyPlace.Kind.NINE_SMALL] * (TOTAL_KEY_PLACES - len(kinds))
    all_grids = [grid for pairs in village_grids.values() for _g, grid in pairs]
    # Logistics, freight and schools sit in the town's communities; the rest spread out.
    community = [g for g in all_grids if "小区" in g.name] or all_grids
    names = {"物流企业": ["顺达物流", "通达物流", "陇运物流", "鑫源物流", "安捷物流", "中通网点",
                      "韵达网点", "邮政快递站"],
             "货运站": ["城北货运站", "城南货运站", "西关货运站", "温泉货运站", "东环货运站"],
             "学校": ["平襄镇第一小学", "平襄镇中学", "城关幼儿园"]}
    places, seen = [], set()
    for i, kind in enumerate(kinds):
        pool = community if kind in names else all_grids
        grid = pool[(i * 37) % len(pool)]
        if kind in names:
            name = names[kind][[k for k in kinds[:i] if k == kind].__len__()]
        elif kind == KeyPlace.Kind.NINE_SMALL:
            name = f"{rng.choice(SURNAMES)}记{rng.choice(NINE_SMALL)}"
        elif kind == KeyPlace.Kind.RENTAL:
            name = f"{grid.parent.short_name}{rng.randint(1, 120)}号出租房屋"
        elif kind == KeyPlace.Kind.FUEL:
            name = f"{grid.parent.short_name}加油站"
        else:
            name = f"{grid.parent.short_name}{rng.choice(['农贸市场', '建筑工地', '宗教活动场所'])}"
        while (grid.pk, name) in seen:
            name += "（二）"
        seen.add((grid.pk, name))
        places.append(KeyPlace(kind=kind, name=name, grid=grid,
                               address=f"{grid.parent.parent.short_name}{grid.parent.short_name}",
                               responsible_person=_name(rng),
                               contact=f"1{rng.choice('3579')}{rng.randrange(10**9):09d}"))
    KeyPlace.objects.bulk_create(places, batch_size=2000)
    return [p.pk for p in places]


def _date_screening(finished, made):
    """Key persons and places were screened (registered) during the finished campaign:
    spread their registration over its first 60 days. bulk_create stamps auto_now_add with
    the seed's own time; an UPDATE sets the real dates. Only the rows this seed made (`made`,
    ids by model): places a later seed registers today (rectification's inspected firms)
    must stay today's on every run, or a second `make run` moves them into the campaign
    and its 重点场所 figure grows from 830 to 846."""

    start = timezone.make_aware(dt.datetime.combine(finished.start_date, dt.time(9)))
    day = dt.timedelta(days=1)
    for model, ids in made.items():
        model.objects.filter(pk__in=ids, created_at__gt=start + 60 * day).update(
            created_at=ExpressionWrapper(Value(start) + Mod(F("id"), Value(60)) * Value(day),
                                         output_field=model._meta.get_field("created_at")))


def _seed_campaigns(town, today):
    finished = create_campaign(
        name=FINISHED, area=town, start_date=today - dt.timedelta(days=270),
        end_date=today - dt.timedelta(days=60), mode=Campaign.Mode.FULL,
        focus="婚恋纠纷、民间借贷",
        description="县委、县政府统一部署，全员走访、“地毯式”大走访、“拉网式”大排查。")
    current = create_campaign(
        name=f"{today.year}年{CURRENT_SUFFIX}", area=town,
        start_date=today - dt.timedelta(days=28), end_date=today + dt.timedelta(days=33),
        mode=Campaign.Mode.FOCUSED, focus="婚恋纠纷、民间借贷、欠薪纠纷",
        description="重点时段排查：春节前后返乡人员集中，婚恋、借贷、欠薪矛盾易发。")
    return finished, current


def _seed_visits(finished, current, village_grids, people, rng, today):
    if Visit.objects.filter(campaign__in=[finished, current]).exists():
        return
    households = list(Household.objects.filter(grid__in=[g for p in village_grids.values()
                                                         for _x, g in p])
                      .select_related("head").order_by("pk"))
    grid_village = {g.pk: g.parent.parent_id for p in village_grids.values() for _x, g in p}
    leaders = people["leaders"]
    workers = people["worker_of"]
    visits = []
    disputes = set(rng.sample(range(len(households)), DISPUTES_FOUND))

    def visitor(grid_id):
        return workers.get(grid_id) or leaders[grid_village[grid_id]]

    span = (finished.end_date - finished.start_date).days
    for i, h in enumerate(households):
        dispute = i in disputes
        visits.append(Visit(
            household=h, area_id=h.grid_id, village_id=grid_village[h.grid_id],
            town_id=finished.area_id, campaign=finished, visited_on=finished.start_date + dt.timedelta(
                days=rng.randrange(span + 1)),
            visit_type=Visit.Type.ROUTINE, persons_met_text=f"{h.head.name}（户主）",
            findings=[Visit.Finding.DISPUTE if dispute else Visit.Finding.NONE],
            notes=rng.choice(["彩礼返还争执，已当场调解。", "民间借贷到期未还，双方争执。",
                              "邻里宅基地边界争议。", "赡养老人费用分担争议。"]) if dispute
            else "",
            visitor=visitor(h.grid_id), idempotency_key=uuid.uuid4()))
    days_in = max(0, (today - current.start_date).days)
    for h in households:
        if rng.random() < CURRENT_SHARE:
            visits.append(Visit(
                household=h, area_id=h.grid_id, village_id=grid_village[h.grid_id],
                town_id=current.area_id, campaign=current, visited_on=current.start_date + dt.timedelta(
                    days=rng.randrange(days_in + 1)),
                visit_type=Visit.Type.ROUTINE, persons_met_text=f"{h.head.name}（户主）",
                findings=[rng.choices([Visit.Finding.NONE, Visit.Finding.LIVELIHOOD,
                                       Visit.Finding.POLICY], weights=[90, 6, 4])[0]],
                visitor=visitor(h.grid_id), idempotency_key=uuid.uuid4()))
    places = list(KeyPlace.objects.order_by("pk"))
    hazards = set(rng.sample(range(len(places)), HAZARDS_FOUND))
    for i, p in enumerate(places):
        village_id = grid_village.get(p.grid_id)
        if village_id is None:
            continue
        visits.append(Visit(
            key_place=p, area_id=p.grid_id, village_id=village_id, town_id=finished.area_id,
            campaign=finished,
            visited_on=finished.start_date + dt.timedelta(days=rng.randrange(span + 1)),
            visit_type=Visit.Type.KEY_PLACE, persons_met_text=p.responsible_person,
            findings=[Visit.Finding.HAZARD if i in hazards else Visit.Finding.NONE],
            notes=("消防通道堆放杂物，灭火器过期。" if i % 3 else "门前道路缺少减速带和警示标志。")
            if i in hazards else "",
            visitor=visitor(p.grid_id), idempotency_key=uuid.uuid4()))
    now = timezone.now()
    _copy(Visit, ["household", "key_place", "area", "village", "town", "campaign", "visited_on",
                  "visit_type", "persons_met_text", "findings", "notes", "visitor", "companions",
                  "photo", "idempotency_key", "created_at"],
          ((v.household_id, v.key_place_id, v.area_id, v.village_id, v.town_id, v.campaign_id,
            v.visited_on, v.visit_type, v.persons_met_text, [str(f) for f in v.findings],
            v.notes, v.visitor_id, "", "", v.idempotency_key, now) for v in visits))


def _seed_key_persons(village_grids, people, rng, today):
    if KeyPerson.objects.exists():
        return []
    categories = list(KeyPersonCategory.objects.order_by("sort_order"))
    grid_ids = [g.pk for p in village_grids.values() for _x, g in p]
    candidates = list(Resident.objects.filter(household__grid_id__in=grid_ids)
                      .values_list("pk", "household_id", "household__grid_id")
                      .order_by("pk"))
    chosen = rng.sample(candidates, TOTAL_KEY_PERSONS)
    # The demo grid worker's grid gets a few, some of them overdue.
    demo_grid = next(g for p in village_grids.values() for _x, g in p
                     if g.name == "高家庄社第一网格")
    demo = [c for c in candidates if c[2] == demo_grid.pk][::15][:6]
    chosen = list(dict.fromkeys(demo + chosen))[:TOTAL_KEY_PERSONS]
    last_visit = {}
    for household_id, day in (Visit.objects.filter(household_id__in=[c[1] for c in chosen])
                              .order_by("visited_on").values_list("household_id", "visited_on")):
        last_visit[household_id] = day
    rows, links = [], []
    for pk, household_id, grid_id in chosen:
        category = rng.choice(categories)
        every = category.visit_every_days
        last = last_visit.get(household_id)
        rows.append(KeyPerson(
            resident_id=pk, grid_id=grid_id, risk_level=rng.choices(
                [KeyPerson.Risk.BLUE, KeyPerson.Risk.YELLOW, KeyPerson.Risk.ORANGE,
                 KeyPerson.Risk.RED], weights=[55, 30, 12, 3])[0],
            responsible=people["worker_of"].get(grid_id), visit_every_days=every,
            last_visited_on=last,
            next_visit_due=(last or today - dt.timedelta(days=40)) + dt.timedelta(days=every)))
        links.append(category)
    KeyPerson.objects.bulk_create(rows, batch_size=2000)
    Through = KeyPerson.categories.through
    Through.objects.bulk_create([Through(keyperson_id=kp.pk, keypersoncategory_id=c.pk)
                                 for kp, c in zip(rows, links, strict=True)])
    return [kp.pk for kp in rows]
