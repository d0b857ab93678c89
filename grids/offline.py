"""What a grid worker's phone keeps for working without signal (issue 21 §1): the list of
the households of their own grids, for the search box that works offline, and the pages the
service worker (templates/offline/sw.js) fetches into its cache while there is a network.

Only the areas the user visits as 网格员/走访人员 count: a town's centre staff would
otherwise pull thousands of households onto a shared phone. What the pages show is what the
server renders for this user (masked as their role sees it); nothing is unmasked here."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from grids.access import user_areas
from grids.models import Household
from pingxiang.roles import Role

FIELD_ROLES = (Role.GRID_WORKER, Role.VISITOR)
# A grid is 100-300 households; more than this is not one worker's own grid.
MAX_HOUSEHOLDS = 600


def field_households(user):
    """The households under the user's own grids (as a grid worker or visitor)."""
    areas = user_areas(user, roles=FIELD_ROLES)
    if not areas:
        return Household.objects.none()
    under = Q()
    for area in areas:
        under |= Q(grid__path__startswith=area.path)
    return Household.objects.visible_to(user).filter(under)


def bundle(user):
    """The JSON the offline search and the service worker's refresh read."""
    now = timezone.localtime()
    rows = (field_households(user).select_related("grid", "head")
            .only("house_number", "address", "search_text", "grid__name", "head__name")
            .order_by("grid__path", "id")[:MAX_HOUSEHOLDS])
    households = [{
        "id": h.pk, "name": h.head.name if h.head else "", "house": h.house_number,
        "address": h.address, "grid": h.grid.name, "text": h.search_text,
        "url": reverse("grids:household_detail", args=[h.pk]),
        "visit_url": reverse("grids:visit_new", args=[h.pk]),
    } for h in rows]
    pages = [reverse("home"), reverse("grids:worklist")] if households else []
    for h in households:
        pages += [h["url"], h["visit_url"]]
    return {"generated_at": now.isoformat(), "label": f"{now:%Y-%m-%d %H:%M}",
            "user": user.pk, "households": households, "pages": pages}
