"""Demo town: the county, 平襄镇, its 32 real villages and communities, a few 社 and grids,
and one demo login per role. Goes through the same actions users use; idempotent."""

from demo.scale import seed_scale
from demo.villages import COUNTY, DEMO_GROUPS, TOWN, VILLAGES
from grids.actions import create_area, ensure_user, grant_membership
from grids.models import (
    Area,
    Campaign,
    Household,
    KeyPerson,
    KeyPlace,
    Resident,
    Responsibility,
    Visit,
)
from grids.roles import sync_role_groups
from pingxiang.roles import Role

DEMO_USERS = [
    # username, full name, role, where (area short name or grid name), title
    ("grid_demo", "王建国", Role.GRID_WORKER, "高家庄社第一网格", "网格员"),
    ("village_demo", "李秀英", Role.VILLAGE_CADRE, "西关村", "村调委会主任"),
    ("centre_demo", "张明", Role.CENTRE_STAFF, "平襄镇", "综治中心专干"),
    ("leader_demo", "赵志强", Role.LEADER, "平襄镇", "镇党委副书记"),
    ("supervisor_demo", "陈丽", Role.SUPERVISOR, "平襄镇", "第一督导组组员"),
    ("admin_demo", "刘洋", Role.ADMIN, "通渭县", "系统管理员"),
]


def seed_areas():
    county = create_area(parent=None, kind=Area.Kind.COUNTY, code=COUNTY[0], name=COUNTY[1],
                         short_name=COUNTY[2])
    town = create_area(parent=county, kind=Area.Kind.TOWN, code=TOWN[0], name=TOWN[1],
                       short_name=TOWN[2])
    villages = {}
    for order, (code, name, short, is_community) in enumerate(VILLAGES):
        villages[short] = create_area(parent=town, kind=Area.Kind.VILLAGE, code=code, name=name,
                                      short_name=short, is_community=is_community,
                                      sort_order=order)
    grids = {}
    for village_name, groups in DEMO_GROUPS.items():
        for order, (group_name, grid_names) in enumerate(groups):
            group = create_area(parent=villages[village_name], kind=Area.Kind.GROUP,
                                name=group_name, sort_order=order)
            for n, grid_name in enumerate(grid_names):
                grids[grid_name] = create_area(parent=group, kind=Area.Kind.GRID,
                                               name=grid_name, sort_order=n)
    return county, town, villages, grids


def run(ctx):
    sync_role_groups()
    county, town, villages, grids = seed_areas()
    ctx.update(county=county, town=town, villages=villages, grids=grids)
    places = {"通渭县": county, "平襄镇": town, **villages, **grids}
    users = {}
    for username, full_name, role, where, title in DEMO_USERS:
        user = ensure_user(username, full_name=full_name, password=ctx["password"])
        grant_membership(user, places[where], role, title=title)
        if role == Role.ADMIN and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        users[username] = user
    ctx["users"] = users
    seed_scale(ctx, demo_groups=DEMO_GROUPS)
    counts = {
        "areas": Area.objects.count(),
        "grids": Area.objects.filter(kind=Area.Kind.GRID).count(),
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "key persons": KeyPerson.objects.count(),
        "key places": KeyPlace.objects.count(),
        "visits": Visit.objects.count(),
        "campaigns": Campaign.objects.count(),
        "responsibilities": Responsibility.objects.count(),
    }
    return ", ".join(f"{v} {k}" for k, v in counts.items()) + f", {len(users)} demo users"
