"""Roles as Django groups with permissions. Each app lists what its roles may do in its
own `roles.py` as PERMISSIONS = {Role: ["app_label.codename", ...]}; sync_role_groups()
gathers them all, so adding a permission never means editing another app's file."""

from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from grids.models import Role

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
    """Create one group per role and set exactly its permissions (idempotent)."""
    for role, perms in all_role_permissions().items():
        group = group_for(role)
        wanted = []
        for dotted in sorted(perms):
            app_label, codename = dotted.split(".", 1)
            wanted.append(Permission.objects.get(content_type__app_label=app_label,
                                                 codename=codename))
        group.permissions.set(wanted)
