import time

import redis
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from pingxiang import offline
from pingxiang.access import public, scoped
from pingxiang.models import Heartbeat, Notification
from pingxiang.redirects import safe_next, safe_url


@scoped("own")
@require_GET
def inbox(request):
    items = Notification.objects.filter(recipient=request.user)
    if request.GET.get("unread"):
        items = items.unread()
    page = list(items[:200])
    template = "inbox.html#list" if request.htmx else "inbox.html"
    return render(request, template, {"items": page, "only_unread": bool(request.GET.get("unread"))})


@scoped("own")
@require_POST
def inbox_open(request, pk):
    """Mark one of the user's own messages read and go to what it is about."""
    note = Notification.objects.filter(recipient=request.user, pk=pk).first()
    if note is None:
        return redirect("inbox")
    Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(note.url or reverse("inbox"))


@scoped("own")
@require_POST
def inbox_read_all(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now())
    return redirect("inbox")


@public
@require_GET
def healthz(request):
    """Database, broker and beat heartbeat; 503 when any of them is not well."""
    result = {"database": "ok", "broker": "ok", "heartbeat_age_seconds": None}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = Heartbeat.objects.filter(name="beat").first()
        if beat is None:
            result["heartbeat"] = "missing"
            healthy = False
        else:
            age = (timezone.now() - beat.beat_at).total_seconds()
            result["heartbeat_age_seconds"] = round(age, 1)
            if age > settings.HEARTBEAT_MAX_AGE_SECONDS:
                result["heartbeat"] = "stale"
                healthy = False
            else:
                result["heartbeat"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "database down"
        result["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    try:
        started = time.monotonic()
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1,
                                      socket_timeout=1)
        client.ping()
        result["broker_ms"] = round((time.monotonic() - started) * 1000, 1)
    except Exception as exc:  # noqa: BLE001
        result["broker"] = f"error: {exc.__class__.__name__}"
        healthy = False
    result["status"] = "ok" if healthy else "error"
    return JsonResponse(result, status=200 if healthy else 503)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self):
        # Django's check is the same; going through safe_next keeps one rule for every `next`.
        return safe_next(self.request, "")


login_view = public(LoginView.as_view())
_logout = auth_views.LogoutView.as_view()


@scoped("own")
def logout_view(request, *args, **kwargs):
    """Django's logout, and the phone forgets this user: the browser drops the service
    worker's cached pages, its queue and everything kept for the pages (issue 21 §1; the
    pages warn first when visits are still waiting to be sent)."""
    response = _logout(request, *args, **kwargs)
    if request.method == "POST":
        response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@public
@require_GET
def service_worker(request):
    """The service worker (templates/offline/sw.js), from the site root so that it may
    look after every page. No data in it, so no login needed; never cached by HTTP caches,
    so a deploy reaches the phones at their next page."""
    response = render(request, "offline/sw.js", offline.settings_for_worker(),
                      content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@public
@require_GET
def offline_page(request):
    """What the service worker shows for a page it has no copy of, without signal. Cached at
    install for whoever is on the phone, so it holds nothing of any user: the queue and the
    household search fill in from the phone's own storage (static/js/offline.js)."""
    return render(request, "offline/offline.html")
password_change = scoped("own")(auth_views.PasswordChangeView.as_view(
    template_name="registration/password_change.html", success_url="/account/password/done/"))
password_change_done = scoped("own")(auth_views.PasswordChangeDoneView.as_view(
    template_name="registration/password_change_done.html"))


def error_403(request, exception=None):
    return render(request, "403.html", {"message": str(exception or "")}, status=403)


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: almost always a form left open past its session, or a page
    restored from the browser's history. Say so, and link back to the page it came from."""
    back = safe_url(request, request.META.get("HTTP_REFERER", ""), "/")
    return render(request, "403_csrf.html", {"back": back}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
