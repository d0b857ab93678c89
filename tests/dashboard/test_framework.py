"""The dashboard machinery with a test metric: drill-down, scoping, snapshots, trends."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard.figures import compute
from dashboard.models import DailyStat
from dashboard.stats import snapshot_day, trend
from pingxiang import metrics as registry
from pingxiang.metrics import Period, metric, ratio
from pingxiang.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def area_events(monkeypatch):
    """A metric counting area-creation audit events per village, as any app would."""
    monkeypatch.setattr(registry, "_METRICS", {})
    monkeypatch.setattr(registry, "_RATIOS", {})
    monkeypatch.setattr(registry, "_BREAKDOWNS", {})
    from django.db.models import Count

    from grids.models import Area

    def per_village(area, period):
        villages = Area.objects.filter(path__startswith=area.path, kind="village")
        return dict(villages.annotate(n=Count("children")).values_list("pk", "n"))

    metric("groups", "社数", group="测试", unit="个",
           drill=lambda area, period: reverse("grids:area_detail", args=[area.pk]))(per_village)
    metric("overdue", "逾期", group="测试", bad_when_high=True)(
        lambda area, period: {v.pk: 1 for v in Area.objects.filter(
            path__startswith=area.path, kind="village", short_name="孟河村")})
    ratio("share", "比例", numerator="overdue", denominator="groups", group="测试")


def test_compute_sums_villages_in_one_query_per_metric(cast, area_events,
                                                        django_assert_num_queries):
    with django_assert_num_queries(3):  # villages + one per metric
        figures = compute(cast.town, Period())
    assert figures.totals["groups"] == 5  # 西关 2 社 + 新城 2 小区 + 孟河 1 社
    assert len(figures.villages) == 32


def test_leader_sees_all_32_villages_and_numbers_link_to_lists(login, cast, area_events):
    html = login(cast.leader).get(reverse("dashboard")).content.decode()
    assert len(re.findall(r'<tr>\s*<th>\s*<a href="\?area=', html)) == 32  # one row per village
    assert reverse("grids:area_detail", args=[cast.town.pk]) in html  # the town total's drill
    assert "cell-alert" in html  # 孟河 has an overdue item


def test_village_cadre_sees_only_their_village(login, cast, area_events):
    client = login(cast.cadre_xiguan)
    html = client.get(reverse("dashboard")).content.decode()
    assert "西关村数据看板" in html and "孟河" not in html
    assert client.get(reverse("dashboard"), {"area": cast.menghe.pk}).status_code == 404
    assert client.get(reverse("dashboard"), {"area": cast.town.pk}).status_code == 404


def test_grid_worker_has_no_dashboard(login, cast, area_events):
    assert login(cast.grid_xiguan).get(reverse("dashboard")).status_code == 403


def test_dashboard_query_count_does_not_grow_with_villages(login, cast, area_events,
                                                            django_assert_max_num_queries,
                                                            still_clock):
    # The clock stands still: the second view must find the figures cached, under a key
    # that holds the minute.
    client = login(cast.leader)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        client.get(reverse("dashboard"))


def test_nightly_snapshot_twice_gives_the_same_rows(cast, area_events):
    day = dt.date(2026, 11, 28)
    first = snapshot_day(day)
    values = sorted(DailyStat.objects.values_list("village_id", "metric", "value"))
    assert snapshot_day(day) == first
    assert sorted(DailyStat.objects.values_list("village_id", "metric", "value")) == values
    assert DailyStat.objects.filter(day=day).count() == 32 * 2


def test_nightly_task_and_backfill_command(cast, area_events, settings):
    from dashboard.tasks import nightly_statistics

    nightly_statistics("2026-11-27")
    call_command("backfill_stats", start="2026-11-20", end="2026-11-27")
    assert DailyStat.objects.values("day").distinct().count() == 8
    points = trend(cast.town, "groups", days=10, today=dt.date(2026, 11, 29))
    assert points[0] == (dt.date(2026, 11, 20), 5)
    assert points[-1] == (dt.date(2026, 11, 29), None)  # not yet snapshotted


def test_trend_page_draws_svg_without_inline_styles(login, cast, area_events):
    call_command("backfill_stats", start="2026-11-01", end="2026-11-29")
    html = login(cast.leader).get(reverse("dashboard_trends"), {"days": "30"}).content.decode()
    assert "<svg" in html and "<polyline" in html and " style=" not in html


def test_audit_events_untouched_by_dashboard(login, cast, area_events):
    before = AuditEvent.objects.count()
    login(cast.leader).get(reverse("dashboard"))
    assert AuditEvent.objects.count() == before
