from django.conf import settings

from grids.access import centre_name, memberships
from pingxiang.models import Notification
from pingxiang.registry import nav_for
from pingxiang.roles import ROLE_PRIORITY, Role


def active_role(request):
    """The role the user is working as: chosen in the header, else their first by priority."""
    held = {Role(m.role) for m in memberships(request.user)}
    chosen = request.session.get("role") if hasattr(request, "session") else None
    if chosen in held:
        return Role(chosen)
    for role in ROLE_PRIORITY:
        if role in held:
            return role
    return None


def site(request):
    # Not "site_name": Django's auth views set that one to the request's host.
    return {"platform_name": settings.SITE_NAME}


def csp_nonce(request):
    """django-csp 4 names it CSP_NONCE; django-htmx's {% htmx_script %} reads csp_nonce."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


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
        "unread_count": unread_count,  # evaluated lazily, once, where the header uses it
        "centre_name": lambda: centre_name(user),  # the footer's; lazy like unread_count
    }
