"""A county-scale dataset for the benchmark (issue 8): 通渭县 with its 18 towns.

Full scale (--towns 18): ~330 villages and communities, 130,000 households with residents,
2,000,000 visits over the last year, 30,000 dispute cases over every level and state,
8,000 petitions, 15,000 hazards, 2,000 supervision items. With fewer towns every figure
shrinks in proportion (a town is 1/18 of each).

Seeded (the same arguments give the same rows) and bulk: ids are reserved from each
table's sequence and rows go in with COPY, so a household can name its head before the
residents' COPY (foreign keys are deferred to the commit). Each town is one transaction
and a town already present is skipped, so a run can be resumed or extended.

The invariants the app relies on are kept: Area paths and depths; village/town/grid
columns agreeing with the area; open cases (受理/调处中) have a level, a handler, a
deadline from the ladder and one open LevelStint; every timestamp a status implies is
set and none it does not; case, petition and hazard numbers in the app's formats with the
case counters moved past them.
"""

import datetime as dt
import random
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from cases.actions import level_deadline
from cases.models import (
    Agreement,
    Case,
    CaseCounter,
    CaseParty,
    FollowUp,
    Level,
    LevelStint,
)
from cases.models import (
    Category as CaseCategory,
)
from cases.models import (
    Policy as CasePolicy,
)
from demo.scale import GIVEN, RELATIONS, SURNAMES, IdNumbers
from demo.villages import COUNTY, TOWN, VILLAGES
from grids.actions import create_area, grant_membership
from grids.models import Area, Household, Membership, Resident, Responsibility, Visit
from grids.roles import group_for, sync_role_groups
from grids.textsearch import household_search_text
from petitions.actions import deadline_after
from petitions.models import Category as PetitionCategory
from petitions.models import Petition, Rating, TimeLimit
from pingxiang.roles import Role
from rectification.models import (
    Hazard,
    HazardCategory,
    IssueCategory,
    IssueItem,
    SupervisionRound,
    SupervisionTeam,
    SupervisionVisit,
)
from rectification.models import (
    Policy as RectificationPolicy,
)

TOWNS = ["平襄镇", "马营镇", "鸡川镇", "榜罗镇", "常家河镇", "义岗川镇", "陇阳镇", "陇山镇", "陇川镇",
         "碧玉镇", "襄南镇", "什川镇", "华家岭镇", "北城铺镇", "新景乡", "李家店乡", "第三铺乡",
         "寺子川乡"]
FULL = {"villages": 330, "households": 130_000, "visits": 2_000_000, "cases": 30_000,
        "petitions": 8_000, "hazards": 15_000, "issues": 2_000}
GROUPS_PER_VILLAGE = 4
PASSWORD = "bench-pass-2026"
SYLLABLES = "安宝柏北川大东丰福高古何河红华黄吉家金井康李柳龙芦马梅孟南蒲青泉三山上石双水寺松唐桃天田王西下湘新杏阳杨油榆玉园张赵中"
SUFFIX = "村"
GROUP_SUFFIXES = "庄湾岔坪沟山川堡台河"


@dataclass(frozen=True)
class TownSpec:
    """One town to generate: its name and code, the county it lies in, where its users'
    names start (t01_centre…), its place in the county, its number in the whole run (seeds
    and reference numbers) and whether it takes the real villages of 平襄镇."""

    name: str
    county: object
    user_prefix: str
    sort_order: int
    run_index: int
    code: str = ""
    real_villages: bool = False
    case_prefix: str = ""


def _aware(day, hour=9, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _split(total, parts):
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


# --- bulk helpers ---------------------------------------------------------------------

def reserve(model, n):
    """Reserve n consecutive ids from model's sequence; returns the first."""
    if n <= 0:
        return 0
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        seq = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [seq])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [seq, first + n - 1])
    return first


def _default(field, now):
    if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
        return now
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if field.empty_strings_allowed:
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} needs a value")


def copy_rows(model, fields, rows, now):
    """COPY tuples for `fields` (attnames, "id" included when reserved) into model's table;
    every other concrete column gets its default."""
    meta = model._meta
    given = [meta.get_field(f) for f in fields]
    columns = [f.column for f in given]
    tail = []
    for f in meta.concrete_fields:
        if f.column in columns or (f.primary_key and "id" not in fields):
            continue
        columns.append(f.column)
        tail.append(_default(f, now))
    tail = tuple(tail)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
                f"COPY {meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row) + tail)
                count += 1
        # Later steps query what was just loaded: leave the planner statistics for it.
        cursor.execute(f"ANALYZE {meta.db_table}")
    return count


