"""The per-day rollups (dashboard.rollups, issue 22 §2): once built, the dashboard's figures
come from them and stay exactly equal to the metric functions and to the lists behind them:
after a write (once the per-minute refresh has run), after a correction that moves a past
record to another village or category, a withdrawal, a merge and a raw UPDATE of a date;
the refresh recomputes only the days written and may run twice."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dashboard import rollups
from dashboard.figures import compute
from dashboard.tasks import refresh_rollups
from grids import areatree
from pingxiang import requestcache
from pingxiang.metrics import Kind, Period, metric, metrics

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAST = TODAY - dt.timedelta(days=10)
FIRST = TODAY - dt.timedelta(days=30)


def _at(day):
    """A moment of `day`, never later than now."""
    return min(dt.datetime.combine(day, dt.time(10), timezone.get_default_timezone()),
               timezone.now())


def _case(cast, *, day, area=None):
    from cases.actions import register_case
    from cases.models import Category

    return register_case(actor=cast.centre, area=area or cast.xiguan_grid,
                         category=Category.objects.first(), description="两家因院墙排水发生争执",
                         source="walkin", parties=[{"name": "王大山"}], received_at=_at(day),
                         at=_at(day))


def _petition(cast, *, day):
    from petitions.actions import register_petition
    from petitions.models import Category, Petition

    return register_petition(actor=cast.centre, channel=Petition.Channel.ONLINE, area=cast.xiguan,
                             received_at=_at(day), petitioner={"name": "信访人"},
                             title="道路维修", content="村道坑洼，请求维修",
                             category=Category.objects.first())


def _hazard(cast, *, day, category="道路交通"):
    from rectification.actions import register_hazard
    from rectification.models import HazardCategory

    return register_hazard(actor=cast.centre, source="public",
                           category=HazardCategory.objects.get(name=category), area=cast.xiguan,
                           description="路口缺少警示标志", found_date=day)


def _visit(cast, *, day, number):
    from grids.actions import create_household, record_visit
    from grids.models import Visit

    household = create_household(grid=cast.xiguan_grid, house_number=f"{number}号",
                                 head_name=f"户主{number}", actor=cast.grid_xiguan)
    visit, _ = record_visit(actor=cast.grid_xiguan, idempotency_key=uuid.uuid4(),
                            visited_on=day, visit_type=Visit.Type.ROUTINE,
                            findings=[Visit.Finding.NONE], household=household)
    return visit


def _key_person(cast, *, number, created):
    from grids.actions import create_household, register_key_person
    from grids.models import KeyPerson, KeyPersonCategory

    household = create_household(grid=cast.xiguan_grid, house_number=f"{number}号",
                                 head_name=f"重点{number}", actor=cast.grid_xiguan)
    person = register_key_person(household.head,
                                 categories=[KeyPersonCategory.objects.first()],
                                 actor=cast.cadre_xiguan)
    KeyPerson.objects.filter(pk=person.pk).update(created_at=_at(created))
    return person


@pytest.fixture
def records(cast):
    """A few records of each rolled-up kind, dated before, within and at the end of the
    rolled-up days, in two villages."""
    out = {"cases": [_case(cast, day=PAST), _case(cast, day=PAST),
                     _case(cast, day=TODAY - dt.timedelta(days=2)),
                     _case(cast, day=PAST, area=cast.menghe)],
           "petitions": [_petition(cast, day=PAST), _petition(cast, day=TODAY)],
           "hazards": [_hazard(cast, day=PAST), _hazard(cast, day=PAST, category="消防"),
                       _hazard(cast, day=FIRST - dt.timedelta(days=5))],
           "visits": [_visit(cast, day=PAST, number=1), _visit(cast, day=TODAY, number=2)],
           "key_persons": [_key_person(cast, number=3, created=FIRST - dt.timedelta(days=40)),
                           _key_person(cast, number=4, created=PAST)]}
    return out


PERIODS = [Period(FIRST, TODAY), Period(PAST, PAST), Period(PAST - dt.timedelta(days=3), TODAY),
           Period(TODAY, TODAY + dt.timedelta(days=30)), Period(FIRST, PAST - dt.timedelta(days=1))]


def _assert_exact(cast):
    """Owner by owner, every figure the dashboard computes equals the metric's own function
    (which the truth tests hold equal to the lists), and the rolled-up ones did come from the
    rollups."""
    for area in (cast.county, cast.town, cast.xiguan, cast.menghe):
        for period in PERIODS:
            assert set(rollups.read(area, period)) == {m.code for m in rollups.rolled()}
            figures = compute(area, period)
            for m in metrics():
                assert figures.owned[m.code] == (m.func(area, period) or {}), (
                    m.code, area.name, period)


def test_every_metric_says_how_a_period_is_made_of_its_days():
    kinds = {m.code: m.kind for m in metrics()}
    assert kinds["visits"] == kinds["disputes_resolved"] == kinds["hazards_fire"] == Kind.FLOW
    assert kinds["key_persons"] == kinds["centres_upgraded"] == Kind.STOCK
    assert kinds["households_visited"] == kinds["inspected_schools"] == Kind.DISTINCT
    assert kinds["disputes_overdue"] == kinds["households"] == Kind.NOW
    for m in metrics():
        assert (m.dated_by is not None) == m.by_days, m.code
    with pytest.raises(ValueError):
        metric("nothing", "无", kind=Kind.FLOW)  # a flow must say which date dates it


def test_the_rolled_up_figures_equal_the_functions_and_the_lists(cast, records, login):
    assert rollups.backfill(FIRST) == 31
    _assert_exact(cast)
    client = login(cast.leader)
    period = Period(FIRST, TODAY)
    figures = compute(cast.town, period)
    assert figures.totals["disputes_found"] == 4
    for code in ["disputes_found", "petitions_received", "hazards_found", "hazards_road",
                 "hazards_fire", "visits"]:
        m = next(m for m in metrics() if m.code == code)
        context = client.get(m.drill(cast.town, period)).context
        total = context["total"] if "total" in context else context["page"].paginator.count
        assert total == figures.totals[code], code


def test_a_write_shows_once_the_minutes_refresh_has_run(cast, records, login):
    rollups.backfill(FIRST)
    today = Period(TODAY, TODAY)
    before = compute(cast.town, today).totals
    _visit(cast, day=TODAY, number=9)
    _case(cast, day=TODAY)
    # Until the refresh runs (each minute) the rolled-up figures are those of its last run.
    assert compute(cast.town, today).totals["visits"] == before["visits"]
    assert refresh_rollups()["metrics"] == 5  # today: visits and 4 case figures
    after = compute(cast.town, today).totals
    assert after["visits"] == before["visits"] + 1
    assert after["disputes_found"] == before["disputes_found"] + 1
    assert after["households_visited"] == before["households_visited"] + 1  # live, distinct
    _assert_exact(cast)
    assert refresh_rollups()["days"] == 0  # a second run finds nothing to do


def _figure(html, code):
    import re

    return int(re.search(rf'id="fig-{code}">.*?class="stat"[^>]*>([0-9.—]+)<', html,
                         re.S).group(1))


def test_the_dashboard_page_moves_with_the_job_not_with_every_write(
        cast, records, login, still_clock):
    """Keyed by the rollups' version: writes alone do not make every request compute afresh;
    the job moves the key and computes again the distinct figures and the tables the
    dashboards asked for, and the page shows the write."""
    rollups.backfill(FIRST)
    client = login(cast.leader)
    url = reverse("dashboard")
    first = client.get(url).content.decode()
    _case(cast, day=TODAY)
    _visit(cast, day=TODAY, number=9)
    codes = ("disputes_found", "visits", "households_visited")
    before = client.get(url).content.decode()
    for code in codes:  # as they were until the job has run
        assert _figure(before, code) == _figure(first, code), code
    # The town's distinct figures and its tables, asked; the county's, kept whether asked or
    # not (rollups.PINNED).
    assert refresh_rollups()["kept"] == 4
    page = client.get(url)
    html = page.content.decode()
    for code in codes:
        assert _figure(html, code) == _figure(first, code) + 1, code
    # The tables the page drew are those the job computed, equal to computing them now.
    from dashboard.closing import tables
    from dashboard.views import selected_period

    period = selected_period(page.wsgi_request)
    assert rollups.kept("breakdowns", cast.town, period) == tables(cast.town, period)


def test_corrections_withdrawals_and_merges_of_past_days_show_after_the_refresh(
        cast, records):
    from cases.actions import correct_case, merge_cases, withdraw_case
    from grids.models import KeyPerson, Visit
    from petitions.actions import withdraw_petition
    from rectification.actions import correct_hazard, withdraw_hazard
    from rectification.models import HazardCategory

    rollups.backfill(FIRST)
    period = Period(FIRST, TODAY)
    before = compute(cast.town, period)
    cases, hazards = records["cases"], records["hazards"]
    correct_case(cases[0], actor=cast.centre, reason="登记时村填错", area=cast.menghe,
                 category=cases[0].category, description=cases[0].description,
                 source=cases[0].source)
    withdraw_case(cases[1], actor=cast.centre, reason="重复登记")
    merge_cases(cases[2], actor=cast.centre, duplicate=cases[3], reason="同一纠纷")
    withdraw_petition(records["petitions"][0], actor=cast.centre, reason="登记错误")
    correct_hazard(hazards[0], actor=cast.centre, reason="类别填错",
                   category=HazardCategory.objects.get(name="消防"), grade=hazards[0].grade,
                   area=cast.xiguan)
    withdraw_hazard(hazards[1], actor=cast.centre, reason="登记错误")
    # Any code path marks the days it touches: a raw UPDATE moving a visit to another day,
    # and deleting a key person registered before the first rolled-up day.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE grids_visit SET visited_on = %s WHERE id = %s",
                       [PAST - dt.timedelta(days=3), records["visits"][0].pk])
    KeyPerson.objects.filter(pk=records["key_persons"][0].pk).delete()
    from dashboard.models import RollupDirty

    marked = set(RollupDirty.objects.values_list("day", flat=True))
    # The corrected, withdrawn and merged records' day, the merge target's, the visit's old
    # and new days, the deleted key person's.
    assert marked == {PAST, TODAY - dt.timedelta(days=2), PAST - dt.timedelta(days=3),
                      FIRST - dt.timedelta(days=40)}
    # Those days only; the key person's, before the first day, is the first day's (a stock's
    # first day holds everything before it).
    assert rollups.refresh()["days"] == 4

    _assert_exact(cast)
    after = compute(cast.town, period)
    # Xiguan's first case moved to Menghe, its second withdrawn, Menghe's merged into
    # Xiguan's third.
    assert after.per_village["disputes_found"] == {cast.xiguan.pk: 1, cast.menghe.pk: 1}
    assert after.totals["disputes_found"] == before.totals["disputes_found"] - 2
    assert after.totals["petitions_received"] == before.totals["petitions_received"] - 1
    assert after.totals["hazards_road"] == before.totals["hazards_road"] - 1
    assert after.totals["hazards_fire"] == before.totals["hazards_fire"]  # one in, one out
    assert after.totals["key_persons"] == before.totals["key_persons"] - 1
    assert Visit.objects.filter(visited_on=PAST - dt.timedelta(days=3)).count() == 1
    assert compute(cast.town, Period(PAST, PAST)).totals["visits"] == 0


def test_before_the_rollups_are_built_every_figure_is_live(cast, records):
    period = Period(FIRST, TODAY)
    assert rollups.read(cast.town, period) == {}
    _case(cast, day=TODAY)
    assert rollups.refresh() == {"days": 0, "metrics": 0}  # nothing to keep, marks dropped
    figures = compute(cast.town, period)
    assert figures.totals["disputes_found"] == 5
    # A period starting before the first rolled-up day, and a grid, are computed live.
    rollups.backfill(FIRST)
    assert rollups.read(cast.town, Period(FIRST - dt.timedelta(days=1), TODAY)).keys() == {
        m.code for m in rollups.rolled() if m.kind == Kind.STOCK}
    assert rollups.read(cast.xiguan_grid, period) == {}


def test_the_dashboard_reads_the_rollups_in_one_query(cast, records, django_assert_num_queries):
    rollups.backfill(FIRST)
    state = rollups.state()
    live = len([m for m in metrics() if not m.by_days])
    areatree.root_ids()  # the process holds the tree, as after any earlier page
    # As in a request: the tree's version, the villages, the rollups, one query per live
    # metric.
    with requestcache.scope(), django_assert_num_queries(1 + 1 + 1 + live):
        compute(cast.town, Period(FIRST, TODAY), rollup_state=state)


def test_the_job_keeps_the_distinct_figures_of_each_area_asked_exactly(cast, records):
    """Computed once for the county and shared out to the town and the village asked for:
    each equals its own metric functions after a write."""
    rollups.backfill(FIRST)
    period = Period(FIRST, TODAY)
    areas = (cast.county, cast.town, cast.xiguan, cast.menghe)
    for area in areas:
        rollups.kept("metrics", area, period)
    _visit(cast, day=TODAY, number=9)  # one more household visited
    assert refresh_rollups()["kept"] == 4 + 3  # and the pinned county's and town's year
    for area in areas:
        live = {m.code: m.func(area, period) or {} for m in metrics() if not m.by_days}
        assert rollups.kept("metrics", area, period) == live, area.name
    assert sum(rollups.kept("metrics", cast.town, period)["households_visited"].values()) == 3


def test_the_job_draws_each_areas_tables_from_one_count_of_the_highest(cast, records):
    """The breakdown tables of the county, the town and two villages asked: one count per
    table and period for the county (the highest asked), none for the areas beneath, and
    each area's tables exactly what it computes alone, after a write."""
    from django.test.utils import CaptureQueriesContext

    from dashboard import closing

    rollups.backfill(FIRST)
    period = Period(FIRST, TODAY)
    areas = (cast.county, cast.town, cast.xiguan, cast.menghe)
    for area in areas:
        rollups.kept("breakdowns", area, period)
    _case(cast, day=TODAY, area=cast.menghe)  # one more case once they were asked
    with CaptureQueriesContext(connection) as job:
        refresh_rollups()
    by_category = [q["sql"] for q in job.captured_queries
                   if '"cases_case"."category_id"' in q["sql"] and "COUNT(" in q["sql"]]
    assert len(by_category) == 2  # the asked period's and the pinned year's, for the county
    for area in areas:
        assert rollups.kept("breakdowns", area, period) == closing.tables(area, period), area.name
    town = rollups.kept("breakdowns", cast.town, period)["disputes_by_category"]
    assert sum(row["cells"][0]["value"] for row in town["rows"]) == 5
    menghe = rollups.kept("breakdowns", cast.menghe, period)["disputes_by_category"]
    assert sum(row["cells"][0]["value"] for row in menghe["rows"]) == 2


