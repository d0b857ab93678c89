"""A person whose password was set by an administrator (a new account, a reset) changes it
before anything else: every page but the password form and logging out leads there.

The flag is put in the session at login (grids.apps connects user_logged_in), so a request
costs nothing once it is gone; while it is there, one query checks whether the temporary
password is still the one in use."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from grids.accounts import must_change_password

SESSION_KEY = "must_change_password"
# The password form, logging out, and what every page loads on its own (the service worker
# is fetched by the browser, which refuses one behind a redirect).
ALLOWED = ("password_change", "logout", "service_worker", "offline")


def mark_on_login(sender, request, user, **kwargs):
    if must_change_password(user):
        request.session[SESSION_KEY] = True


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):
            if not request.user.is_authenticated or not must_change_password(request.user):
                del session[SESSION_KEY]
            elif request.path not in {reverse(name) for name in ALLOWED}:
                messages.info(request, "管理员为您设置了临时密码，请先修改密码再继续。")
                return redirect("password_change")
        return self.get_response(request)
