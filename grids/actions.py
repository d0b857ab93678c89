"""Writes to the area tree and to who holds which role where."""

from django.contrib.auth import get_user_model
from django.db import transaction

from grids.access import forget
from grids.models import Area, Membership, Role
from grids.roles import group_for
from pingxiang import audit

CHILD_KIND = {
    None: Area.Kind.COUNTY,
    Area.Kind.COUNTY: Area.Kind.TOWN,
    Area.Kind.TOWN: Area.Kind.VILLAGE,
    Area.Kind.VILLAGE: Area.Kind.GROUP,
    Area.Kind.GROUP: Area.Kind.GRID,
}


class AreaError(ValueError):
    pass


@transaction.atomic
def create_area(*, parent, kind, name, short_name="", code="", is_community=False,
                sort_order=0, actor=None):
    """Add a node under parent. Returns the existing node when one of that name is there
    already (so seeding twice changes nothing)."""
    kind = Area.Kind(kind)
    expected = CHILD_KIND[parent.kind if parent else None]
    # A grid may hang directly under a village that has no 社/小区 level.
    if kind != expected and not (kind == Area.Kind.GRID and parent and
                                 parent.kind == Area.Kind.VILLAGE):
        raise AreaError(f"{parent or '顶层'}下只能建立“{expected.label}”，不能建立“{kind.label}”。")
    existing = Area.objects.filter(parent=parent, name=name).first()
    if existing:
        return existing
    area = Area.objects.create(
        parent=parent, kind=kind, name=name, short_name=short_name or name, code=code,
        is_community=is_community, sort_order=sort_order,
        path=f"tmp-{name}-{parent.pk if parent else 0}",
        depth=(parent.depth + 1) if parent else 0,
    )
    prefix = parent.path if parent else "/"
    Area.objects.filter(pk=area.pk).update(path=f"{prefix}{area.pk}/")
    area.refresh_from_db(fields=["path"])
    audit.record(area, actor=actor, action="area.create", action_label="新建辖区",
                 to_state=kind.label)
    return area


@transaction.atomic
def grant_membership(user, area, role, *, title="", actor=None):
    """Attach user to area with role (idempotent) and put them in the role's group."""
    role = Role(role)
    membership, created = Membership.objects.get_or_create(
        user=user, area=area, role=role, defaults={"title": title}
    )
    if not created and not membership.is_active:
        Membership.objects.filter(pk=membership.pk).update(is_active=True)
        created = True
    user.groups.add(group_for(role))
    forget(user)
    if created:
        audit.record(membership, actor=actor, action="membership.grant",
                     action_label="授予岗位", to_state=role.label)
    return membership


@transaction.atomic
def revoke_membership(membership, *, actor, reason=""):
    updated = Membership.objects.filter(pk=membership.pk, is_active=True).update(is_active=False)
    if updated:
        audit.record(membership, actor=actor, action="membership.revoke",
                     action_label="撤销岗位", from_state="有效", to_state="撤销", reason=reason)
        still = Membership.objects.filter(user=membership.user, role=membership.role,
                                          is_active=True).exists()
        if not still:
            membership.user.groups.remove(group_for(membership.role))
        forget(membership.user)
    return bool(updated)


def ensure_user(username, *, full_name, password, actor=None):
    """Find or create a login. The password is set only when the user is created."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"last_name": full_name[:1], "first_name": full_name[1:]},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


