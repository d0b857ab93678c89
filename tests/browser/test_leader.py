"""Journey 4: a leader opens the dashboard, drills down from the overdue number to a list of
that many cases, opens one and takes charge of it (包案), then downloads the campaign
briefing."""

import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from cases import actions
from cases.models import Case, Category

from .conftest import check_narrow, expect_message, go, log_in, main_text, open_action, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _case(cast, area, *, days_ago, level, description, parties):
    at = timezone.now() - dt.timedelta(days=days_ago)
    case = actions.register_case(
        actor=cast.centre, area=area, category=Category.objects.get(name="邻里"),
        description=description, risk="orange", source="walkin",
        parties=[{"name": n} for n in parties], received_at=at, at=at)
    return actions.accept_case(case, actor=cast.centre, level=level, at=at)


def test_leader_drills_down_from_overdue_takes_charge_and_downloads_the_briefing(
        browser_page, cast):
    from docx import Document

    # Three cases past their level's deadline (two villages), one still within it.
    overdue = [
        _case(cast, cast.xiguan_grid, days_ago=12, level=3, description="宅基地边界争议",
              parties=["马占山", "马占林"]),
        _case(cast, cast.xiguan, days_ago=9, level=2, description="土地流转租金拖欠",
              parties=["杨永福", "西关农民专业合作社"]),
        _case(cast, cast.menghe_grid, days_ago=10, level=3, description="婚约彩礼返还",
              parties=["牛建国", "王淑珍"]),
    ]
    _case(cast, cast.xiguan_grid, days_ago=0, level=3, description="邻里噪音",
          parties=["赵春花", "刘宝"])
    now = timezone.now()
    assert Case.objects.overdue(now).count() == 3
    today = timezone.localdate()
    period = f"start={today - dt.timedelta(days=30):%Y-%m-%d}&end={today:%Y-%m-%d}"
    page = browser_page

    log_in(page, "leader", title="领导驾驶舱")
    shoot(page, "leader_home", full_page=False)

    # The dashboard for the town over the last 30 days: 3 overdue, and the number is a link.
    go(page, f"/dashboard/?area={cast.town.pk}&{period}")
    figure = page.locator("#fig-disputes_overdue")
    assert "逾期未化解" in figure.inner_text()
    assert figure.locator("a.stat").inner_text() == "3"
    assert page.locator("#fig-disputes_found a.stat").inner_text() == "4"
    shoot(page, "leader_dashboard", full_page=False)
    figure.locator("a.stat").click()

    # The list behind the number: the same three cases.
    page.wait_for_selector("h1:has-text('矛盾纠纷')")
    assert "共 3 件" in page.inner_text("#case-table")
    listed = page.locator("#case-table tbody tr").all_inner_texts()
    assert sorted(re.match(r"\S+", row).group(0) for row in listed) == sorted(
        c.number for c in overdue)
    assert all("逾期" in row for row in listed), listed

    # Open the oldest and take charge of it.
    page.locator("#case-table").get_by_role("link", name=overdue[0].number).click()
    page.wait_for_selector(f"h1:has-text('{overdue[0].number}')")
    form = open_action(page, "take_charge")
    form.locator("textarea, input[type=text]").first.fill("本人包案，三日内组织司法所、派出所联合调处。")
    form.locator("button[type=submit]").click()
    expect_message(page, "已包案。")
    assert "包案领导" in main_text(page) and "赵志强" in main_text(page)
    assert Case.objects.get(pk=overdue[0].pk).took_charge_by == cast.leader
    go(page, "/")
    assert "我包案的案件：1" in main_text(page)

    # The campaign briefing: on screen, then as a Word document with the same figures.
    go(page, f"/dashboard/briefing/?area={cast.town.pk}&{period}")
    text = page.locator("#briefing").inner_text()
    assert "工作简报" in text and "矛盾纠纷" in text
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Word 文档").click()
    download = info.value
    assert download.suggested_filename == f"工作简报-平襄镇-{today:%Y%m%d}.docx"
    doc = Document(io.BytesIO(open(download.path(), "rb").read()))
    words = "\n".join(p.text for p in doc.paragraphs)
    # Free dates, no campaign chosen: the briefing is named after the area alone (a
    # campaign's name comes only with that campaign, never fixed in code).
    assert "平襄镇工作简报" in words and "活动工作简报" not in words
    assert "矛盾纠纷" in words

    check_narrow(page, "/", shot="leader_home_360")
    check_narrow(page, f"/dashboard/?area={cast.town.pk}&{period}", shot="leader_dashboard_360")
    check_narrow(page, f"/dashboard/briefing/?area={cast.town.pk}&{period}")
