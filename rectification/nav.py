import re

from django.db.models import Count, Q
from django.urls import reverse

from grids.models import Visit
from pingxiang.registry import (
    SearchGroup,
    SearchHit,
    home_panel,
    nav_item,
    person_section,
    search_provider,
    visit_followup,
)
from pingxiang.roles import Role

from .models import Hazard, IssueItem, today
from .stats import issue_counts

LIMIT = 20
ALL_WORKERS = [Role.GRID_WORKER, Role.VISITOR, Role.VILLAGE_CADRE, Role.CENTRE_STAFF,
               Role.LEADER, Role.SUPERVISOR]

nav_item("隐患整改", "rectification:hazard_list", roles=ALL_WORKERS, order=40,
         group="隐患与督导")
nav_item("督导检查", "rectification:team_list",
         roles=[Role.SUPERVISOR, Role.CENTRE_STAFF, Role.LEADER], order=45,
         group="隐患与督导", daily=[Role.SUPERVISOR])
nav_item("督导问题", "rectification:issue_list", roles=[Role.VILLAGE_CADRE], order=45,
         group="隐患与督导")
nav_item("专项整治", "rectification:index",
         roles=[Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER, Role.SUPERVISOR], order=50,
         group="隐患与督导")


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


@search_provider(order=50)
def search_hazards(user, query):
    """Hazards by number or by the named person responsible; supervision issues by the person
    responsible or their description ("问题3" finds issue 3 of each visit the user sees)."""
    if not query.text or query.digits or query.initials:
        return None
    hazards = (Hazard.objects.visible_to(user)
               .filter(Q(number__contains=query.text.upper()) | Q(responsible_person__contains=query.text))
               .only("pk", "number", "status", "responsible_person")
               .order_by("-found_date", "-pk")[:LIMIT])
    hits = [SearchHit(h.number or "（未编号）", reverse("rectification:hazard_detail", args=[h.pk]),
                      "隐患编号相符" if h.number and query.text.upper() in h.number.upper()
                      else f"责任人 {h.responsible_person}", h.get_status_display())
            for h in hazards]
    issue_no = re.fullmatch(r"问题(\d{1,4})", query.text)
    issues = IssueItem.objects.visible_to(user)
    if issue_no:
        issues = issues.filter(number=int(issue_no.group(1)))
    else:
        issues = issues.filter(Q(responsible_person__contains=query.text)
                               | Q(description__contains=query.text))
    hits += [SearchHit(str(i), reverse("rectification:issue_detail", args=[i.pk]),
                       "问题序号相符" if issue_no else "责任人或问题描述相符", i.get_status_display())
             for i in issues.order_by("-pk")[:LIMIT]]
    return SearchGroup("隐患与督导问题", tuple(hits[:LIMIT]))


@person_section(order=50)
def hazards_of_person(user, resident):
    """Hazards found on visits to this person's household or that met them, and those that
    name them as the person responsible in their village."""
    met = Visit.objects.filter(Q(persons_met=resident) | Q(household_id=resident.household_id)
                               if resident.household_id else Q(persons_met=resident))
    named = Q(responsible_person=resident.name)
    village = resident.household.grid.parent.parent if resident.household_id else None
    if village is not None:
        named &= Q(village=village)
    else:
        named = Q(pk__in=[])
    rows = list(Hazard.objects.visible_to(user)
                .filter(Q(source_visit_id__in=met.values("pk")) | named)
                .select_related("category").order_by("-found_date", "-pk")[:50])
    return "rectification/person_section.html", {"rows": rows}