def test_the_minute_job_rests_between_its_queries_as_the_settings_say(cast, records, settings):
    """Done at once, the job's seconds of counts made every page two to three times slower
    while they ran (bench/results.md): it works JOB_DUTY_PERCENT of the time over its first
    JOB_SPREAD_SECONDS (pingxiang.pacing). At 1 % its first queries' rests fill a spread of
    a second, so it takes at least that; and it still keeps what the dashboards asked for."""
    import time

    from dashboard import closing

    rollups.backfill(FIRST)
    period = Period(FIRST, TODAY)
    rollups.kept("breakdowns", cast.town, period)
    _case(cast, day=TODAY)
    settings.JOB_DUTY_PERCENT, settings.JOB_SPREAD_SECONDS = 1, 1
    started = time.monotonic()
    refresh_rollups()
    assert time.monotonic() - started >= 1
    assert rollups.kept("breakdowns", cast.town, period) == closing.tables(cast.town, period)


def test_a_county_leaders_first_view_of_the_day_reads_what_the_job_kept(cast, records, login):
    """No dashboard was asked for: the job keeps the county's (and its towns') default
    period anyway and computes the county's figures for the minute, so the first view
    computes no distinct figure, table or sum of days itself (seconds at city scale) and
    shows the figures as they are."""
    from django.test.utils import CaptureQueriesContext

    from grids.actions import ensure_user, grant_membership
    from pingxiang.roles import Role

    rollups.backfill(FIRST)
    _visit(cast, day=TODAY, number=9)
    refresh_rollups()
    leader = ensure_user("county_leader", full_name="周县长", password="x")
    grant_membership(leader, cast.county, Role.LEADER)
    client = login(leader)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("dashboard")).content.decode()
    # Neither a distinct figure nor the rollups' year summed: the job did both this minute.
    computed = [q["sql"] for q in ctx.captured_queries
                if "DISTINCT" in q["sql"] or '"dashboard_rollup"' in q["sql"]]
    assert computed == []
    period = Period.year_to_date()
    live = compute(cast.county, period)
    assert _figure(html, "households_visited") == live.totals["households_visited"] == 3
    assert _figure(html, "visits") == live.totals["visits"]


