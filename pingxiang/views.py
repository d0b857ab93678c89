import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from grids.access import memberships
from pingxiang.access import public, scoped
from pingxiang.context_processors import active_role
from pingxiang.models import Heartbeat, Notification
from pingxiang.redirects import safe_next, safe_url
from pingxiang.registry import panels_for
from pingxiang.roles import Role

HOME_TITLES = {
    Role.GRID_WORKER: "网格员工作台",
    Role.VISITOR: "走访工作台",
    Role.VILLAGE_CADRE: "村(社区)工作台",
    Role.CENTRE_STAFF: "综治中心工作台",
    Role.LEADER: "领导驾驶舱",
    Role.SUPERVISOR: "督导工作台",
    Role.ADMIN: "系统管理",
    Role.AUDITOR: "安全审计",
}

NEXT_STEPS = {
    Role.GRID_WORKER: ["入户走访，记录走访台账", "发现矛盾纠纷当场“随手调”，调不成的上报村调委会",
                       "发现安全隐患及时登记上报"],
    Role.VISITOR: ["按包抓分工入户走访", "走访中发现的问题如实记录并上报网格员"],
    Role.VILLAGE_CADRE: ["查看本村待调处的矛盾纠纷（二级）", "督促网格员完成本村走访",
                         "组织调委会调解，调不成的上报镇综治中心"],
    Role.CENTRE_STAFF: ["分流新登记和推送来的案件", "跟踪临期、逾期案件", "办理信访件并按期答复",
                        "交办隐患并组织验收销号"],
    Role.LEADER: ["查看全镇走访、化解、信访、隐患数据", "关注逾期事项", "对疑难案件领导包案"],
    Role.SUPERVISOR: ["到村(社区)开展督导检查", "建立问题清单并交办整改", "复核整改情况并销号"],
    Role.ADMIN: ["维护辖区、用户与岗位", "维护五级九天时限、工作日历和分类字典"],
    Role.AUDITOR: ["查阅操作记录和敏感信息访问记录"],
}


@scoped("own")
@require_GET
def home(request):
    role = active_role(request)
    if role is None:
        return render(request, "home/no_role.html", status=403)
    return render(request, "home/home.html", {
        "role": role,
        "title": HOME_TITLES[role],
        "next_steps": NEXT_STEPS[role],
        "my_memberships": [m for m in memberships(request.user) if m.role == role],
        "panels": panels_for(request, role),
        "recent_notifications": Notification.objects.filter(recipient=request.user)
        .unread()[:5],
    })


@scoped("own")
@require_POST
def switch_role(request):
    wanted = request.POST.get("role")
    if wanted in {m.role for m in memberships(request.user)}:
        request.session["role"] = wanted
    return redirect("home")


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
        import redis

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
logout_view = scoped("own")(auth_views.LogoutView.as_view())
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
