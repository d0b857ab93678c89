"""Every figure moves when a user adds a record, and the dashboard's query count does not
grow with the data."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.figures import compute
from pingxiang.metrics import Period

pytestmark = pytest.mark.django_db


def _add_records(cast, n):
    from cases.actions import register_case
    from cases.models import Category
    from grids.actions import create_household, record_visit
    from grids.models import Visit
    from petitions.actions import register_petition
    from petitions.models import Category as PetitionCategory
    from petitions.models import Petition
    from rectification.actions import register_hazard
    from rectification.models import HazardCategory

    today = timezone.localdate()
    for i in range(n):
        household = create_household(grid=cast.xiguan_grid, house_number=f"{100 + i}号",
                                     head_name=f"测试户主{i}", actor=cast.grid_xiguan)
        record_visit(actor=cast.grid_xiguan, idempotency_key=uuid.uuid4(), visited_on=today,
                     visit_type=Visit.Type.ROUTINE, findings=[Visit.Finding.NONE],
                     household=household)
        register_case(actor=cast.centre, area=cast.xiguan, category=Category.objects.first(),
                      description="邻里因排水沟发生争执", source="walkin",
                      parties=[{"name": f"当事人{i}", "id_number": "", "phone": ""}])
        register_petition(actor=cast.centre, channel=Petition.Channel.ONLINE, area=cast.xiguan,
                          received_at=timezone.now(), petitioner={"name": f"信访人{i}"},
                          title="道路维修", content="村道坑洼，请求维修",
                          category=PetitionCategory.objects.first())
        register_hazard(actor=cast.centre, source="public",
                        category=HazardCategory.objects.get(name="消防"), area=cast.xiguan,
                        description="楼道堆放杂物", found_date=today)


def test_each_figure_moves_when_a_record_is_added(cast):
    period = Period(timezone.localdate(), timezone.localdate())
    before = compute(cast.town, period).totals
    _add_records(cast, 1)
    after = compute(cast.town, period).totals
    for code in ["households", "households_visited", "visits", "disputes_found",
                 "disputes_in_progress", "petitions_received", "petitions_online",
                 "hazards_found", "hazards_fire"]:
        assert after[code] == before[code] + 1, code
    village = compute(cast.xiguan, period)
    assert village.per_village["disputes_found"] == {cast.xiguan.pk: 1}


def _cold():
    from pingxiang import figurecache

    figurecache.NAMESPACE = uuid.uuid4().hex


def test_dashboard_queries_do_not_grow_with_the_data(login, cast, still_clock):
    """The clock stands still: the third request must find the figures in the cache, whose
    key holds the minute (CI once crossed a minute's turn between the second and third)."""
    client = login(cast.leader)
    url = reverse("dashboard")
    client.get(url)
    _cold()  # measure the computing path, not the cached one
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _add_records(cast, 5)
    _cold()
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), (len(small), len(large))
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).status_code == 200
    assert len(cached) < len(large) - 20  # the figures came from the cache


def test_a_request_that_crosses_a_minutes_turn_computes_its_figures_once(
        login, cast, still_clock):
    """The cache's key holds the minute; the dashboard asks for its figures twice (the cards,
    then the per-village table). A request during which the minute turned computed a town's
    figures twice (CI saw 110 queries where 65 were expected), and could draw the cards and
    the table from two different minutes."""
    import datetime as dt

    def counted(queries):
        return [q["sql"] for q in queries if 'AS "_n"' in q["sql"]]

    client = login(cast.leader)
    url = reverse("dashboard")
    _cold()
    with CaptureQueriesContext(connection) as still:
        assert client.get(url).status_code == 200
    _cold()
    turned = []

    def turn_the_minute(execute, sql, params, many, context):
        if not turned and 'AS "_n"' in sql:  # the first figure's query
            still_clock.shift(dt.timedelta(seconds=60))
            turned.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(turn_the_minute), \
            CaptureQueriesContext(connection) as turning:
        assert client.get(url).status_code == 200
    assert turned
    assert len(counted(turning)) == len(counted(still)) > 20


def _figure(html, code):
    import re

    match = re.search(rf'id="fig-{code}">.*?class="stat"[^>]*>([0-9.—]+)<', html, re.S)
    return match.group(1)


