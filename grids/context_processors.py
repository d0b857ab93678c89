"""The shell around every page: the user's posts, the one they work as, their navigation,
unread messages and the centre named in the footer."""

from django.urls import reverse

from grids.access import active_role, centre_name, memberships
from grids.offline import FIELD_ROLES
from pingxiang.models import Notification
from pingxiang.registry import nav_for, nav_menu
from pingxiang.roles import ROLE_PRIORITY, Role


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread_count():
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    role = active_role(request)
    held = sorted({Role(m.role) for m in memberships(user)}, key=ROLE_PRIORITY.index)
    return {
        "active_role": role,
        "held_roles": held,
        "nav_items": nav_for({role}) if role else [],
        "nav_menu": nav_menu(role) if role else None,
        "unread_count": unread_count,  # evaluated lazily, once, where the header uses it
        "centre_name": lambda: centre_name(user),  # the footer's; lazy like unread_count
        # Grid workers and visitors keep their grid on the phone (grids.offline), in that
        # post only: a change of post wipes the phone's copies, and another post's pages
        # would fill it again.
        "offline_bundle_url": reverse("grids:offline_bundle") if role in FIELD_ROLES else "",
    }
