"""What the sub-domains' views share: calling an action with its refusal as a message, the
users who may be named handler, the user's town, the default deadline."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model

from ..actions import ActionError
from ..models import Policy, today


def run_action(request, func, *args, success, **kwargs):
    """Call an action; show its Chinese refusal as a message. True on success."""
    try:
        func(*args, actor=request.user, **kwargs)
    except ActionError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True


def users_under(area):
    return (get_user_model().objects.filter(
        is_active=True, memberships__is_active=True, memberships__area__path__startswith=area.path)
        .distinct().order_by("last_name", "first_name", "username"))


def default_deadline():
    return today() + dt.timedelta(days=Policy.current().default_deadline_days)
