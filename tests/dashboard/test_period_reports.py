"""Period reports (issue 20 §1) and the closed book of a finished campaign (§5).

The workbook is read back with openpyxl and its totals compared with the numbers the
dashboard page shows for the same area and period; a finished campaign's figures are
checked not to move when records are added after its end."""

import datetime as dt
import io
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dashboard.figures import compute
from dashboard.models import ClosedFigure, PeriodReport
from dashboard.reports import monthly_reports, run_report
from dashboard.tasks import monthly_reports as monthly_reports_task
from dashboard.tasks import nightly_statistics
from pingxiang.metrics import Period, metrics, ratios
from pingxiang.models import Notification

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def _at(day, hour=10):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), TZ), tick=False)


def _records(cast, day, n=1, *, tag=""):
    """Households, visits, a key person, disputes, petitions and hazards on `day`."""
    from cases.actions import register_case
    from cases.models import Category
    from grids.actions import create_household, record_visit, register_key_person
    from grids.models import KeyPersonCategory, Visit
    from petitions.actions import register_petition
    from petitions.models import Category as PetitionCategory
    from petitions.models import Petition
    from rectification.actions import register_hazard
    from rectification.models import HazardCategory

    for i in range(n):
        grid, worker = ((cast.xiguan_grid, cast.grid_xiguan) if i % 2 == 0
                        else (cast.menghe_grid, cast.grid_menghe))
        village = cast.xiguan if i % 2 == 0 else cast.menghe
        household = create_household(grid=grid, house_number=f"{tag}{day:%m%d}-{i}号",
                                     head_name=f"户主{tag}{i}", actor=worker)
        record_visit(actor=worker, idempotency_key=uuid.uuid4(), visited_on=day,
                     visit_type=Visit.Type.ROUTINE, findings=[Visit.Finding.NONE],
                     household=household, today=day)
        if i == 0:
            register_key_person(household.head, actor=worker, today=day,
                                categories=[KeyPersonCategory.objects.order_by("pk").first()])
        register_case(actor=cast.centre, area=village, category=Category.objects.first(),
                      description="邻里因排水沟发生争执", source="walkin",
                      parties=[{"name": f"当事人{tag}{i}", "id_number": "", "phone": ""}])
        register_petition(actor=cast.centre, channel=Petition.Channel.ONLINE, area=village,
                          received_at=timezone.now(), petitioner={"name": f"信访人{tag}{i}"},
                          title="道路维修", content="村道坑洼，请求维修",
                          category=PetitionCategory.objects.first())
        register_hazard(actor=cast.centre, source="public",
                        category=HazardCategory.objects.get(name="消防"), area=village,
                        description="楼道堆放杂物", found_date=day)


FIGURE = re.compile(r'id="fig-(\w+)">\s*<div class="muted">[^<]*</div>\s*'
                    r'(?:<a class="stat" href="[^"]*">|<span class="stat">)([^<]*)<')


def _dashboard_numbers(client, area, query):
    """{code: text} as the dashboard page shows each figure."""
    response = client.get(reverse("dashboard"), {"area": area.pk, **query})
    assert response.status_code == 200
    found = dict(FIGURE.findall(response.content.decode()))
    assert found, "no figures on the dashboard"
    return found


def _shown(value, is_rate):
    if value is None:
        return "—"
    if is_rate:
        return f"{float(round(value * 100, 1))}%"
    return str(value)


