from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from cases import inbox, workdays
from cases.models import Case, CaseParty
from grids.access import active_role
from grids.models import Resident
from pingxiang.registry import (
    SearchGroup,
    SearchHit,
    home_panel,
    nav_item,
    person_reach,
    person_section,
    search_provider,
    visit_followup,
)
from pingxiang.roles import Role

LIMIT = 20
_WORK = [Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER]
nav_item("我的待办", "cases:my_cases", roles=_WORK, order=10, group="矛盾纠纷", daily=_WORK)
nav_item("矛盾纠纷", "cases:case_list", roles=[*_WORK, Role.SUPERVISOR, Role.ADMIN], order=20,
         group="矛盾纠纷")
nav_item("工作日历", "cases:calendar", roles=[Role.ADMIN, Role.CENTRE_STAFF], order=85,
         group="管理")


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


@search_provider(order=30)
def search_cases(user, query):
    """Cases by number, or by a party's name (within the user's cases)."""
    if not query.text:
        return None
    visible = Case.objects.visible_to(user)
    by_number = list(visible.filter(number__contains=query.text.upper()).only("pk", "number", "status")
                     .order_by("-received_at", "-pk")[:LIMIT])
    hits = [SearchHit(c.number, reverse("cases:case_detail", args=[c.pk]), "案件编号相符",
                      c.get_status_display()) for c in by_number]
    if not query.digits:
        named = Resident.objects.name_contains(query.text).values("pk")  # by index, any length
        parties = (CaseParty.objects.filter(case__in=visible, resident__in=named)
                   .exclude(case__in=[c.pk for c in by_number])
                   .select_related("case", "resident").order_by("-case__received_at", "-pk")[:LIMIT])
        hits += [SearchHit(p.case.number, reverse("cases:case_detail", args=[p.case_id]),
                           f"当事人 {p.resident.name}", p.case.get_status_display())
                 for p in parties]
    more = reverse("cases:case_list") + "?" + urlencode({"q": query.text})
    return SearchGroup("矛盾纠纷", tuple(hits[:LIMIT]), more)


@person_reach
def case_parties(user):
    return CaseParty.objects.filter(case__in=Case.objects.visible_to(user)).values("resident_id")


@person_section(order=30)
def cases_of_person(user, resident):
    links = (CaseParty.objects.filter(resident=resident, case__in=Case.objects.visible_to(user))
             .select_related("case__category", "case__village").order_by("-case__received_at"))
    return "cases/person_section.html", {"links": list(links[:50])}