def _copy_dicts(model, rows, now):
    """COPY dict rows; a key missing from a row takes the field's default."""
    if not rows:
        return 0
    fields = list(dict.fromkeys(k for r in rows for k in r))
    defaults = {}
    for f in fields:
        try:
            defaults[f] = _default(model._meta.get_field(f), now)
        except ValueError:
            defaults[f] = None  # a required column: every row carries it
    return copy_rows(model, fields, (tuple(r.get(f, defaults[f]) for f in fields)
                                     for r in rows), now)


# --- areas and people ------------------------------------------------------------------

def _county():
    if Area.objects.filter(parent__isnull=True, kind=Area.Kind.CITY).exists():
        raise ValueError("这个数据库的顶层是一个市（generate_city 的数据），不能再生成县级数据。")
    county = Area.objects.filter(parent__isnull=True, name=COUNTY[1]).first()
    if county:
        return county

    return create_area(parent=None, kind=Area.Kind.COUNTY, code=COUNTY[0], name=COUNTY[1],
                       short_name=COUNTY[2])


def _village_names(rng, n, spec):
    if spec.real_villages:
        return [(code, name, short, community) for code, name, short, community in VILLAGES]
    names, seen = [], set()
    town_short = spec.name.removesuffix("镇").removesuffix("乡")
    names.append(("", f"{town_short}社区居民委员会", f"{town_short}社区", True))
    while len(names) < n:
        short = rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + SUFFIX
        if short in seen:
            continue
        seen.add(short)
        names.append(("", f"{short[:-1]}村民委员会", short, False))
    return names


def _areas(spec, n_villages, rng, now):
    """Town, villages, 社/小区 and one grid per 社: ids reserved, paths computed here."""
    name, code, county = spec.name, spec.code, spec.county
    villages = _village_names(rng, n_villages, spec)
    n_groups = len(villages) * GROUPS_PER_VILLAGE
    first = reserve(Area, 1 + len(villages) + 2 * n_groups)
    ids = iter(range(first, first + 1 + len(villages) + 2 * n_groups))
    rows = []
    town_id = next(ids)
    town_path = f"{county.path}{town_id}/"
    rows.append((town_id, county.pk, Area.Kind.TOWN, code, name, name, False, town_path,
                 county.depth + 1, spec.sort_order))
    out = {"town": town_id, "town_path": town_path, "villages": [], "grids": []}
    for v, (vcode, vname, vshort, community) in enumerate(villages):
        vid = next(ids)
        vpath = f"{town_path}{vid}/"
        rows.append((vid, town_id, Area.Kind.VILLAGE, vcode, vname, vshort, community, vpath,
                     county.depth + 2, v))
        out["villages"].append((vid, vshort, community))
        used = set()
        for g in range(GROUPS_PER_VILLAGE):
            while True:
                gname = (f"{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}小区" if community
                         else f"{rng.choice(SURNAMES)}家{rng.choice(GROUP_SUFFIXES)}社")
                if gname not in used:
                    used.add(gname)
                    break
            gid, grid_id = next(ids), next(ids)
            gpath = f"{vpath}{gid}/"
            rows.append((gid, vid, Area.Kind.GROUP, "", gname, gname, False, gpath,
                         county.depth + 3, g))
            rows.append((grid_id, gid, Area.Kind.GRID, "", f"{gname}网格", f"{gname}网格",
                         False, f"{gpath}{grid_id}/", county.depth + 4, 0))
            out["grids"].append((grid_id, vid, f"{vshort}{gname}"))
    copy_rows(Area, ["id", "parent", "kind", "code", "name", "short_name", "is_community",
                     "path", "depth", "sort_order"], rows, now)
    return out