def _make_report(client, data):
    response = client.post(reverse("dashboard_reports"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    report = PeriodReport.objects.latest("pk")
    assert response["Location"] == reverse("dashboard_report", args=[report.pk])
    assert run_report(report.pk) == "done"
    assert run_report(report.pk) == "skipped"  # a redelivered message changes nothing
    download = client.get(reverse("dashboard_report_download", args=[report.pk]))
    assert download.status_code == 200
    return report, load_workbook(io.BytesIO(b"".join(download.streaming_content)))


def _summary(wb):
    """{label: value} of the summary sheet."""
    ws = wb["汇总"]
    return {row[1]: row[2] for row in ws.iter_rows(min_row=4, values_only=True) if row[1]}


def _assert_equal_to_dashboard(wb, shown):
    summary = _summary(wb)
    checked = 0
    for m in metrics():
        assert _shown(summary[m.label], False) == shown[m.code].strip(), m.code
        checked += 1
    for r in ratios():
        if r.code in shown:
            assert _shown(summary[r.label], True) == shown[r.code].strip(), r.code
            checked += 1
    assert checked > 30
    # Every module sheet's 合计 row holds the same totals, and its rows add up to them.
    for m in metrics():
        ws = wb[m.group]
        header = [c.value for c in ws[3]]
        col = next(i for i, h in enumerate(header) if h and h.startswith(m.label + "（"))
        rows = list(ws.iter_rows(min_row=4, values_only=True))
        total_at = next(i for i, row in enumerate(rows) if row[1] == "合计")
        assert str(rows[total_at][col]) == shown[m.code].strip(), m.code
        if m.group != "基层基础":  # a town's own centre counts in the total, in no village
            assert sum(row[col] for row in rows[:total_at]) == rows[total_at][col], m.code


CAMPAIGN_START, CAMPAIGN_END = dt.date(2026, 9, 1), dt.date(2026, 10, 4)
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def data(cast):
    from grids.actions import create_campaign

    with _at(dt.date(2026, 9, 20)):
        _records(cast, dt.date(2026, 9, 20), 3, tag="秋")
    return create_campaign(name="秋季矛盾纠纷大排查", area=cast.town,
                           start_date=CAMPAIGN_START, end_date=CAMPAIGN_END)


@pytest.fixture
def november(cast, data):
    with _at(dt.date(2026, 11, 5)):
        _records(cast, dt.date(2026, 11, 5), 4, tag="冬")
    return data


@pytest.mark.parametrize("where", ["town", "xiguan"])
def test_report_totals_equal_the_dashboard_for_dates_and_campaign(cast, november, login,
                                                                 where):
    data = november
    area = getattr(cast, where)
    client = login(cast.centre)
    with _at(TODAY):
        shown = _dashboard_numbers(client, area, {"start": "2026-11-01", "end": "2026-11-20"})
        report, wb = _make_report(client, {"area": area.pk, "kind": "dates",
                                           "start": "2026-11-01", "end": "2026-11-20"})
        assert report.status == "done" or PeriodReport.objects.get(pk=report.pk).status == "done"
        _assert_equal_to_dashboard(wb, shown)
        assert shown["disputes_found"] == ("4" if where == "town" else "2")

        shown = _dashboard_numbers(client, area, {"campaign": data.pk})
        report, wb = _make_report(client, {"area": area.pk, "kind": "campaign",
                                           "campaign": data.pk})
        _assert_equal_to_dashboard(wb, shown)
        assert shown["disputes_found"] == ("3" if where == "town" else "2")
        assert "活动结束时" in wb["汇总"]["A2"].value


def test_month_report_of_the_running_month_stops_at_today(cast, november, login):
    client = login(cast.centre)
    with _at(TODAY):
        shown = _dashboard_numbers(client, cast.town, {"start": "2026-11-01",
                                                       "end": "2026-11-20"})
        report, wb = _make_report(client, {"area": cast.town.pk, "kind": "month",
                                           "year": 2026, "month": 11})
    report.refresh_from_db()
    assert (report.start, report.end) == (dt.date(2026, 11, 1), TODAY)
    assert report.label == "2026年11月（截至 2026-11-20）"
    _assert_equal_to_dashboard(wb, shown)
    # The module sheets carry the per-village table and the breakdowns.
    assert {"走访排查", "矛盾纠纷", "信访", "专项整治与隐患", "督导检查", "基层基础"} <= set(wb.sheetnames)
    labels = [row[1] for row in wb["矛盾纠纷"].iter_rows(values_only=True)]
    assert "西关村" in labels and "孟河村" in labels
    cells = [c for row in wb["信访"].iter_rows(values_only=True) for c in row]
    assert "网上信访" in cells and "双满意率" in cells


@pytest.mark.parametrize("data_in, message", [
    ({"kind": "dates", "start": "2026-11-10", "end": "2026-11-25"}, "晚于今天"),
    ({"kind": "month", "year": 2026, "month": 12}, "尚未发生的期间不能出报表"),
    ({"kind": "dates", "start": "2020-01-01", "end": "2026-11-20"}, "超过五年"),
    ({"kind": "year", "year": ""}, "年报需要填写年份"),
])
def test_a_future_or_too_long_period_is_refused_in_chinese(cast, login, data_in, message):
    client = login(cast.centre)
    with _at(TODAY):
        response = client.post(reverse("dashboard_reports"), {"area": cast.town.pk, **data_in})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PeriodReport.objects.exists()


def test_five_years_exactly_is_accepted(cast, login):
    client = login(cast.centre)
    with _at(TODAY):
        response = client.post(reverse("dashboard_reports"), {
            "area": cast.town.pk, "kind": "dates", "start": "2021-11-21", "end": "2026-11-20"})
    assert response.status_code == 302


def test_reports_are_kept_per_area_and_scoped(cast, november, login):
    centre = login(cast.centre)
    with _at(TODAY):
        report, _wb = _make_report(centre, {"area": cast.xiguan.pk, "kind": "dates",
                                            "start": "2026-11-01", "end": "2026-11-20"})
        town_report, _wb = _make_report(centre, {"area": cast.town.pk, "kind": "dates",
                                                 "start": "2026-11-01", "end": "2026-11-20"})
        page = centre.get(reverse("dashboard_reports")).content.decode()
        assert page.count("下载") >= 2
        narrowed = centre.get(reverse("dashboard_reports"), {"area": cast.xiguan.pk})
        assert reverse("dashboard_report", args=[report.pk]) in narrowed.content.decode()
        assert reverse("dashboard_report", args=[town_report.pk]) not in (
            narrowed.content.decode())
        # A village cadre of 孟河村 sees neither 西关村's report nor the town's.
        menghe = login(cast.cadre_menghe)
        for pk in (report.pk, town_report.pk):
            assert menghe.get(reverse("dashboard_report", args=[pk])).status_code == 404
            assert menghe.get(reverse("dashboard_report_download",
                                      args=[pk])).status_code == 404
        xiguan = login(cast.cadre_xiguan)
        assert xiguan.get(reverse("dashboard_report", args=[report.pk])).status_code == 200


def test_progress_page_polls_until_done(cast, login, django_capture_on_commit_callbacks):
    client = login(cast.centre)
    with _at(TODAY):
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post(reverse("dashboard_reports"), {
                "area": cast.town.pk, "kind": "month", "year": 2026, "month": 10})
        assert len(callbacks) == 1  # the task is sent only after commit
        report = PeriodReport.objects.get()
        page = client.get(response["Location"]).content.decode()
        assert 'hx-trigger="every 2s"' in page and "排队中" in page
        assert run_report(report.pk) == "done"
        partial = client.get(response["Location"],
                             headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in partial and "下载" in partial and "<html" not in partial
    assert Notification.objects.filter(recipient=cast.centre, kind="period_report").count() == 1


def test_monthly_beat_task_runs_twice_safely(cast, data):
    first_working_day = dt.date(2026, 12, 1)  # a Tuesday
    with _at(first_working_day, hour=6):
        assert monthly_reports_task() > 0
        made = list(PeriodReport.objects.filter(automatic=True))
        assert monthly_reports_task() == 0  # the second run finds them made
        assert PeriodReport.objects.filter(automatic=True).count() == len(made)
        town = PeriodReport.objects.get(area=cast.town, automatic=True)
        assert (town.start, town.end, town.kind) == (dt.date(2026, 11, 1),
                                                     dt.date(2026, 11, 30), "month")
        for report in made:
            assert run_report(report.pk) == "done"
            assert run_report(report.pk) == "skipped"
        assert monthly_reports_task() == 0
    notes = Notification.objects.filter(kind="period_report", recipient=cast.centre)
    assert notes.count() == 1 and "2026年11月" in notes.get().title
    assert not Notification.objects.filter(kind="period_report", recipient=cast.leader).exists()
    with _at(dt.date(2026, 12, 2), hour=6):
        assert monthly_reports(dt.date(2026, 12, 2)) == []  # not the first working day


def test_a_finished_campaigns_figures_do_not_move(cast, data, login):
    period = Period(CAMPAIGN_START, CAMPAIGN_END, label=data.name, campaign_id=data.pk)
    # The night after the end: the end date's snapshot, then the campaign is closed.
    with _at(CAMPAIGN_END + dt.timedelta(days=1), hour=1):
        nightly_statistics()
    assert ClosedFigure.objects.filter(campaign=data).exists()
    with _at(dt.date(2026, 10, 6)):
        town_before = compute(cast.town, period).totals
        village_before = compute(cast.xiguan, period).totals
    assert town_before["households"] == 3 and town_before["disputes_found"] == 3
    # Time passes, records are added and worked on after the end.
    with _at(TODAY):
        _records(cast, TODAY, 2, tag="后")
        from cases.models import Case

        Case.objects.update(status="done", resolution_method="调解")
        town_after = compute(cast.town, period)
        assert town_after.totals == town_before
        assert compute(cast.xiguan, period).totals == village_before
        # A live period does move.
        assert compute(cast.town, Period(None, TODAY)).totals["households"] == 5
        # The page says the numbers are those of the campaign's end.
        client = login(cast.leader)
        page = client.get(reverse("dashboard"), {"campaign": data.pk}).content.decode()
        assert "本活动已于 2026-10-04 结束" in page
        assert "在册户数" in page.split('id="closed-book"')[1].split("</p>")[0]
    # Closing again (the nightly task of a later day) changes nothing.
    with _at(TODAY, hour=1):
        nightly_statistics()
    with _at(TODAY):
        assert compute(cast.town, period).totals == town_before


def test_a_campaign_closed_late_is_closed_on_first_view(cast, data):
    period = Period(CAMPAIGN_START, CAMPAIGN_END, label=data.name, campaign_id=data.pk)
    from dashboard.closing import tables
    from rectification.models import Hazard

    with _at(dt.date(2026, 10, 10)):
        before = compute(cast.town, period).totals
        tables_before = tables(cast.town, period)  # closed for this area on its first view
    assert ClosedFigure.objects.filter(campaign=data).exists()
    assert tables_before["hazards_by_category"]["rows"]
    with _at(TODAY):
        _records(cast, TODAY, 1, tag="晚")
        Hazard.objects.update(status=Hazard.Status.CLOSED)
        assert compute(cast.town, period).totals == before
        assert tables(cast.town, period) == tables_before


def test_trend_charts_tell_daily_from_cumulative_and_show_values(cast, login):
    from dashboard.stats import backfill

    with _at(dt.date(2026, 11, 10)):
        _records(cast, dt.date(2026, 11, 10), 2, tag="趋")
    with _at(TODAY, hour=2):
        backfill(dt.date(2026, 10, 22), dt.date(2026, 11, 19))
    with _at(TODAY):
        client = login(cast.leader)
        visits = client.get(reverse("dashboard_trends"),
                            {"days": "30", "metric": "visits"}).content.decode()
        homes = client.get(reverse("dashboard_trends"),
                           {"days": "30", "metric": "households"}).content.decode()
    # A flow is the day's own number; a stock a running total, drawn and labelled apart.
    assert "每日数" in visits and "chart-stock" not in visits
    assert "累计" in homes and 'class="chart chart-stock"' in homes
    # Dates are marked along the axis: today and every week back, and the first day.
    dates = re.findall(r'class="chart-label chart-date"\s+text-anchor="middle">([\d-]+)<', visits)
    assert dates == ["10-22", "10-30", "11-06", "11-13", "11-20"]
    # Each point is focusable (a tap) and carries its date and value, shown on hover or focus.
    assert 'class="chart-point" tabindex="0"' in visits
    assert "11-10：2次" in visits and "2026-11-10（每日数）：2次" in visits
    assert "11-19：2户" in homes
    assert " style=" not in visits and "<script" not in visits.split("<svg")[1].split("</svg>")[0]


def test_a_report_left_queued_is_sent_again_by_the_sweep(cast, login):
    from dashboard.sweeps import resend_reports

    client = login(cast.centre)
    with _at(TODAY):
        client.post(reverse("dashboard_reports"), {"area": cast.town.pk, "kind": "year",
                                                   "year": 2025})
        report = PeriodReport.objects.get()
        assert resend_reports(timezone.now()) == 0  # just asked for: not yet
    later = dt.datetime.combine(TODAY, dt.time(10, 5), TZ)
    assert resend_reports(later) == 1  # sent to the broker (Redis) again
    assert run_report(report.pk) == "done"
    assert resend_reports(later) == 0


BREAKDOWN = re.compile(r'<div class="table-wrap breakdown" id="bd-\w+">.*?</table>', re.S)


def _campaign_tables(client, area, query):
    """What the dashboard draws for the area and period, figure by figure and table by
    table: the cards, the breakdown tables and the per-village table (its htmx partial)."""
    page = client.get(reverse("dashboard"), {"area": area.pk, **query}).content.decode()
    villages = client.get(reverse("dashboard"), {"area": area.pk, **query},
                          headers={"HX-Request": "true"}).content.decode()
    return {"cards": dict(FIGURE.findall(page)), "breakdowns": BREAKDOWN.findall(page),
            "villages": villages}


def _workbook_values(wb):
    """Every sheet's cells below the subtitle (which says when the file was made)."""
    return {ws.title: [row for row in ws.iter_rows(min_row=3, values_only=True)]
            for ws in wb.worksheets}


def test_a_finished_campaigns_tables_summary_and_report_do_not_move(cast, data, login):
    """Issue 20 §5: after the campaign's end, households are added, a key person becomes
    overdue, the campaign's disputes are resolved at another level and its hazards closed:
    the campaign's cards, breakdown tables, per-village table and report workbook stay as
    they were at its end; the same area's current period moves."""
    from cases.models import Case
    from grids.actions import register_key_person
    from grids.models import KeyPersonCategory, Resident
    from rectification.models import Hazard

    campaign = {"campaign": data.pk}
    current = {"start": "2026-09-01", "end": TODAY.isoformat()}
    report_form = {"area": cast.town.pk, "kind": "campaign", "campaign": data.pk}
    with _at(CAMPAIGN_END + dt.timedelta(days=1), hour=1):
        nightly_statistics()
    client = login(cast.leader)
    with _at(dt.date(2026, 10, 6)):
        before = {where: _campaign_tables(client, where, campaign)
                  for where in (cast.town, cast.xiguan)}
        live_before = _campaign_tables(client, cast.town, current)
        _report, wb = _make_report(client, report_form)
        report_before = _workbook_values(wb)
    assert before[cast.town]["breakdowns"], "no breakdown tables drawn"
    assert "<table" in before[cast.town]["villages"]
    with _at(dt.date(2026, 10, 10)):
        _records(cast, dt.date(2026, 10, 10), 2, tag="后")
        later = Resident.objects.filter(name="户主后1").get()
        register_key_person(later, actor=cast.grid_menghe, visit_every_days=1,
                            categories=[KeyPersonCategory.objects.order_by("pk").first()])
    with _at(TODAY):
        Case.objects.update(status="done", resolution_method="人民调解", level=3,
                            resolved_level=3)
        Hazard.objects.update(status=Hazard.Status.CLOSED)
        client = login(cast.leader)  # the October session has expired by now
        after = {where: _campaign_tables(client, where, campaign)
                 for where in (cast.town, cast.xiguan)}
        live_after = _campaign_tables(client, cast.town, current)
        _report, wb = _make_report(client, report_form)
        report_after = _workbook_values(wb)
        page = client.get(reverse("dashboard"), campaign).content.decode()
    for where in (cast.town, cast.xiguan):
        assert after[where] == before[where], where
    assert report_after == report_before
    # The current period does move: cards, tables and the per-village table.
    assert live_after["cards"]["households"] != live_before["cards"]["households"]
    assert live_after["cards"]["key_persons_overdue"] != live_before["cards"][
        "key_persons_overdue"]
    assert live_after["breakdowns"] != live_before["breakdowns"]
    assert live_after["villages"] != live_before["villages"]
    # And the page no longer says the tables are today's data.
    note = page.split('id="closed-book"')[1].split("</p>")[0]
    assert "当前数据" not in note and "分类统计表同样是活动结束时的数字" in note
