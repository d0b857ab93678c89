import time

import psycopg
from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequired
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as _DjangoSessionMiddleware
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string


class LoginRequiredMiddleware(_DjangoLoginRequired):
    """Every page needs a login unless its view is marked public (deny by default)."""


class DatabaseUnavailableMiddleware:
    """When PostgreSQL is away (restart, failover), answer a clear 503 page instead of a 500;
    the next request reconnects on its own (CONN_HEALTH_CHECKS).

    Two places can meet the outage: loading the session and user (the first queries of a
    request; were it left to LoginRequiredMiddleware.process_view, Django would answer 500),
    and the view itself (process_exception). tests/trust/test_database_restart.py plays both
    against a real gunicorn."""

    # Django wraps the driver's errors, except where it calls the driver outside its wrapper:
    # closing a server-side cursor (QuerySet.iterator(), a ModelChoiceField's options) raised
    # a bare psycopg.OperationalError in a real restart (docs/faults.md), which was a 500.
    ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError,
              psycopg.InterfaceError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            try:
                user.is_authenticated  # noqa: B018 - loads the session and the user now
            except self.ERRORS:
                return self.unavailable(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, self.ERRORS):
            return self.unavailable(request)
        return None

    def unavailable(self, request):
        return unavailable(request)


def unavailable(request):
    """The 503 page. The session could not be loaded (or saved): give the session middleware
    an empty one, so nothing reads the database again for this request; request.user becomes
    anonymous. A 5xx response is never saved to the session."""
    session = getattr(request, "session", None)
    if session is not None and not hasattr(session, "_session_cache"):
        session._session_cache = {}
    html = render_to_string("503.html", {"request": request})
    return HttpResponse(html, status=503, headers={"Retry-After": "10"})


_TOUCHED = "_touched"  # when the session's expiry was last moved on (seconds)


class SessionMiddleware(_DjangoSessionMiddleware):
    """Django's, with two changes.

    The idle timeout: a session that is used moves its expiry on (it is saved again), but at
    most once every SESSION_TOUCH_SECONDS, not on every request; a session lasts
    SESSION_COOKIE_AGE from its last use, give or take that minute.

    A session that cannot be saved because PostgreSQL went away mid-request answers the 503
    page, not "session interrupted" (400): seen under load in
    tests/trust/test_database_restart.py. A session deleted by a logout elsewhere is still 400."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if (session is not None and session.accessed and not session.modified
                and response.status_code < 500 and not session.is_empty()):
            now = int(time.time())
            if now - session.get(_TOUCHED, 0) >= settings.SESSION_TOUCH_SECONDS:
                session[_TOUCHED] = now  # modified: Django saves it with a new expiry
        try:
            return super().process_response(request, response)
        except SessionInterrupted as exc:
            cause = exc.__context__
            if isinstance(cause, UpdateError) and isinstance(
                    cause.__context__, (DatabaseError, psycopg.Error)):
                return unavailable(request)
            raise