def _users(spec, areas, password, now):
    """Per town: centre staff, a leader (also 包村领导 of every village), a supervisor; a
    cadre per village; a grid worker per grid. Usernames t01_centre, t01v03_cadre,
    t01g0007_grid... Returns {role key: user id}."""

    User = get_user_model()
    t = spec.user_prefix
    wanted = [(f"{t}_centre", Role.CENTRE_STAFF, areas["town"]),
              (f"{t}_leader", Role.LEADER, areas["town"]),
              (f"{t}_super", Role.SUPERVISOR, areas["town"])]
    wanted += [(f"{t}v{j + 1:02d}_cadre", Role.VILLAGE_CADRE, vid)
               for j, (vid, _s, _c) in enumerate(areas["villages"])]
    wanted += [(f"{t}g{k + 1:04d}_grid", Role.GRID_WORKER, gid)
               for k, (gid, _v, _n) in enumerate(areas["grids"])]
    rng = random.Random(spec.run_index)
    User.objects.bulk_create([
        User(username=u, password=password, last_name=rng.choice(SURNAMES),
             first_name=rng.choice(GIVEN)) for u, _r, _a in wanted], batch_size=2000)
    ids = dict(User.objects.filter(username__in=[u for u, _r, _a in wanted])
               .values_list("username", "id"))
    Membership.objects.bulk_create([
        Membership(user_id=ids[u], area_id=a, role=r) for u, r, a in wanted], batch_size=2000)
    Through = User.groups.through
    groups = {r: group_for(r).pk for r in {r for _u, r, _a in wanted}}
    Through.objects.bulk_create([Through(user_id=ids[u], group_id=groups[r])
                                 for u, r, _a in wanted], batch_size=2000)
    leader = ids[f"{t}_leader"]
    Responsibility.objects.bulk_create(
        [Responsibility(user_id=leader, area_id=vid, kind=Responsibility.Kind.VILLAGE_LEADER)
         for vid, _s, _c in areas["villages"]]
        + [Responsibility(user_id=ids[f"{t}g{k + 1:04d}_grid"], area_id=gid,
                          kind=Responsibility.Kind.GRID_WORKER)
           for k, (gid, _v, _n) in enumerate(areas["grids"])], batch_size=2000)
    return {
        "centre": ids[f"{t}_centre"], "leader": leader, "super": ids[f"{t}_super"],
        "cadre": {vid: ids[f"{t}v{j + 1:02d}_cadre"]
                  for j, (vid, _s, _c) in enumerate(areas["villages"])},
        "grid": {gid: ids[f"{t}g{k + 1:04d}_grid"]
                 for k, (gid, _v, _n) in enumerate(areas["grids"])},
    }


def county_users(county, password, prefix="cty", word="县"):
    """cty_leader (领导), cty_centre (综治中心), cty_admin (系统管理员) on the county (or
    another prefix, on a city's county or on the city itself)."""

    User = get_user_model()
    out = {}
    for username, role in ((f"{prefix}_leader", Role.LEADER),
                           (f"{prefix}_centre", Role.CENTRE_STAFF),
                           (f"{prefix}_admin", Role.ADMIN)):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"password": password, "last_name": word,
                                         "first_name": role.label})
        grant_membership(user, county, role)
        out[username] = user.pk
    return out


# --- households, residents, visits -----------------------------------------------------

def _households(n, areas, rng, ids, now):
    grids = areas["grids"]
    per_grid = _split(n, len(grids))
    this_year = timezone.localdate().year
    h_first = reserve(Household, n)
    households, residents = [], []
    by_grid = {}
    r_rows = []
    hid = h_first
    for (gid, _vid, gname), count in zip(grids, per_grid, strict=True):
        by_grid[gid] = []
        for house in range(1, count + 1):
            surname = rng.choice(SURNAMES)
            size = rng.choices([1, 2, 3, 4, 5, 6], weights=[8, 22, 25, 25, 13, 7])[0]
            head_age = rng.randint(28, 82)
            people = [("户主", surname + rng.choice(GIVEN), head_age, rng.random() < 0.85)]
            for _ in range(size - 1):
                relation = rng.choice(RELATIONS)
                age = max(1, min(99, head_age + rng.randint(-30, 5)))
                people.append((relation, surname + rng.choice(GIVEN), age,
                               relation in ("子", "父亲", "孙子")))
            flags = ["外出务工"] if size > 1 and rng.random() < 0.3 else []
            if rng.random() < 0.08:
                flags.append("低保")
            address = f"{gname}{house}号"
            members = []
            for relation, name, age, male in people:
                born = dt.date(this_year - age, rng.randint(1, 12), rng.randint(1, 28))
                members.append((name, "男" if male else "女", born, ids.make(born, male),
                                f"1{rng.choice('3579')}{rng.randrange(10**9):09d}"
                                if relation == "户主" else "", relation, gid))
            households.append((hid, gid, str(house), address, flags, size,
                               household_search_text(address, str(house),
                                                     [p[1] for p in people])))
            r_rows.append((hid, members))
            by_grid[gid].append(hid)
            hid += 1
    r_first = reserve(Resident, sum(len(m) for _h, m in r_rows))
    heads = {}
    rid = r_first
    for h, members in r_rows:
        heads[h] = (rid, members[0][0])
        for m in members:
            residents.append((rid, *m, h))
            rid += 1
    copy_rows(Household, ["id", "grid", "house_number", "address", "flags", "member_count",
                          "search_text", "head"],
              ((*h, heads[h[0]][0]) for h in households), now)
    copy_rows(Resident, ["id", "name", "sex", "birth_date", "id_number", "phone", "relation",
                         "area", "household"], residents, now)
    return {"by_grid": by_grid, "heads": heads, "residents": (r_first, rid - 1)}