def test_a_cached_dashboard_never_hides_a_write(login, cast):
    """Before the rollups are built, the cached figures are keyed by a version every write
    moves: through the app's actions, a bulk UPDATE, or raw SQL alike. (Once built, the
    rollups' per-minute job moves it: tests/dashboard/test_rollups.py.)"""
    from cases.models import Case

    client = login(cast.leader)
    url = reverse("dashboard")
    first = client.get(url).content.decode()
    assert client.get(url).content.decode().count('id="fig-') == first.count('id="fig-')
    found = int(_figure(first, "disputes_found"))
    _add_records(cast, 1)
    second = client.get(url).content.decode()
    assert int(_figure(second, "disputes_found")) == found + 1
    resolved = int(_figure(second, "disputes_resolved"))
    Case.objects.filter(pk=Case.objects.order_by("-pk").first().pk).update(
        status="resolved", resolution_method="people", resolved_at=timezone.now())
    third = client.get(url).content.decode()
    assert int(_figure(third, "disputes_resolved")) == resolved + 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET status = 'accepted', resolution_method = '' "
                       "WHERE id = %s", [Case.objects.order_by("-pk").first().pk])
    assert int(_figure(client.get(url).content.decode(), "disputes_resolved")) == resolved


def test_the_dashboard_and_homes_work_and_move_with_the_cache_down(login, cast, settings):
    """The figures are cached in Redis; with the cache unreachable (a closed port) the
    dashboard and the home page compute them themselves, and still show a write at once."""
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"],
                                                      "LOCATION": "redis://127.0.0.1:1/0"}}
    client = login(cast.leader)
    url = reverse("dashboard")
    found = int(_figure(client.get(url).content.decode(), "disputes_found"))
    assert client.get(reverse("home")).status_code == 200
    _add_records(cast, 1)
    response = client.get(url)
    assert response.status_code == 200
    assert int(_figure(response.content.decode(), "disputes_found")) == found + 1


def test_processes_share_the_rendered_figures(login, cast, still_clock):
    """Another process (here: a cache client of its own) finds the HTML this one rendered,
    and a reload renders nothing again. (The clock stands still: the test builds the key,
    minute included, after the request.)"""
    from django.core.cache import caches

    from pingxiang import figurecache

    client = login(cast.leader)
    url = reverse("dashboard")
    first = client.get(url).content.decode()
    period = Period(timezone.localdate().replace(month=1, day=1), timezone.localdate())
    key = figurecache._cache_key("pxfig", "html:cards::desc", cast.town.pk, period.start,
                                 period.end, None)
    assert "fig-disputes_found" in caches.create_connection("default").get(key)
    with CaptureQueriesContext(connection) as shared:
        again = client.get(url).content.decode()
    assert _figure(again, "disputes_found") == _figure(first, "disputes_found")
    assert not any("cases_case" in q["sql"] for q in shared.captured_queries)


def test_leader_home_shows_overdue_items_linking_to_lists(login, cast):
    html = login(cast.leader).get(reverse("home")).content.decode()
    assert "逾期事项 · 平襄镇" in html and "逾期未化解" in html
    assert reverse("cases:case_list") + "?area=" in html


def test_when_another_process_is_rendering_the_last_figures_are_served(cast):
    """When the minute turns, every worker misses at once: the first takes the lock
    (cache.add) and renders; the others serve the last HTML rendered for that area and
    period instead of computing the same figures, or render too when there is none."""
    import time_machine
    from django.core.cache import cache

    from pingxiang import figurecache

    def must_not_render():
        raise AssertionError("rendered although another process was already at it")

    def locked(kind):  # another process is rendering it right now
        key = figurecache._cache_key("pxfig", kind, town.pk, period.start, period.end, None)
        assert cache.add(f"{key}:lock", 1, 30)
        return f"{key}:lock"

    town = cast.town
    with time_machine.travel(timezone.now(), tick=False):  # the minute stays, keys with it
        period = Period(timezone.localdate().replace(month=1, day=1), timezone.localdate())
        assert figurecache.cached_html("html:test", town, period, lambda: "<p>old</p>") \
            == "<p>old</p>"
        _add_records(cast, 1)  # a new version: the key misses
        lock = locked("html:test")
        assert figurecache.cached_html("html:test", town, period, must_not_render) \
            == "<p>old</p>"

        # Nothing rendered lately for this area and period: this process renders it too.
        locked("html:other")
        assert figurecache.cached_html("html:other", town, period, lambda: "<p>own</p>") \
            == "<p>own</p>"

        # The lock gone, the next request renders the new version and releases its lock.
        cache.delete(lock)
        assert figurecache.cached_html("html:test", town, period, lambda: "<p>new</p>") \
            == "<p>new</p>"
        assert cache.get(lock) is None
