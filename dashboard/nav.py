from django.core.exceptions import PermissionDenied

from dashboard import rollups
from dashboard.figures import dashboard_figures
from dashboard.views import default_area
from pingxiang.metrics import Period, get_metric
from pingxiang.registry import figures_version, home_panel, nav_item
from pingxiang.roles import Role

nav_item("数据看板", "dashboard", roles=[Role.LEADER, Role.CENTRE_STAFF, Role.VILLAGE_CADRE,
                                      Role.SUPERVISOR, Role.ADMIN], order=5,
         group="数据", daily=[Role.LEADER])
nav_item("工作简报", "briefing", roles=[Role.LEADER, Role.CENTRE_STAFF], order=6, group="数据")
nav_item("期间报表", "dashboard_reports", roles=[Role.LEADER, Role.CENTRE_STAFF], order=7, group="数据")


@figures_version
def rollups_version():
    """The home panels' cache version: the rollups' once they are built (the dashboard's)."""
    return rollups.cache_version(rollups.state())


OVERDUE_CODES = ["disputes_overdue", "petitions_overdue", "hazards_overdue", "issues_overdue",
                 "key_persons_overdue"]


@home_panel(roles=[Role.LEADER, Role.CENTRE_STAFF, Role.VILLAGE_CADRE], order=1,
            per_user_cache=False)  # its figures are cached below, as the dashboard's
def overdue_panel(request):
    """What is overdue in the user's area, each number a link to the list behind it. Once
    the rollups are built, as the dashboard reads them: what the per-minute job keeps,
    cached under the rollups' version, which writes do not move (under the data version,
    every visit a grid worker logged made every leader's home count again)."""
    try:
        area = default_area(request.user)
    except PermissionDenied:
        return None
    period = Period.year_to_date()
    available = [c for c in OVERDUE_CODES if _has_metric(c)]
    figures = dashboard_figures(area, period, rollups.state(), codes=available)
    items = [{"label": get_metric(c).label, "value": figures.totals.get(c, 0),
              "url": get_metric(c).drill(area, period)} for c in available]
    return "home/overdue_panel.html", {"area": area, "items": items}


def _has_metric(code):
    try:
        get_metric(code)
    except KeyError:
        return False
    return True