def _visits(n, areas, people, users, rng, today, now):
    grids = areas["grids"]
    findings_pool = ([["无异常"]] * 90 + [["矛盾纠纷"]] * 3 + [["安全隐患"]] * 2
                     + [["民生诉求"]] * 3 + [["政策咨询"]] * 2)
    times = {}

    def stamp(day):
        if day not in times:
            times[day] = _aware(day, 10)
        return times[day]

    def rows():
        for _ in range(n):
            gid, vid, _name = grids[rng.randrange(len(grids))]
            homes = people["by_grid"][gid]
            hid = homes[rng.randrange(len(homes))]
            day = today - dt.timedelta(days=rng.randrange(365))
            yield (hid, gid, vid, areas["town"], day, Visit.Type.ROUTINE,
                   f"{people['heads'][hid][1]}（户主）", rng.choice(findings_pool), users["grid"][gid],
                   uuid.UUID(int=rng.getrandbits(128), version=4), stamp(day))

    return copy_rows(Visit, ["household", "area", "village", "town", "visited_on",
                             "visit_type", "persons_met_text", "findings", "visitor", "idempotency_key",
                             "created_at"], rows(), now)


# --- dispute cases ----------------------------------------------------------------------

CASE_MIX = [("registered", 5), ("accepted", 10), ("mediating", 20), ("resolved", 30),
            ("followed_up", 15), ("unresolved", 5), ("archived", 15)]
LEVEL_MIX = [1] * 45 + [2] * 25 + [3] * 18 + [4] * 8 + [5] * 4


