from django.urls import reverse
from django.utils import timezone

from cases import inbox, workdays
from cases.models import Case
from grids.access import active_role
from pingxiang.registry import home_panel, nav_item, visit_followup
from pingxiang.roles import Role

_WORK = [Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER]
nav_item("我的待办", "cases:my_cases", roles=_WORK, order=10)
nav_item("矛盾纠纷", "cases:case_list", roles=[*_WORK, Role.SUPERVISOR, Role.ADMIN], order=20)
nav_item("工作日历", "cases:calendar", roles=[Role.ADMIN, Role.CENTRE_STAFF], order=85)


@home_panel(roles=[Role.ADMIN, Role.CENTRE_STAFF], order=1)
def calendar_missing(request):
    gaps = workdays.calendar_gaps(timezone.localdate())
    if not gaps:
        return None
    return "cases/panels/calendar_missing.html", {"gaps": gaps}


@home_panel(roles=_WORK, order=20)
def case_work(request):
    role = active_role(request)
    return "cases/panels/work.html", {"counts": inbox.counts_for(request.user, role)}


@visit_followup
def cases_opened_from_visit(user, visit):
    cases = (Case.objects.visible_to(user).filter(source_visit_id=visit.pk)
             .only("pk", "number", "status").order_by("pk"))
    return [(f"矛盾纠纷 {c.number}（{c.get_status_display()}）",
             reverse("cases:case_detail", args=[c.pk])) for c in cases]
