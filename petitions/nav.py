from django.utils import timezone

from petitions.access import readable_by
from petitions.models import Petition, deadline_state
from pingxiang.metrics import counts
from pingxiang.registry import home_panel, nav_item
from pingxiang.roles import Role

nav_item("信访", "petitions:list", order=30, roles=[
    Role.CENTRE_STAFF, Role.LEADER, Role.SUPERVISOR, Role.VILLAGE_CADRE, Role.GRID_WORKER])
nav_item("信访统计", "petitions:stats", order=31,
         roles=[Role.CENTRE_STAFF, Role.LEADER, Role.SUPERVISOR])
nav_item("公开接访", "petitions:receptions", order=32, roles=[Role.CENTRE_STAFF, Role.LEADER])


@home_panel(roles=[Role.LEADER], order=20)
def led_petitions(request):
    """领导包案: the leader's own petitions with their deadlines, overdue first."""
    now = timezone.now()
    rows = list(readable_by(request.user).filter(leader=request.user)
                .order_by("due_at", "-received_at")
                .only("id", "number", "title", "status", "clock", "due_at")[:20])
    for p in rows:
        p.state = deadline_state(p.due_at, now)
    overdue = sum(1 for p in rows if p.state == "overdue")
    return "petitions/panels/leader.html", {"rows": rows, "overdue": overdue}


@home_panel(roles=[Role.CENTRE_STAFF], order=20)
def petition_workload(request):
    now = timezone.now()
    qs = readable_by(request.user).counted()
    to_decide, open_, overdue, soon = counts([
        qs.filter(status=Petition.Status.REGISTERED), qs.open(), qs.open().overdue(now),
        qs.open().due_soon(now)])
    return "petitions/panels/centre.html", {"to_decide": to_decide, "open": open_,
                                            "overdue": overdue, "soon": soon}


@home_panel(roles=[Role.GRID_WORKER, Role.VILLAGE_CADRE], order=40)
def area_petitions(request):
    """Only that petitions exist in the area and how they stand (no names, no content)."""
    qs = Petition.objects.visible_to(request.user).counted()
    open_, total = counts([qs.open(), qs])
    return "petitions/panels/area.html", {"open": open_, "total": total}