def _cases(n, areas, people, users, county_ids, rng, today, now):
    rungs = {r.number: r for r in Level.objects.all()}
    top = max(rungs)
    categories = list(CaseCategory.objects.filter(is_active=True).values_list("pk", "name"))
    policy = CasePolicy.current()
    prefix = areas["case_prefix"]
    grids = areas["grids"]
    first = reserve(Case, n)
    statuses = [s for s, w in CASE_MIX for _ in range(w)]
    counters = {}
    cases, stints, agreements, followups, parties = [], [], [], [], []
    deadlines = {}
    r_lo, r_hi = people["residents"]

    def handler_for(level, gid, vid):
        return {1: users["grid"][gid], 2: users["cadre"][vid], 3: users["centre"],
                4: users["leader"], 5: county_ids["leader"]}[level]

    for i in range(n):
        pk = first + i
        gid, vid, _g = grids[rng.randrange(len(grids))]
        status = statuses[rng.randrange(len(statuses))]
        cat_id, cat_name = categories[rng.randrange(len(categories))]
        risk = rng.choices(["blue", "yellow", "orange", "red"], weights=[50, 30, 15, 5])[0]
        level = LEVEL_MIX[rng.randrange(len(LEVEL_MIX))]
        if status in ("registered", "accepted", "mediating"):
            # Open work is recent (the sweep escalates what runs out); a few cases sit
            # overdue at the top level, where there is nowhere left to escalate.
            if status != "registered" and rng.random() < 0.03:
                level = 5
                received = now - dt.timedelta(hours=rng.randrange(80, 240))
            else:
                received = now - dt.timedelta(hours=rng.randrange(2, 30))
        else:
            received = now - dt.timedelta(days=rng.randrange(12, 365), hours=rng.randrange(24))
        year = timezone.localtime(received).year
        counters[year] = counters.get(year, 0) + 1
        number = f"{prefix}-{year}-{counters[year]:04d}"
        row = dict(id=pk, number=number, town_id=areas["town"], village_id=vid, area_id=gid,
                   grid_id=gid, category_id=cat_id, risk=risk,
                   description=f"{cat_name}纠纷：双方就相关事项发生争执，需调解处理。",
                   source=rng.choice(["visit", "walkin", "grid", "court", "police",
                                      "petition"]),
                   received_at=received, registered_by_id=users["grid"][gid], status=status,
                   level=None, level_started_at=None, deadline=None, handler_id=None,
                   resolved_at=None, resolved_level=None, resolution_method="",
                   unresolved_route="", followup_due_on=None, followup_notified=False,
                   archived_at=None)
        if status != "registered":
            started = received + dt.timedelta(hours=rng.randrange(1, 4))
            row.update(level=level, handler_id=handler_for(level, gid, vid))
            started = min(started, now - dt.timedelta(minutes=5))
            key = (level, timezone.localtime(started).date())
            if key not in deadlines:
                deadlines[key] = level_deadline(rungs[level], _aware(key[1], 9))
            deadline = deadlines[key]
            if status in ("accepted", "mediating") and level < top and deadline <= now:
                # The minute's sweep would have moved this clock on already (over a weekend
                # or a holiday a 30-hour-old case has run out): it started just now.
                started = now - dt.timedelta(minutes=5)
                deadline = level_deadline(rungs[level], started)
        if status in ("accepted", "mediating"):
            row.update(level_started_at=started, deadline=deadline,
                       # the sweep has warned already when the deadline is near
                       warned_deadline=deadline
                       if deadline <= now + dt.timedelta(hours=policy.warn_hours) else None)
            stints.append((pk, level, started, deadline, None, "", None))
        elif status != "registered":
            ended = started + dt.timedelta(hours=rng.randrange(2, 60))
            row.update(level_started_at=started, resolved_at=ended, resolved_level=level)
            if status == "unresolved":
                row.update(unresolved_route=rng.choice(["诉讼", "仲裁", "行政部门"]))
                stints.append((pk, level, started, deadline, ended, "unresolved",
                               ended <= deadline))
            else:
                method = "people" if level <= 3 else rng.choice(["people", "admin"])
                row.update(resolution_method=method,
                           followup_due_on=timezone.localtime(ended).date()
                           + dt.timedelta(days=policy.followup_days))
                # The sweep has sent the follow-up reminder of every earlier day.
                row["followup_notified"] = row["followup_due_on"] < today
                stints.append((pk, level, started, deadline, ended, "resolved",
                               ended <= deadline))
                agreements.append((pk, "oral", method, level, row["description"],
                                   "双方互谅互让，按约定处理。", "当面履行。",
                                   timezone.localtime(ended).date(), row["handler_id"],
                                   ended))
                if status in ("followed_up", "archived"):
                    row["followup_notified"] = True
                    followups.append((pk, row["followup_due_on"], True, "satisfied",
                                      row["handler_id"]))
                if status == "archived":
                    row["archived_at"] = ended + dt.timedelta(days=policy.followup_days + 3)
        cases.append(row)
        a, b = rng.randint(r_lo, r_hi), rng.randint(r_lo, r_hi)
        parties.append((pk, a, "申请人"))
        if b != a:
            parties.append((pk, b, "被申请人"))
    _copy_dicts(Case, cases, now)
    copy_rows(LevelStint, ["case", "level", "started_at", "deadline", "ended_at", "outcome",
                           "on_time"], stints, now)
    copy_rows(Agreement, ["case", "kind", "method", "level", "facts", "terms", "performance",
                          "reached_on", "mediator", "created_at"], agreements, now)
    copy_rows(FollowUp, ["case", "visited_on", "carried_out", "satisfaction", "visitor"],
              followups, now)

    copy_rows(CaseParty, ["case", "resident", "role"], parties, now)
    for year, last in counters.items():
        CaseCounter.objects.update_or_create(town_id=areas["town"], year=year,
                                             defaults={"last": last})
    return len(cases)


# --- petitions -------------------------------------------------------------------------

PETITION_MIX = [("registered", 8), ("accepted", 22), ("closed", 60), ("not_accepted", 5),
                ("transferred", 5)]


