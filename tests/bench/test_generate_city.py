"""generate_city on a slice (two counties, a town each, 2% of the records): the city above
its counties, each county's users on their own county, column scoping equal to the path
rule for users of the city, both counties and their towns, and a rerun that adds nothing.
(No timings here: the full run's time is in bench/results.md.)"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.bench.test_generate_county import assert_column_scoping_matches_paths, scalar

pytestmark = pytest.mark.django_db


def test_a_slice_of_the_city_is_consistent(client):
    from cases.models import Case
    from dashboard.figures import compute
    from demo.city import ALL_TOWNS, CITY_FULL
    from demo.county import PASSWORD
    from grids.models import Area, Household, Visit
    from pingxiang.metrics import Period

    indexes = """SELECT array_agg(indexname ORDER BY indexname) FROM pg_indexes
                 WHERE tablename IN ('grids_visit', 'grids_resident', 'grids_household')"""
    before = scalar(indexes)
    call_command("generate_city", counties=2, towns=1, scale=0.02)
    # The indexes dropped while the rows went in are all there again.
    assert scalar(indexes) == before and len(before) > 30
    city = Area.objects.get(parent=None)
    assert (city.kind, city.name, city.code) == ("city", "定西市", "621100")
    counties = list(Area.objects.filter(parent=city).order_by("sort_order"))
    assert [(c.kind, c.name) for c in counties] == [("county", "安定区"), ("county", "通渭县")]
    towns = list(Area.objects.filter(kind="town").order_by("parent__sort_order"))
    assert [(t.parent.name, t.name) for t in towns] == [("安定区", "凤翔镇"), ("通渭县", "平襄镇")]
    # 平襄镇 keeps its 32 real villages; the other town has the city's average.
    assert Area.objects.filter(parent=towns[1], kind="village").count() == 32
    assert Area.objects.filter(parent=towns[0], kind="village").count() \
        == CITY_FULL["villages"] // ALL_TOWNS
    share = round(CITY_FULL["households"] * 0.02 / ALL_TOWNS)
    assert Household.objects.count() == 2 * share
    assert Visit.objects.count() == 2 * round(CITY_FULL["visits"] * 0.02 / ALL_TOWNS)
    # Paths and depths follow the parents all the way down from the city.
    assert scalar("""SELECT count(*) FROM grids_area a JOIN grids_area p ON p.id = a.parent_id
                     WHERE a.path <> p.path || a.id || '/' OR a.depth <> p.depth + 1""") == 0
    # Case numbers carry their town; every case's town and village lie in its county.
    assert Case.objects.filter(town=towns[0], number__startswith="凤翔-").count() \
        == Case.objects.filter(town=towns[0]).count() > 0
    assert scalar("""SELECT count(*) FROM cases_case c JOIN grids_area v ON v.id = c.village_id
                     JOIN grids_area t ON t.id = c.town_id
                     WHERE v.path NOT LIKE t.path || '%%'""") == 0

    # Rerun: nothing added.
    call_command("generate_city", counties=2, towns=1, scale=0.02)
    assert Household.objects.count() == 2 * share

    # Users of the city, of each county and of each town see what the area paths give them.
    assert_column_scoping_matches_paths(
        ("city_leader", "ad_leader", "cty_leader", "adt01_centre", "t01_centre",
         "t01v03_cadre", "t01g0007_grid"), empty_ok=("t01g0007_grid", "t01v03_cadre"))
    User = get_user_model()
    ad_leader = User.objects.get(username="ad_leader")
    assert ad_leader.check_password(PASSWORD)
    assert not Case.objects.visible_to(ad_leader).filter(town=towns[1]).exists()

    # The city's dashboard: one row per county, summing to the city's total.
    today = timezone.localdate()
    figures = compute(city, Period(today.replace(year=today.year - 1), today))
    assert [u.name for u in figures.units] == ["安定区", "通渭县"]
    assert sum(figures.per_unit["households"].values()) == figures.totals["households"] \
        == 2 * share
    client.force_login(User.objects.get(username="city_leader"))
    page = client.get(reverse("dashboard")).content.decode()
    assert "分县(区)统计" in page and "安定区" in page and "通渭县" in page

    # The truth on the slice (issue 22 §2): once the rollups are built, every figure of the
    # city, each county and each town equals its metric's own function, owner by owner,
    # and the lists a figure drills into count as many rows for the city's leader.
    assert_figures_are_true(client, [city, *counties, *towns], today)


def assert_figures_are_true(client, areas, today):
    from dashboard import rollups
    from dashboard.figures import compute
    from pingxiang.metrics import Period, metrics

    year_ago = today.replace(year=today.year - 1)
    rollups.backfill(year_ago)
    periods = [Period(year_ago, today), Period(today.replace(day=1), today),
               Period(year_ago, today.replace(day=1))]
    for area in areas:
        for period in periods:
            figures = compute(area, period)
            for m in metrics():
                assert figures.owned[m.code] == (m.func(area, period) or {}), (
                    m.code, area.name, period)
    by_code = {m.code: m for m in metrics()}
    for area in areas:  # the city's leader drills into each level's lists
        figures = compute(area, periods[0])
        for code in ["disputes_found", "petitions_received", "hazards_found", "visits"]:
            context = client.get(by_code[code].drill(area, periods[0])).context
            total = context["total"] if "total" in context else context["page"].paginator.count
            assert total == figures.totals[code] > 0, (code, area.name)


def test_a_city_is_not_generated_over_a_county_at_the_top():
    from grids.actions import create_area
    from grids.models import Area

    create_area(parent=None, kind=Area.Kind.COUNTY, name="通渭县")
    with pytest.raises(CommandError, match="顶层已是一个县"):
        call_command("generate_city", counties=1, towns=1, scale=0.01)
