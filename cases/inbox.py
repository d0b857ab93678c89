"""What waits on each role (我的待办): the sections of the cases inbox and the home panels.

Each section is a queryset already limited to what the user may see through the role
that makes it theirs (cases.access.q_visible with that role)."""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.access import q_visible
from cases.models import (
    ACTIVE_STATUSES,
    Case,
    HandlerKind,
    Level,
    PauseRequest,
    Policy,
    Risk,
    Status,
)
from grids import areatree
from grids.access import active_role
from grids.models import Area
from pingxiang.metrics import counts
from pingxiang.roles import Role

LIMIT = 50

# The rungs of the ladder whose cases each role's "调处中" section follows, by who handles
# the rung: grid workers and cadres their own rung, the centre the town's rungs, leaders
# the rungs from the town's leaders up. A rung an administrator adds shows where its
# handler belongs.
FOLLOWS = {
    Role.GRID_WORKER: {HandlerKind.GRID_WORKERS},
    Role.VILLAGE_CADRE: {HandlerKind.VILLAGE_CADRES},
    Role.CENTRE_STAFF: {HandlerKind.CENTRE_STAFF, HandlerKind.VILLAGE_LEADERS,
                        HandlerKind.TOWN_LEADERS},
    Role.LEADER: {HandlerKind.VILLAGE_LEADERS, HandlerKind.TOWN_LEADERS,
                  HandlerKind.COUNTY_STAFF},
}


@dataclass
class Section:
    key: str
    title: str
    cases: list
    more_url: str = ""
    empty: str = "暂无。"


def _rows(qs):
    return list(qs.select_related("village", "category", "took_charge_by")
                .order_by("deadline", "received_at", "pk")[:LIMIT])


def _base(user, roles):
    return Case.objects.filter(q_visible(user, roles=roles))


def _overridden_towns():
    """{area pk with its own receivers (LevelOverride): the towns under it}, nearest
    override first for a town under both a city and a county that set one; {} (and no
    query) when no county differs."""
    areas = {row["area"] for rung in Level.ladder() for row in rung.overrides_data}
    if not areas:
        return {}
    held = areatree.get_many(sorted(areas))
    towns = {}
    for area in sorted(held.values(), key=lambda a: -a.depth):  # the nearest claims first
        claimed = set().union(*towns.values()) if towns else set()
        towns[area.pk] = [pk for pk in areatree.ids_under([area.path], kind=Area.Kind.TOWN)
                          if pk not in claimed]
    return towns


def _on_rungs(kinds):
    """(Q over cases, level numbers): cases at a rung handled by `kinds` as their own
    county has the ladder (a county that names other receivers for a rung moves it)."""
    numbers = {r.number for r in Level.ladder() if r.handler_kind in kinds}
    towns = _overridden_towns()
    if not towns:
        return Q(level__in=sorted(numbers)), sorted(numbers)
    everywhere = sorted(numbers)
    q = Q(level__in=everywhere) & ~Q(town_id__in=[pk for ids in towns.values() for pk in ids])
    for area_pk, town_ids in towns.items():
        area = areatree.get(area_pk)
        own = sorted(r.number for r in Level.ladder_for(area) if r.handler_kind in kinds)
        numbers.update(own)
        q |= Q(town_id__in=town_ids, level__in=own)
    return q, sorted(numbers)


def _named(user, qs):
    """[section] of the open cases of `qs` at a level their county names `user` to receive."""
    q = Q(pk__in=[])
    towns = None
    for rung in Level.ladder():
        for row in rung.overrides_data:
            if user.pk in row["users"]:
                towns = _overridden_towns() if towns is None else towns
                q |= Q(town_id__in=towns.get(row["area"], []), level=rung.number)
    if towns is None:
        return []
    return [("named", "指定由我接收的案件", qs.open().filter(q), "status=active")]


