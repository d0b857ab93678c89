"""Who may see which area. Every other app's visible_to(user) is built from these:
a user sees what lies beneath the areas of their active memberships, nothing else
(no exception for superusers: deny by default)."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from grids.models import Area, Membership, Role

_CACHE_ATTR = "_pingxiang_memberships"


def memberships(user):
    """The user's active memberships with their areas, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.active().filter(user=user).select_related("area")
            .order_by("area__path")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user):
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def roles_of(user):
    return {Role(m.role) for m in memberships(user)}


def has_role(user, *roles):
    return bool(roles_of(user) & {Role(r) for r in roles})


def area_paths(user, *, roles=None):
    """Materialised paths of the areas the user answers for (optionally for some roles)."""
    wanted = None if roles is None else {Role(r) for r in roles}
    paths = sorted({m.area.path for m in memberships(user) if wanted is None or m.role in wanted})
    # Drop paths already covered by a shorter one, so the OR stays short.
    kept = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def q_under_user_areas(user, field="area", *, roles=None):
    """A Q object: `field` (a ForeignKey to Area) lies under one of the user's areas.

    No areas means a Q that matches nothing."""
    paths = area_paths(user, roles=roles)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def areas_visible_to(user):
    """Every area at or beneath the user's areas (one indexed query)."""
    return Area.objects.under_paths(area_paths(user))


visible_areas = areas_visible_to


def get_area_for_user(user, pk):
    """404 unless the area lies beneath one of the user's areas."""
    return get_object_or_404(areas_visible_to(user).select_related("parent"), pk=pk)


def user_can_see_area(user, area):
    return any(area.path.startswith(p) for p in area_paths(user))
