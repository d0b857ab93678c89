"""One installation for a city's counties (issue 22 §5): a 市 above its counties, the city
leader's dashboard one row per county, a county's one row per town, and no county's user
sees another's records."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from dashboard.figures import compute
from grids.actions import AreaError, create_area, create_household, grant_membership, record_visit
from grids.models import Area, Household, Visit
from pingxiang.metrics import Period
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    from grids.roles import sync_role_groups

    sync_role_groups()
    top = create_area(parent=None, kind=Area.Kind.CITY, name="定西市", short_name="定西")
    out = {"city": top}
    for county_name, towns in (("通渭县", ["平襄镇", "马营镇"]), ("陇西县", ["巩昌镇"])):
        county = create_area(parent=top, kind=Area.Kind.COUNTY, name=county_name)
        out[county_name] = county
        for town_name in towns:
            town = create_area(parent=county, kind=Area.Kind.TOWN, name=town_name)
            village = create_area(parent=town, kind=Area.Kind.VILLAGE, name=f"{town_name[:2]}村",
                                  short_name=f"{town_name[:2]}村")
            grid = create_area(parent=village, kind=Area.Kind.GRID, name=f"{town_name[:2]}网格")
            out[town_name], out[f"{town_name}网格"] = town, grid
    User = get_user_model()
    for username, area in (("city_leader", top), ("tw_leader", out["通渭县"]),
                           ("lx_leader", out["陇西县"])):
        user = User.objects.create_user(username, password="x" * 12)
        grant_membership(user, area, Role.LEADER)
        out[username] = user
    worker = User.objects.create_user("tw_grid", password="x" * 12)
    grant_membership(worker, out["马营镇网格"], Role.GRID_WORKER)
    lx_worker = User.objects.create_user("lx_grid", password="x" * 12)
    grant_membership(lx_worker, out["巩昌镇网格"], Role.GRID_WORKER)
    today = timezone.localdate()
    for grid, actor, n in ((out["马营镇网格"], worker, 3), (out["巩昌镇网格"], lx_worker, 2)):
        for i in range(n):
            household = create_household(grid=grid, house_number=f"{i + 1}号",
                                         head_name=f"户主{i}", actor=actor)
            record_visit(actor=actor, idempotency_key=uuid.uuid4(), visited_on=today,
                         visit_type=Visit.Type.ROUTINE, findings=[Visit.Finding.NONE],
                         household=household)
    return out


def test_a_city_stands_above_its_counties_only(city):
    with pytest.raises(AreaError):
        create_area(parent=city["通渭县"], kind=Area.Kind.CITY, name="某市")
    with pytest.raises(AreaError):
        create_area(parent=city["city"], kind=Area.Kind.TOWN, name="某镇")
    assert city["平襄镇"].path.startswith(city["通渭县"].path)
    assert city["通渭县"].path.startswith(city["city"].path)


def test_the_city_table_has_a_row_per_county_and_a_county_one_per_town(city):
    today = timezone.localdate()
    figures = compute(city["city"], Period(today, today))
    assert [u.name for u in figures.units] == ["通渭县", "陇西县"]
    assert figures.unit_label == "县(区)"
    tw, lx = city["通渭县"].pk, city["陇西县"].pk
    assert figures.per_unit["households"] == {tw: 3, lx: 2}
    assert figures.per_unit["visits"] == {tw: 3, lx: 2}
    assert figures.totals["households"] == 5
    county = compute(city["通渭县"], Period(today, today))
    assert [u.name for u in county.units] == ["平襄镇", "马营镇"]
    assert county.unit_label == "乡镇"
    assert county.per_unit["households"] == {city["马营镇"].pk: 3}
    assert county.totals["households"] == 3


def test_the_city_leaders_dashboard_and_each_county_sees_its_own(city, client):
    client.force_login(city["city_leader"])
    page = client.get(reverse("dashboard")).content.decode()
    assert "分县(区)统计" in page and "通渭县" in page and "陇西县" in page

    client.force_login(city["tw_leader"])
    page = client.get(reverse("dashboard")).content.decode()
    assert "分乡镇统计" in page and "陇西县" not in page and "巩昌镇" not in page
    # Another county's area asked by its id is refused, not shown.
    asked = client.get(reverse("dashboard"), {"area": city["陇西县"].pk}).content.decode()
    assert "巩昌镇" not in asked
    # Its households are out of sight in the lists and by URL.
    theirs = Household.objects.filter(grid=city["巩昌镇网格"]).first()
    assert client.get(reverse("grids:household_detail", args=[theirs.pk])).status_code == 404
    listing = client.get(reverse("grids:household_list")).content.decode()
    assert "巩昌" not in listing


@pytest.fixture
def early_in_a_year():
    """The clock a few days into a year (before the records are made): the year to date the
    job keeps is then four days to build, not eleven months of a metric's query per day over
    whatever the run's other tests left in the database (three minutes in a full run)."""
    import time_machine

    moment = dt.datetime(2027, 1, 4, 10, tzinfo=timezone.get_default_timezone())
    with time_machine.travel(moment, tick=True) as traveller:
        yield traveller


def test_the_jobs_city_and_county_figures_are_each_areas_own_from_one_read_of_the_days(
        early_in_a_year, city):
    """The per-minute job computes the city's and each county's year to date (their first
    view of the day reads them). It reads the sums of days once, for the city, and gives each
    county its own owners' share: exactly what the county computed alone gets."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboard import rollups
    from dashboard.figures import dashboard_figures, warm_pinned

    year = Period.year_to_date()
    assert (year.start, year.end) == (dt.date(2027, 1, 1), dt.date(2027, 1, 4))
    rollups.backfill(year.start)
    rollups.refresh_kept()
    pinned = Area.objects.filter(kind__in=[Area.Kind.CITY, Area.Kind.COUNTY], retired_at=None)
    with CaptureQueriesContext(connection) as job:
        assert warm_pinned() == pinned.count()  # the city, its two counties (and any other)
    # One read of the days per area at the top (the city; a county left by another test of
    # the run, when there is one), none for a county under the city.
    reads = [q for q in job if '"dashboard_rollup"' in q["sql"]]
    assert len(reads) == pinned.filter(parent=None).count()
    state = rollups.state()
    for name in ("city", "通渭县", "陇西县"):
        area = city[name]
        warmed = dashboard_figures(area, year, state)  # what the job cached this minute
        alone = compute(area, year, rollup_state=state, kept=True)
        assert warmed.owned == alone.owned and warmed.per_unit == alone.per_unit, name
    assert warmed.totals["visits"] == 2 and warmed.per_unit["visits"] == {city["巩昌镇"].pk: 2}
