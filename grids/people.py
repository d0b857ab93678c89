"""Who answers for an area: the lookups every app uses to route work and notifications.

These are the stable interface (cases, petitions and rectification call them); how the
answer is stored (memberships, 包抓 assignments) may grow behind them.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from grids import areatree
from grids.models import Area, Responsibility
from pingxiang.roles import Role


def _users(role, areas):
    User = get_user_model()
    return list(
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=role,
            memberships__area__in=areas,
        ).distinct().order_by("pk")
    )


def village_of(area):
    """The 村(社区) at or above area (None above village level). Parents already loaded
    with the area (select_related("grid__parent__parent")) are walked without a query."""
    parent = Area._meta.get_field("parent")
    node = area
    while node is not None:
        if node.kind == Area.Kind.VILLAGE:
            return node
        if node.kind in (Area.Kind.TOWN, Area.Kind.COUNTY):
            return None
        if not parent.is_cached(node):
            break
        node = node.parent
    ids = area.ancestor_ids()
    return Area.objects.filter(pk__in=ids, kind=Area.Kind.VILLAGE).first()


def _above(area, kind):
    """The area of this kind at or above `area`, from the tree each process holds."""
    if area.kind == kind:
        return area
    return next((a for a in areatree.get_many(area.ancestor_ids()).values() if a.kind == kind),
                None)


def town_of(area):
    return _above(area, Area.Kind.TOWN)


def county_of(area):
    return _above(area, Area.Kind.COUNTY)


def village_leaders(village):
    """包村领导: the leaders assigned to this village by a 包抓 responsibility, plus anyone
    holding a LEADER membership on the village itself (not the town's leaders at large)."""

    User = get_user_model()
    assigned = User.objects.filter(
        is_active=True, responsibilities__is_active=True, responsibilities__area=village,
        responsibilities__kind=Responsibility.Kind.VILLAGE_LEADER,
    ).values("pk")
    by_membership = User.objects.filter(
        is_active=True, memberships__is_active=True, memberships__role=Role.LEADER,
        memberships__area=village,
    ).values("pk")
    return list(User.objects.filter(Q(pk__in=assigned) | Q(pk__in=by_membership))
                .order_by("pk"))


def responsible_for(area):
    """Active 包抓 responsibilities at and above area (grid → 社 → village), nearest first."""

    ids = area.ancestor_ids()
    return list(Responsibility.objects.filter(area_id__in=ids, is_active=True)
                .select_related("user", "area").order_by("-area__depth", "kind"))


def village_cadres(village):
    return _users(Role.VILLAGE_CADRE, [village])


def grid_workers(area):
    """Grid workers of the grids at or beneath area."""
    return _users(Role.GRID_WORKER, Area.objects.under(area))


def centre_staff(town):
    return _users(Role.CENTRE_STAFF, [town])


def town_leaders(town):
    return _users(Role.LEADER, [town])


def county_staff(county):
    return _users(Role.CENTRE_STAFF, [county]) + _users(Role.LEADER, [county])


def active_users(ids):
    """The active users among these keys (named receivers a policy row lists), by key."""
    return list(get_user_model().objects.filter(pk__in=list(ids), is_active=True).order_by("pk"))
