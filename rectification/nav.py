from django.db.models import Count, Q
from django.urls import reverse

from pingxiang.registry import home_panel, nav_item, visit_followup
from pingxiang.roles import Role

from .models import Hazard, IssueItem, today
from .stats import issue_counts

ALL_WORKERS = [Role.GRID_WORKER, Role.VISITOR, Role.VILLAGE_CADRE, Role.CENTRE_STAFF,
               Role.LEADER, Role.SUPERVISOR]

nav_item("隐患整改", "rectification:hazard_list", roles=ALL_WORKERS, order=40)
nav_item("督导检查", "rectification:team_list",
         roles=[Role.SUPERVISOR, Role.CENTRE_STAFF, Role.LEADER], order=45)
nav_item("督导问题", "rectification:issue_list", roles=[Role.VILLAGE_CADRE], order=45)
nav_item("专项整治", "rectification:index",
         roles=[Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER, Role.SUPERVISOR], order=50)


@home_panel(roles=[Role.CENTRE_STAFF, Role.LEADER, Role.VILLAGE_CADRE, Role.GRID_WORKER],
            order=40)
def hazard_panel(request):
    # One row per open state: every figure is a sum of them. Reading only open hazards
    # leaves out the closed half of a county's 15,000, and grouping by status spares
    # PostgreSQL comparing each row's status in four FILTER clauses.
    open_states = [s for s in Hazard.Status.values if s != Hazard.Status.CLOSED]
    rows = (Hazard.objects.visible_to(request.user).counted().filter(status__in=open_states)
            .order_by().values("status")
            .annotate(n=Count("*"), late=Count("pk", filter=Q(deadline__lt=today())),
                      mine=Count("pk", filter=Q(handler=request.user))))
    figures = {"open": 0, "overdue": 0, "awaiting": 0, "mine": 0}
    for row in rows:
        figures["open"] += row["n"]
        if row["status"] in Hazard.RECTIFYING_STATES:
            figures["overdue"] += row["late"]
            figures["mine"] += row["mine"]
        elif row["status"] == Hazard.Status.SUBMITTED:
            figures["awaiting"] += row["n"]
    return "rectification/panels/hazards.html", figures


@home_panel(roles=[Role.SUPERVISOR, Role.CENTRE_STAFF, Role.LEADER, Role.VILLAGE_CADRE],
            order=45)
def issue_panel(request):
    figures = issue_counts(IssueItem.objects.visible_to(request.user))
    if not figures["total"]:
        return None
    return "rectification/panels/issues.html", figures


@visit_followup
def hazards_opened_from_visit(user, visit):
    hazards = (Hazard.objects.visible_to(user).filter(source_visit_id=visit.pk)
               .only("pk", "number", "status").order_by("pk"))
    return [(f"隐患 {h.number}（{h.get_status_display()}）",
             reverse("rectification:hazard_detail", args=[h.pk])) for h in hazards]
