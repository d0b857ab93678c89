from django.utils import timezone

from grids import search
from grids.access import VISIT_ROLES, area_paths
from grids.actions import campaign_for
from grids.coverage import coverage
from grids.models import Area, KeyPerson
from pingxiang.registry import home_panel, nav_item, search_provider
from pingxiang.roles import Role

_VISITING = [Role.GRID_WORKER, Role.VISITOR]
_WATCHING = [Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER, Role.SUPERVISOR]

nav_item("走访", "grids:worklist", roles=list(VISIT_ROLES), order=5, group="走访",
         daily=_VISITING)
nav_item("住户", "grids:household_list", roles=[*_VISITING, *_WATCHING, Role.ADMIN], order=6,
         group="走访")
nav_item("重点人员", "grids:key_person_list", roles=[*_VISITING, *_WATCHING], order=7,
         group="走访")
nav_item("重点场所", "grids:key_place_list", roles=[*_VISITING, *_WATCHING], order=8,
         group="走访")
nav_item("走访台账", "grids:visit_list", roles=[*_VISITING, *_WATCHING], order=9,
         group="走访")
nav_item("走访覆盖", "grids:campaign_list", roles=[*_WATCHING, Role.ADMIN], order=10,
         group="走访")
nav_item("辖区", "grids:area_list", roles=list(Role), order=90, group="管理")
nav_item("人员与岗位", "grids:user_list", roles=[Role.ADMIN], order=91, group="管理")


@home_panel(roles=[*VISIT_ROLES, Role.SUPERVISOR], order=5)
def visit_progress(request):
    """Coverage of the current campaign over the user's own area, and overdue key persons."""

    paths = area_paths(request.user)
    if not paths:
        return None
    top = Area.objects.filter(path__in=paths).order_by("depth", "path").first()
    today = timezone.localdate()
    campaign = campaign_for(top, today)
    total = coverage(top, campaign.start_date, campaign.end_date)[0] if campaign else None
    overdue = KeyPerson.objects.visible_to(request.user).overdue(today).count()
    return "grids/panels/visit_progress.html", {"campaign": campaign, "total": total,
                                                "area": top, "overdue": overdue}


# The one search box (issue 19 §3): grids answers for people, households and key places.
search_provider(order=10)(search.search_residents)
search_provider(order=20)(search.search_households)
search_provider(order=60)(search.search_places)
