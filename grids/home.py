"""The home page a user lands on: the post they work as, its next steps and the panels the
apps registered for it (pingxiang.registry), and the switch between their posts."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from grids.access import active_role, memberships
from pingxiang.access import scoped
from pingxiang.models import Notification
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
