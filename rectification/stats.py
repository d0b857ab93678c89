"""Counts the pages and the dashboard need, all from indexed columns (village, dates,
status, category, place kind). Each function takes a queryset already scoped to the user,
so the dashboard can pass `Hazard.objects.visible_to(user).filter(found_date__range=...)`."""

from django.db.models import Count, Q, Sum

from grids.models import KeyPlace

from .models import Centre, Hazard, Inspection, IssueItem, LegalActivity, today


def inspections_by_kind(qs):
    """[(kind label, places, inspections)] for every key-place kind that was inspected."""
    rows = qs.counts_by_place_kind()
    return [(label, rows[value]["places"], rows[value]["inspections"])
            for value, label in KeyPlace.Kind.choices if value in rows]


def hazards_by_category(qs):
    """[(category, found, rectified (验收通过或销号), closed)] ordered by category."""
    done = Q(status__in=[Hazard.Status.VERIFIED, Hazard.Status.CLOSED])
    return list(qs.values_list("category__name").annotate(
        found=Count("pk"), rectified=Count("pk", filter=done),
        closed=Count("pk", filter=Q(status=Hazard.Status.CLOSED)),
    ).order_by("category__sort_order", "category__name"))


def issue_counts(qs):
    """Total, open, closed and overdue items: summed from one row per status, which
    PostgreSQL groups faster than it compares each row's status in FILTER clauses."""
    rows = qs.order_by().values("status").annotate(
        n=Count("*"), late=Count("pk", filter=Q(deadline__lt=today())))
    figures = {"total": 0, "open": 0, "closed": 0, "overdue": 0}
    for row in rows:
        figures["total"] += row["n"]
        figures["closed" if row["status"] == IssueItem.Status.CLOSED else "open"] += row["n"]
        if row["status"] in IssueItem.RECTIFYING_STATES:
            figures["overdue"] += row["late"]
    return figures


def centre_counts(qs):
    return qs.aggregate(
        total=Count("pk"),
        upgraded=Count("pk", filter=Q(upgrade_status=Centre.Upgrade.DONE)),
        demonstration=Count("pk", filter=Q(is_demonstration=True)),
    )


def legal_totals(qs):
    totals = qs.aggregate(activities=Count("pk"), materials=Sum("materials"),
                          people=Sum("people_reached"))
    return {k: v or 0 for k, v in totals.items()}


def overview(user):
    """The figures on the app's overview page, for what the user may see."""
    hazards = Hazard.objects.visible_to(user).counted()
    h = hazards.aggregate(
        found=Count("pk"),
        closed=Count("pk", filter=Q(status=Hazard.Status.CLOSED)),
        open=Count("pk", filter=~Q(status=Hazard.Status.CLOSED)),
        overdue=Count("pk", filter=Q(status__in=Hazard.RECTIFYING_STATES, deadline__lt=today())),
        awaiting=Count("pk", filter=Q(status=Hazard.Status.SUBMITTED)),
    )
    inspections = Inspection.objects.visible_to(user)
    return {
        "hazards": h,
        "inspections": inspections.counts(),
        "by_kind": inspections_by_kind(inspections),
        "by_category": hazards_by_category(hazards),
        "issues": issue_counts(IssueItem.objects.visible_to(user)),
        "centres": centre_counts(Centre.objects.visible_to(user)),
        "legal": legal_totals(LegalActivity.objects.visible_to(user)),
    }
