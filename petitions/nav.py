from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from grids.models import Resident
from petitions.access import readable_by
from petitions.models import CoPetitioner, Petition, deadline_state
from pingxiang.metrics import counts
from pingxiang.registry import (
    SearchGroup,
    SearchHit,
    home_panel,
    nav_item,
    person_reach,
    person_section,
    search_provider,
)
from pingxiang.roles import Role

LIMIT = 20

nav_item("信访", "petitions:list", order=30, roles=[
    Role.CENTRE_STAFF, Role.LEADER, Role.SUPERVISOR, Role.VILLAGE_CADRE, Role.GRID_WORKER], group="信访", daily=[Role.CENTRE_STAFF])
nav_item("信访统计", "petitions:stats", order=31, group="信访",
         roles=[Role.CENTRE_STAFF, Role.LEADER, Role.SUPERVISOR])
nav_item("公开接访", "petitions:receptions", order=32, roles=[Role.CENTRE_STAFF, Role.LEADER],
         group="信访")


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


@search_provider(order=40)
def search_petitions(user, query):
    """Petitions by number among those the user may know of; by a petitioner's name or ID
    digits only among those they may read (petitions.access): a grid worker's search never
    tells them who petitioned."""
    if not query.text:
        return None
    by_number = list(Petition.objects.visible_to(user).filter(number__contains=query.text.upper())
                     .only("pk", "number", "status").order_by("-received_at", "-pk")[:LIMIT])
    hits = [SearchHit(p.number, reverse("petitions:detail", args=[p.pk]), "信访编号相符",
                      p.get_status_display()) for p in by_number]
    readable = readable_by(user).exclude(pk__in=[p.pk for p in by_number])
    if query.digits:
        who = Q(petitioner__id_number__endswith=query.digits)
        why = f"信访人身份证号末{len(query.digits)}位相符"
    else:
        named = Resident.objects.name_contains(query.text).values("pk")  # by index, any length
        who = (Q(petitioner__in=named)
               | Q(pk__in=CoPetitioner.objects.filter(resident__in=named).values("petition_id")))
        why = f"信访人姓名含“{query.text}”"
    hits += [SearchHit(p.number or "（未编号）", reverse("petitions:detail", args=[p.pk]), why,
                       p.get_status_display())
             for p in readable.filter(who).only("pk", "number", "status")
             .order_by("-received_at", "-pk")[:LIMIT]]
    return SearchGroup("信访", tuple(hits[:LIMIT]))


@person_reach
def petitioners(user):
    """Only where the user may read who petitioned (petitions.access.q_full)."""
    return readable_by(user).values("petitioner_id")


@person_reach
def co_petitioners(user):
    return CoPetitioner.objects.filter(petition__in=readable_by(user)).values("resident_id")


@person_section(order=40)
def petitions_of_person(user, resident):
    """The petitions this person filed, only where the user may read who petitioned."""
    rows = (readable_by(user)
            .filter(Q(petitioner=resident) | Q(co_petitioner_links__resident=resident))
            .distinct().select_related("category").order_by("-received_at")[:50])
    rows = list(rows)
    if not rows:
        return None  # not even an empty heading: it would say the section exists
    return "petitions/person_section.html", {"rows": rows}
