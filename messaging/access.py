"""Who may see and change which message settings and deliveries: one place, built on the
area tree (grids.access), like every app's access module.

- Everyone edits their own settings.
- A 系统管理员 edits the settings of the people holding a post in their areas (a town's
  administrator: that town's people), never a superuser's or a 安全审计员's (accounts the
  superuser manages), nor another administrator's; anyone else's page answers 404.
- Centre staff and administrators see the failed deliveries of their areas' people and work
  groups, and resend them."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from grids.access import has_role, q_under_user_areas
from grids.models import Membership
from messaging.models import Delivery
from pingxiang.roles import Role

PEOPLE_ROLES = (Role.ADMIN,)
FAILURE_ROLES = (Role.CENTRE_STAFF, Role.ADMIN)


def people_visible_to(user):
    """The accounts whose message settings `user` may edit as their administrator."""
    User = get_user_model()
    if not has_role(user, *PEOPLE_ROLES):
        return User.objects.none()
    in_scope = Membership.objects.filter(q_under_user_areas(user, "area", roles=PEOPLE_ROLES),
                                         is_active=True)
    protected = (Membership.objects.filter(role__in=[Role.AUDITOR, Role.ADMIN])
                 .exclude(user_id=user.pk))
    return (User.objects.filter(is_active=True, is_superuser=False,
                                pk__in=in_scope.values("user_id"))
            .exclude(pk__in=protected.values("user_id")))


def get_person_for_admin(user, pk):
    """403 for someone who administers no one; 404 for a person outside their areas."""
    if not has_role(user, *PEOPLE_ROLES):
        raise PermissionDenied("只有系统管理员可以修改他人的消息接收设置。")
    return get_object_or_404(people_visible_to(user), pk=pk)


def require_failure_role(user):
    if not has_role(user, *FAILURE_ROLES):
        raise PermissionDenied("只有综治中心工作人员和系统管理员可以查看发送失败的消息。")


def deliveries_visible_to(user):
    """Deliveries to the people holding a post in the user's areas (as centre staff or
    administrator), and to the work groups of those areas."""
    if not has_role(user, *FAILURE_ROLES):
        return Delivery.objects.none()
    members = Membership.objects.filter(q_under_user_areas(user, "area", roles=FAILURE_ROLES),
                                        is_active=True).values("user_id")
    robots = q_under_user_areas(user, "robot__area", roles=FAILURE_ROLES)
    return Delivery.objects.filter(Q(recipient_id__in=members) | (Q(robot__isnull=False) & robots))