def _levels(qs, kinds, *, key="level", title=None):
    """[section] of the open cases of `qs` on the rungs handled by `kinds` (none when no
    rung is), titled after the rung ("2级待调处（村(社区)调委会）") or the rungs ("3、4级调处中")."""
    on_rungs, numbers = _on_rungs(kinds)
    if not numbers:
        return []
    rungs = [r for r in Level.ladder() if r.number in numbers]
    named = "、".join(map(str, numbers))
    if title:
        title = title.format(named)
    elif len(rungs) == 1:
        title = f"{named}级待调处（{rungs[0].name}）"
    else:
        title = f"{named}级调处中"
    more = f"level={numbers[0]}&status=active" if len(numbers) == 1 else "status=active"
    return [(key, title, qs.open().filter(on_rungs), more)]


def querysets_for(user, role, now=None):
    """[(key, title, queryset, more_query)] for the role."""
    now = now or timezone.now()
    warn = Policy.current().warn_hours
    pushed = Case.objects.filter(referral__receipts__recipient=user,
                                 referral__receipts__acted_at__isnull=True).filter(
        q_visible(user))
    followups = Q(status=Status.RESOLVED, followup_due_on__lte=timezone.localdate(now))
    out = [("pushed", "推送待签收", pushed, "")]
    if role == Role.GRID_WORKER:
        mine = _base(user, [Role.GRID_WORKER])
        out += [
            ("new", "待受理（本网格）", mine.filter(status=Status.REGISTERED), "status=registered"),
            *_levels(mine, FOLLOWS[role]),
            ("followup", "待回访", mine.filter(followups), "status=resolved"),
        ]
    elif role == Role.VILLAGE_CADRE:
        mine = _base(user, [Role.VILLAGE_CADRE])
        out += [
            ("new", "待受理（本村）", mine.filter(status=Status.REGISTERED), "status=registered"),
            *_levels(mine, FOLLOWS[role]),
            *_levels(mine, FOLLOWS[Role.GRID_WORKER], title="本村{}级案件", key="level1"),
            ("followup", "待回访", mine.filter(followups), "status=resolved"),
        ]
    elif role == Role.CENTRE_STAFF:
        mine = _base(user, [Role.CENTRE_STAFF])
        out += [
            ("new", "新登记待分流", mine.filter(status=Status.REGISTERED), "status=registered"),
            ("pause", "暂停计时待审批",
             mine.filter(pauses__state=PauseRequest.State.PENDING), ""),
            ("overdue", "已逾期", mine.overdue(now), "status=overdue"),
            ("due", f"临期（{warn}小时内到期）", mine.due_soon(now, warn), ""),
            ("red", "红色风险办理中", mine.filter(risk=Risk.RED, status__in=ACTIVE_STATUSES),
             "risk=red&status=active"),
            *_levels(mine, FOLLOWS[role]),
            *_named(user, mine),
            ("followup", "待回访", mine.filter(followups), "status=resolved"),
        ]
    elif role == Role.LEADER:
        mine = _base(user, [Role.LEADER])
        out += [
            ("charge", "我包案的案件", Case.objects.filter(took_charge_by=user,
                                                       status__in=ACTIVE_STATUSES), ""),
            *_levels(mine, FOLLOWS[role]),
            *_named(user, mine),
            ("overdue", "全镇逾期案件", mine.overdue(now), "status=overdue"),
        ]
    return out


def sections_for(request, now=None):
    role = active_role(request)
    base = reverse("cases:case_list")
    return [Section(key, title, _rows(qs), f"{base}?{more}" if more else "")
            for key, title, qs, more in querysets_for(request.user, role, now)]


def counts_for(user, role, now=None):
    """[(title, n, href)]: each count links to the rows it counts (issue 19 §5), the case
    list filtered the same way where a filter says it, else the section of 我的待办."""
    sections = querysets_for(user, role, now)
    numbers = counts(qs for _key, _title, qs, _more in sections)
    base, mine = reverse("cases:case_list"), reverse("cases:my_cases")
    return [(title, n, f"{base}?{more}" if more else f"{mine}#section-{key}")
            for (key, title, _qs, more), n in zip(sections, numbers, strict=True)]
