"""Roles as Django groups with permissions. Each app lists what its roles may do in its
own `roles.py` as PERMISSIONS = {Role: ["app_label.codename", ...]}; sync_role_groups()
gathers them all, so adding a permission never means editing another app's file."""

from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from grids.access import memberships
from pingxiang.roles import Role

PERMISSIONS = {
    Role.ADMIN: ["grids.add_area", "grids.change_area", "grids.view_area",
                 "grids.add_membership", "grids.change_membership", "grids.view_membership",
                 "auth.add_user", "auth.change_user", "auth.view_user",
                 "grids.add_householdflag", "grids.change_householdflag",
                 "grids.view_householdflag", "grids.add_keypersoncategory",
                 "grids.change_keypersoncategory", "grids.view_keypersoncategory",
                 "grids.add_campaign", "grids.change_campaign", "grids.view_campaign",
                 "grids.add_responsibility", "grids.view_responsibility",
                 "grids.view_household", "grids.view_keyplace", "grids.view_keyperson",
                 "grids.view_visit"],
    Role.LEADER: ["grids.view_area", "grids.view_membership"],
    Role.CENTRE_STAFF: ["grids.view_area", "grids.view_membership"],
    Role.SUPERVISOR: ["grids.view_area"],
    Role.VILLAGE_CADRE: ["grids.view_area"],
    Role.GRID_WORKER: ["grids.view_area"],
    Role.VISITOR: ["grids.view_area"],
    Role.AUDITOR: ["pingxiang.view_auditevent", "pingxiang.view_accessevent"],
}


def all_role_permissions():
    merged = {role: set() for role in Role}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.roles")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.roles":
                raise
            continue
        for role, perms in getattr(module, "PERMISSIONS", {}).items():
            merged[Role(role)].update(perms)
    return merged


def group_for(role):
    return Group.objects.get_or_create(name=Role(role).label)[0]


@transaction.atomic
def sync_role_groups():
    """Create one group per role and set exactly its permissions (idempotent). The
    permissions are read in one query, not one each (every test's cast runs this)."""
    by_role = all_role_permissions()
    named = set().union(*by_role.values())
    found = {f"{p.content_type.app_label}.{p.codename}": p
             for p in Permission.objects.select_related("content_type").filter(
                 codename__in={dotted.split(".", 1)[1] for dotted in named})}
    missing = sorted(named - found.keys())
    if missing:
        raise Permission.DoesNotExist(f"no such permission: {', '.join(missing)}")
    for role, perms in by_role.items():
        group_for(role).permissions.set([found[dotted] for dotted in sorted(perms)])


# --- Who may hand out which post ----------------------------------------------------------
# A post may be granted only by someone holding a higher-ranked post over the same area, and
# never to oneself. The system administrator ranks above every working role, so they staff
# the town (网格员 … 领导, 督导组) but cannot appoint another administrator, nor an auditor:
# administrators and the 安全审计员 who reads their work are the superuser's to appoint
# (等保2.0 separation of duties). The auditor has no rank: no one but a superuser grants it.
ROLE_RANK = {
    Role.VISITOR: 1,
    Role.GRID_WORKER: 2,
    Role.VILLAGE_CADRE: 3,
    Role.SUPERVISOR: 4,
    Role.CENTRE_STAFF: 4,
    Role.LEADER: 5,
    Role.ADMIN: 6,
}


def grant_refusal(actor, user, area, role):
    """Why `actor` may not give (or take away) `user`'s post `role` over `area`, or None if
    they may. Used for grants and revocations alike: taking a post away is the same power."""

    role = Role(role)
    if user is not None and user.pk == actor.pk:
        return "不能给自己授予或撤销岗位。"
    if actor.is_superuser:
        return None
    if role not in ROLE_RANK or role == Role.ADMIN:
        return f"“{role.label}”只能由超级管理员任命。"
    ranks = [ROLE_RANK.get(Role(m.role), 0) for m in memberships(actor)
             if area.path.startswith(m.area.path)]
    if not ranks:
        return "只能在本人管辖的辖区内授予岗位。"
    if max(ranks) <= ROLE_RANK[role]:
        return f"不能授予与本人同级或更高的岗位（{role.label}）。"
    return None
