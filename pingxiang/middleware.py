from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequired
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string


class LoginRequiredMiddleware(_DjangoLoginRequired):
    """Every page needs a login unless its view is marked public (deny by default)."""


class DatabaseUnavailableMiddleware:
    """When PostgreSQL is away (restart, failover), answer a clear 503 page instead of a 500;
    the next request reconnects on its own (CONN_HEALTH_CHECKS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            # The session could not be loaded either; give the session middleware an empty
            # one so it can finish the response (a 5xx response is never saved).
            session = getattr(request, "session", None)
            if session is not None and not hasattr(session, "_session_cache"):
                session._session_cache = {}
            html = render_to_string("503.html", {"request": request})
            return HttpResponse(html, status=503, headers={"Retry-After": "10"})
        return None