def _petitions(n, areas, people, users, rng, today, now):
    days = dict(TimeLimit.objects.values_list("code", "days"))
    categories = list(PetitionCategory.objects.values_list("pk", flat=True))
    statuses = [s for s, w in PETITION_MIX for _ in range(w)]
    channels = ["online", "livelihood", "letter", "visit", "phone"]
    grids = areas["grids"]
    r_lo, r_hi = people["residents"]
    first = reserve(Petition, n)
    rows, ratings = [], []
    t = areas["run_index"] + 1
    for i in range(n):
        pk = first + i
        gid, vid, _g = grids[rng.randrange(len(grids))]
        status = statuses[rng.randrange(len(statuses))]
        channel = channels[rng.randrange(len(channels))]
        if status in ("registered",):
            received = now - dt.timedelta(hours=rng.randrange(1, 24 * 12))
        elif status == "accepted":
            received = now - dt.timedelta(days=rng.randrange(2, 55))
        else:
            received = now - dt.timedelta(days=rng.randrange(20, 365))
        decide_due = deadline_after(received, days["decide"])
        r = dict(id=pk, number=f"XF{timezone.localtime(received):%Y}-{pk:05d}",
                 channel=channel,
                 order_type=rng.choice(["求助", "咨询", "建议", "投诉"])
                 if channel == "livelihood" else "",
                 channel_ref=f"B{t:02d}-{pk}" if channel in ("online", "livelihood") else "",
                 area_id=gid, village_id=vid, town_id=areas["town"], received_at=received,
                 status=status, petitioner_id=rng.randint(r_lo, r_hi),
                 title="反映相关问题，请求协调解决", content="信访人反映的主要诉求及事实（生成数据）。",
                 category_id=categories[rng.randrange(len(categories))],
                 registered_by_id=users["centre"], clock="", due_at=None, remind_at=None,
                 decide_due_at=decide_due, decided_at=None, decided_by_id=None,
                 decision_reason="", transferred_to="", accepted_at=None, handle_due_at=None,
                 closed_at=None, closed_on_time=None, reply="", reply_by_id=None,
                 review_request_until=None, rating_handling="", rating_result="",
                 rated_at=None, created_at=received)
        decided = received + dt.timedelta(days=rng.randrange(0, 10), hours=2)
        if status == "registered":
            r.update(clock="decide", due_at=decide_due, remind_at=decide_due)
        elif status in ("not_accepted", "transferred"):
            r.update(decided_at=decided, decided_by_id=users["centre"],
                     decision_reason="不属于本机关受理范围。" if status == "not_accepted"
                     else "依法转送有权处理的机关。",
                     transferred_to="县人社局" if status == "transferred" else "")
        else:
            decided = min(decided, now - dt.timedelta(hours=1))
            handle_due = deadline_after(decided, days["handle"])
            r.update(decided_at=decided, decided_by_id=users["centre"], accepted_at=decided,
                     handle_due_at=handle_due)
            if status == "accepted":
                r.update(clock="handle", due_at=handle_due, remind_at=handle_due)
            else:
                closed = min(decided + dt.timedelta(days=rng.randrange(3, 70)),
                             now - dt.timedelta(minutes=30))
                r.update(closed_at=closed, closed_on_time=closed <= handle_due,
                         reply="经调查核实，已按政策予以答复。", reply_by_id=users["centre"],
                         review_request_until=deadline_after(closed, days["review_request"]))
                if rng.random() < 0.7:
                    h = rng.choices(["满意", "基本满意", "不满意"], weights=[80, 15, 5])[0]
                    res = rng.choices(["满意", "基本满意", "不满意"], weights=[75, 18, 7])[0]
                    rated = min(closed + dt.timedelta(days=2), now)
                    r.update(rating_handling=h, rating_result=res, rated_at=rated)
                    ratings.append((pk, h, res, "电话回访", users["centre"], rated))
        if r["clock"]:  # what the sweep has done already
            r["reminded_clock"] = r["clock"] if r["remind_at"] <= now else ""
            r["overdue_clock"] = r["clock"] if r["due_at"] <= now else ""
        rows.append(r)
    _copy_dicts(Petition, rows, now)
    copy_rows(Rating, ["petition", "handling", "result", "method", "recorded_by",
                       "recorded_at"], ratings, now)
    return len(rows)


# --- hazards and supervision ---------------------------------------------------------------

HAZARD_MIX = [("registered", 8), ("assigned", 12), ("rectifying", 15), ("submitted", 8),
              ("verified", 7), ("closed", 50)]
ISSUE_MIX = [("open", 10), ("assigned", 30), ("reported", 15), ("passed", 10), ("closed", 35)]


