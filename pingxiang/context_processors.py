from grids.access import memberships
from grids.models import ROLE_PRIORITY, Role
from pingxiang.models import Notification
from pingxiang.prepared import prepared
from pingxiang.registry import nav_for

# The header's unread count, on every page: compiled once per process.
_unread = prepared(lambda user_id: Notification.objects.filter(
    recipient_id=user_id, read_at__isnull=True).order_by().values("pk"))


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


def csp_nonce(request):
    """django-csp 4 names it CSP_NONCE; django-htmx's {% htmx_script %} reads csp_nonce."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread_count():
        return _unread.count(user.pk)

    role = active_role(request)
    held = sorted({Role(m.role) for m in memberships(user)}, key=ROLE_PRIORITY.index)
    return {
        "active_role": role,
        "held_roles": held,
        "nav_items": nav_for({role}) if role else [],
        "unread_count": unread_count,  # evaluated lazily, once, where the header uses it
    }
