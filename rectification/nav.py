from django.db.models import Q

from grids.models import Role
from pingxiang.registry import home_panel, nav_item

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
    from .models import Hazard, today

    qs = Hazard.objects.visible_to(request.user)
    figures = qs.aggregate(
        open=_count(~Q(status=Hazard.Status.CLOSED)),
        overdue=_count(Q(status__in=Hazard.RECTIFYING_STATES, deadline__lt=today())),
        awaiting=_count(Q(status=Hazard.Status.SUBMITTED)),
        mine=_count(Q(handler=request.user, status__in=Hazard.RECTIFYING_STATES)),
    )
    return "rectification/panels/hazards.html", figures


@home_panel(roles=[Role.SUPERVISOR, Role.CENTRE_STAFF, Role.LEADER, Role.VILLAGE_CADRE],
            order=45)
def issue_panel(request):
    from .models import IssueItem
    from .stats import issue_counts

    figures = issue_counts(IssueItem.objects.visible_to(request.user))
    if not figures["total"]:
        return None
    return "rectification/panels/issues.html", figures


def _count(q):
    from django.db.models import Count

    return Count("pk", filter=q)