def _hazards(n, areas, users, rng, today, now):
    due_soon = RectificationPolicy.current().due_soon_days

    categories = list(HazardCategory.objects.values_list("pk", "name"))
    statuses = [s for s, w in HAZARD_MIX for _ in range(w)]
    order = [s for s, _w in HAZARD_MIX]
    grids = areas["grids"]
    first = reserve(Hazard, n)
    rows = []
    for i in range(n):
        pk = first + i
        gid, vid, gname = grids[rng.randrange(len(grids))]
        status = statuses[rng.randrange(len(statuses))]
        stage = order.index(status)
        cat_id, cat_name = categories[rng.randrange(len(categories))]
        back = 3 + rng.randrange(40) if stage < 5 else 30 + rng.randrange(330)
        found = today - dt.timedelta(days=back)
        r = dict(id=pk, number=f"YH{found:%Y}{pk:05d}",
                 source=rng.choice(["inspection", "visit", "supervision", "public"]),
                 category_id=cat_id, grade="重大" if rng.random() < 0.05 else "一般",
                 location=gname, area_id=gid, village_id=vid,
                 description=f"{cat_name}隐患：现场检查发现问题，需限期整改。", found_date=found,
                 reported_by_id=users["grid"][gid], status=status, order_no="",
                 responsible_unit="", responsible_person="", handler_id=None, measures="",
                 deadline=None, assigned_at=None, assigned_by_id=None, rectified_at=None,
                 rectified_by_id=None, verified_at=None, verified_by_id=None, closed_at=None,
                 created_at=_aware(found, 11))
        if stage >= 1:
            assigned = _aware(found, 15)
            r.update(order_no=f"JB{pk:06d}", responsible_unit=f"{gname[:6]}村委会",
                     responsible_person=rng.choice(SURNAMES) + rng.choice(GIVEN),
                     handler_id=users["cadre"][vid], measures="按要求限期整改。",
                     deadline=found + dt.timedelta(days=rng.choice([7, 15, 30])),
                     assigned_at=assigned, assigned_by_id=users["centre"])
        if stage in (1, 2):  # what the sweep has done already
            if r["deadline"] < today:
                r["overdue_flagged_at"] = _aware(r["deadline"] + dt.timedelta(days=1), 0, 5)
            if r["deadline"] <= today + dt.timedelta(days=due_soon):
                r["due_reminded_at"] = _aware(
                    max(r["deadline"] - dt.timedelta(days=due_soon), found), 0, 5)
        if stage >= 3:
            r.update(rectified_at=min(_aware(found + dt.timedelta(days=rng.randrange(1, 20)),
                                             16), now - dt.timedelta(hours=3)),
                     rectified_by_id=users["cadre"][vid], rectification_note="已整改完毕。")
        if stage >= 4:
            r.update(verified_at=r["rectified_at"] + dt.timedelta(hours=2),
                     verified_by_id=users["centre"], verification_note="验收合格。")
        if stage >= 5:
            r.update(closed_at=r["verified_at"] + dt.timedelta(hours=1))
        rows.append(r)
    _copy_dicts(Hazard, rows, now)
    return len(rows)


def _supervision(n, areas, users, rng, today, now):
    team = SupervisionTeam.objects.create(name="第一督导组", town_id=areas["town"])
    rnd = SupervisionRound.objects.create(team=team, name=f"{today.year}年第一轮",
                                          start_date=today - dt.timedelta(days=90))
    categories = list(IssueCategory.objects.values_list("pk", flat=True))
    visits = SupervisionVisit.objects.bulk_create([
        SupervisionVisit(round=rnd, area_id=vid, date=today - dt.timedelta(days=80 - j % 60),
                         members="镇纪委、综治中心、司法所、信访办", summary="督导检查情况（生成数据）。",
                         created_by_id=users["super"])
        for j, (vid, _s, _c) in enumerate(areas["villages"])])
    statuses = [s for s, w in ISSUE_MIX for _ in range(w)]
    order = [s for s, _w in ISSUE_MIX]
    numbers = {}
    rows = []
    for _ in range(n):
        visit = visits[rng.randrange(len(visits))]
        numbers[visit.pk] = numbers.get(visit.pk, 0) + 1
        status = statuses[rng.randrange(len(statuses))]
        stage = order.index(status)
        created = _aware(visit.date, 16)
        r = dict(visit_id=visit.pk, number=numbers[visit.pk], area_id=visit.area_id,
                 village_id=visit.area_id, category_id=categories[rng.randrange(len(categories))],
                 description="台账资料不完整，走访记录未及时录入。", requirement="限期整改并报送佐证。",
                 status=status, responsible_unit="", handler_id=None, deadline=None,
                 assigned_at=None, assigned_by_id=None, report="", reported_at=None,
                 reported_by_id=None, rechecked_at=None, rechecked_by_id=None, closed_at=None,
                 created_by_id=users["super"], created_at=created)
        if stage >= 1:
            r.update(responsible_unit="村委会", handler_id=users["cadre"][visit.area_id],
                     deadline=visit.date + dt.timedelta(days=rng.choice([10, 20, 30, 120])),
                     assigned_at=created + dt.timedelta(hours=1), assigned_by_id=users["super"])
        if stage == 1 and r["deadline"] < today:  # flagged by an earlier sweep
            r["overdue_flagged_at"] = _aware(r["deadline"] + dt.timedelta(days=1), 0, 5)
        if stage >= 2:
            r.update(report="已按要求整改。", reported_at=created + dt.timedelta(days=5),
                     reported_by_id=users["cadre"][visit.area_id])
        if stage >= 3:
            r.update(rechecked_at=created + dt.timedelta(days=6), rechecked_by_id=users["super"])
        if stage >= 4:
            r.update(closed_at=created + dt.timedelta(days=7))
        rows.append(r)
    if rows:
        _copy_dicts(IssueItem, rows, now)
    return len(rows)


# --- one town, the whole county ------------------------------------------------------------

