"""Who may see a case and who may act on it, one condition per line."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from cases.actions import highest_start
from cases.models import Case, Level
from grids import areatree
from grids.access import area_paths, has_role, memberships, q_under_user_areas
from grids.models import Area
from pingxiang.roles import Role

WORKER_ROLES = (Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER)
READ_ROLES = WORKER_ROLES + (Role.SUPERVISOR, Role.ADMIN)

HANDLER_ROLES = {
    "grid_workers": (Role.GRID_WORKER,),
    "village_cadres": (Role.VILLAGE_CADRE,),
    "centre_staff": (Role.CENTRE_STAFF,),
    "village_leaders": (Role.LEADER,),
    "town_leaders": (Role.LEADER,),
    "county_staff": (Role.CENTRE_STAFF, Role.LEADER),
}


def _grid_worker_extra(user):
    """A grid worker also answers for cases of their village that name no grid."""
    ids = set()
    for path in area_paths(user, roles=[Role.GRID_WORKER]):
        ids.update(int(p) for p in path.strip("/").split("/") if p)
    if not ids:
        return Q(pk__in=[])
    return Q(grid__isnull=True, village_id__in=sorted(ids))


def q_visible(user, *, roles=READ_ROLES):
    roles = [r for r in roles]
    q = q_under_user_areas(user, "area", roles=roles, town="town", village="village")
    if Role.GRID_WORKER in roles:
        q |= _grid_worker_extra(user)
    return q


def _covers(user, case, roles):
    """The user holds one of `roles` over the case's area."""
    for m in memberships(user):
        if m.role not in roles:
            continue
        if case.area.path.startswith(m.area.path):
            return True
        if (m.role == Role.GRID_WORKER and case.grid_id is None
                and m.area.path.startswith(case.village.path)):
            return True
    return False


def is_worker(user, case):
    return _covers(user, case, WORKER_ROLES)


def is_centre(user, case):
    return _covers(user, case, (Role.CENTRE_STAFF,))


def is_leader(user, case):
    return _covers(user, case, (Role.LEADER,))


def handles_level(user, case, level=None):
    """The user answers for the case at its current level: a handler of that level over
    the case, the centre (which drives procedure at every level), or the leader who took
    charge of it (包案)."""

    if case.took_charge_by_id == user.pk:
        return True
    if is_centre(user, case):
        return True
    number = level or case.level
    rung = Level.rung_for(case.town, number) if number else None
    if rung is None:
        return False
    if user.pk in rung.named_recipient_ids:  # the case's county names them for this level
        return True
    roles = HANDLER_ROLES.get(rung.handler_kind, ())
    if rung.handler_kind == "county_staff":
        return any(m.role in roles and m.area.kind == Area.Kind.COUNTY
                   and case.area.path.startswith(m.area.path) for m in memberships(user))
    return _covers(user, case, roles)


# Below the centre, whoever takes a registered case starts it on a rung they (or the grid
# workers under them) handle: a village cadre at the grid's or the village's rung.
ACCEPT_KINDS = {
    Role.VILLAGE_CADRE: ("grid_workers", "village_cadres"),
    Role.GRID_WORKER: ("grid_workers",),
}


def acceptable_levels(user, case):
    """Levels this user may start a registered case at, read from the ladder and the
    policy's red threshold."""
    top = highest_start(case)
    rungs = [r for r in Level.ladder_for(case.town) if r.number <= top]
    if is_centre(user, case):
        return [r.number for r in rungs]
    for role, kinds in ACCEPT_KINDS.items():
        if _covers(user, case, (role,)):
            return [r.number for r in rungs if r.handler_kind in kinds]
    return []


# action name -> who may perform it (given the case is visible)
def may(user, case, action):
    if action == "accept":
        return _covers(user, case, (Role.CENTRE_STAFF, Role.VILLAGE_CADRE, Role.GRID_WORKER))
    if action in {"record_session", "resolve", "close_unresolved", "escalate", "send_down",
                  "request_pause", "resume"}:
        return handles_level(user, case)
    if action in {"decide_pause", "archive"}:
        return is_centre(user, case)
    if action == "take_charge":
        return is_leader(user, case)
    if action in {"follow_up", "confirm_judicially", "attach", "acknowledge"}:
        return is_worker(user, case)
    if action in {"correct", "correct_parties"}:
        # What was typed at intake: the centre, or the cadre of the case's village.
        return _covers(user, case, (Role.CENTRE_STAFF, Role.VILLAGE_CADRE))
    if action in {"regrade", "withdraw", "merge"}:
        # The risk decides who hears and how high the case may go; withdrawing and merging
        # change the figures: the centre of the case's town alone (issue 19).
        return is_centre(user, case)
    return False


def get_case_for_user(user, pk, *, write=False):
    """The case with what its page needs; 404 when not visible, 403 when visible but the
    user may not act on cases (a supervisor, an auditor). Its four areas come from the tree
    each process holds (joined too, the query had nine tables, which PostgreSQL took longer
    to plan than to run)."""

    case = get_object_or_404(
        Case.objects.visible_to(user).select_related(
            "category", "handler", "took_charge_by", "registered_by"), pk=pk)
    areas = areatree.get_many([case.town_id, case.village_id, case.area_id, case.grid_id])
    case.town, case.village, case.area = (areas[case.town_id], areas[case.village_id],
                                          areas[case.area_id])
    case.grid = areas.get(case.grid_id)
    if write and not is_worker(user, case):
        raise PermissionDenied("您只能查看此案件，不能办理。")
    return case


def check(user, case, action):
    if not may(user, case, action):
        raise PermissionDenied("您的岗位不能对此案件执行该操作。")


def can_register(user):
    return has_role(user, Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER)


def intake_villages(user):
    """Villages the user may register a case in."""
    paths = area_paths(user)
    villages = Area.objects.villages().filter(
        Q(pk__in=Area.objects.visible_to(user).values("pk"))
        | Q(pk__in=[int(p) for path in paths for p in path.strip("/").split("/") if p])
    )
    return villages.order_by("sort_order", "name")