def test_a_leaders_home_shows_what_is_overdue_as_the_dashboard_does(cast, records, login):
    """Once the rollups are built, the home's overdue panel reads what the per-minute job
    keeps, as the dashboard does: a write alone (here a case whose deadline passed) moves
    neither until the job has run, then both, to the same number. Under the data version
    every grid worker's visit made every leader's home count again."""
    import re

    from pingxiang.metrics import get_metric

    rollups.backfill(FIRST)
    client = login(cast.leader)
    label = get_metric("disputes_overdue").label

    def home_overdue():
        html = client.get(reverse("home")).content.decode()
        return int(re.search(rf'<div class="muted">{label}</div>\s*<a class="stat"[^>]*>(\d+)<',
                             html).group(1))

    def dashboard_overdue():
        return _figure(client.get(reverse("dashboard")).content.decode(), "disputes_overdue")

    assert home_overdue() == dashboard_overdue() == 0
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET status = 'mediating', paused_at = NULL, "
                       "deadline = now() - interval '1 hour' WHERE id = %s",
                       [records["cases"][2].pk])
    assert home_overdue() == dashboard_overdue() == 0
    refresh_rollups()
    assert home_overdue() == dashboard_overdue() == 1


def test_once_the_rollups_are_built_a_home_moves_with_the_job_and_with_its_users_own_writes(
        cast, records, login, still_clock):
    """Under the data version, every visit a grid worker logged made every home page count
    its panels again (a county leader's: a county's cases, hazards and issues). Once the
    rollups are built, the panels are cached under their version and the user's own last
    write: another's write shows when the per-minute job has run, as on the dashboard; the
    user's own at once."""
    import re

    from django.test.utils import CaptureQueriesContext

    rollups.backfill(FIRST)
    client = login(cast.centre)

    def new_cases():
        html = client.get(reverse("home")).content.decode()
        return int(re.search(r"新登记待分流：<a href=\"[^\"]+\"><strong>(\d+)</strong></a>",
                             html).group(1))

    before = new_cases()
    assert before == 4  # the records' cases, registered and waiting
    case = _case(cast, day=TODAY)  # registered elsewhere: not a request of this user's
    with CaptureQueriesContext(connection) as reload:
        assert new_cases() == before
    assert not [q for q in reload if "cases_case" in q["sql"]]  # the panels were not counted
    refresh_rollups()
    assert new_cases() == before + 1

    # The centre's own write (accepting the new case at level 1) shows on its next page.
    response = client.post(reverse("cases:case_action", args=[case.pk, "accept"]),
                           {"version": case.version, "level": 1})
    assert response.status_code in (200, 302)
    assert new_cases() == before