def generate_town(spec, share, n_villages, county_ids, password, ids, *, seed, log):
    """One town in one transaction, skipped when its county has it already (so a run can
    be resumed). `share` is its count of each kind of record. Returns its counts or None."""
    if Area.objects.filter(parent=spec.county, name=spec.name).exists():
        log(f"{spec.county.name}{spec.name}: already there, skipped")
        return None
    rng = random.Random(seed * 100 + spec.run_index)
    now = timezone.now()
    today = timezone.localdate()
    started = timezone.now()
    with transaction.atomic():
        areas = _areas(spec, n_villages, rng, now)
        areas["run_index"] = spec.run_index
        areas["case_prefix"] = spec.case_prefix or spec.name.removesuffix("镇")
        users = _users(spec, areas, password, now)
        people = _households(share["households"], areas, rng, ids, now)
        counts = {"villages": len(areas["villages"]), "grids": len(areas["grids"]),
                  "households": share["households"]}
        counts["visits"] = _visits(share["visits"], areas, people, users, rng, today, now)
        counts["cases"] = _cases(share["cases"], areas, people, users, county_ids, rng,
                                 today, now)
        counts["petitions"] = _petitions(share["petitions"], areas, people, users, rng,
                                         today, now)
        counts["hazards"] = _hazards(share["hazards"], areas, users, rng, today, now)
        counts["issues"] = _supervision(share["issues"], areas, users, rng, today, now)
    counts["seconds"] = round((timezone.now() - started).total_seconds(), 1)
    log(f"{spec.county.name}{spec.name}: {counts}")
    return counts


DEFERRED_INDEXES = "demo_deferred_index"


@contextmanager
def indexes_built_after(*models):
    """Run the block with the tables' secondary indexes (neither unique nor a constraint's)
    dropped, and build them again at its end: building each once over a city's 13 million
    visits costs less than updating a dozen of them row by row through every COPY. Nothing
    in the generator reads these tables by them. The definitions wait in a table of their
    own, so a run stopped midway leaves them there and the next run builds them."""
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {DEFERRED_INDEXES} "
                       "(name text PRIMARY KEY, definition text NOT NULL)")
        cursor.execute(f"""
            INSERT INTO {DEFERRED_INDEXES}
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
              AND NOT x.indisunique AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            ON CONFLICT DO NOTHING""", [tables])
        cursor.execute(f"SELECT name FROM {DEFERRED_INDEXES}")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    yield
    build_deferred_indexes()


def build_deferred_indexes():
    """Build what indexes_built_after dropped (nothing when it has not run)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [DEFERRED_INDEXES])
        if cursor.fetchone()[0] is None:
            return
        if connection.in_atomic_block:  # a test's: the deferred foreign keys are checked
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # now, or CREATE INDEX refuses
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(f"SELECT name, definition FROM {DEFERRED_INDEXES} ORDER BY name")
        for name, definition in cursor.fetchall():
            cursor.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
            cursor.execute(f"DELETE FROM {DEFERRED_INDEXES} WHERE name = %s", [name])
        cursor.execute(f"DROP TABLE {DEFERRED_INDEXES}")
        cursor.execute("RESET maintenance_work_mem")


def vacuum():
    """VACUUM as well as ANALYZE: after millions of COPYed rows the visibility map is empty,
    so every index-only scan (the dashboard's visit counts) would still read the table
    until autovacuum got round to it; a live system's tables are vacuumed."""
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:  # inside a test's transaction VACUUM is not allowed
            cursor.execute("ANALYZE")


def generate(towns=18, *, seed=20261129, log=print):
    """Generate the first `towns` towns of 通渭县. Returns {town name: counts}."""

    towns = max(1, min(towns, len(TOWNS)))
    sync_role_groups()
    password = make_password(PASSWORD)
    with transaction.atomic():
        county = _county()
        county_ids = {"leader": county_users(county, password)["cty_leader"]}
    n_villages = _split(FULL["villages"] - len(VILLAGES), len(TOWNS) - 1)
    share = {k: v // len(TOWNS) for k, v in FULL.items()}
    report = {}
    ids = IdNumbers(random.Random(seed))
    for t in range(towns):
        name = TOWNS[t]
        spec = TownSpec(name=name, county=county, user_prefix=f"t{t + 1:02d}", sort_order=t,
                        run_index=t, code=TOWN[0] if name == TOWN[1] else "",
                        real_villages=t == 0)
        counts = generate_town(spec, share, len(VILLAGES) if t == 0 else n_villages[t - 1],
                               county_ids, password, ids, seed=seed, log=log)
        if counts is not None:
            report[name] = counts
    vacuum()
    return report
