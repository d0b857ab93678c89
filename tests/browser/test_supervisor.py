"""Journey 5: a supervision-team member records a village visit, builds its issue list with a
photo as evidence, hands the items out, and downloads the Excel list; the test opens the
workbook and checks its rows."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from pingxiang.models import Notification
from rectification.models import IssueItem
from tests.conftest import assert_clean_page

from .conftest import check_narrow, click_nav, go, log_in, main_text, png_bytes, shoot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_builds_an_issue_list_hands_it_out_and_downloads_it(
        browser_page, cast, tmp_path):
    from rectification import actions

    today = timezone.localdate()
    team = actions.create_team(actor=cast.centre, town=cast.town, name="第一督导组", members=[
        ("王志刚", "镇纪委", None, True), ("陈丽", "综治中心", cast.supervisor, False),
        ("刘晓燕", "司法所", None, False), ("马文斌", "信访办", None, False)])
    actions.create_round(team, actor=cast.centre, name="第一轮", start_date=today)
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(png_bytes())
    page = browser_page

    log_in(page, "supervisor", title="督导工作台")
    shoot(page, "supervisor_home")

    # The round's page: record today's visit to 西关村.
    click_nav(page, "督导检查")
    assert "问题清单共 0 项" in main_text(page)
    assert "陈丽（综治中心）" in main_text(page)
    page.get_by_role("link", name="第一轮").click()
    page.select_option("#id_area", label="西关村")
    page.fill("#id_members", "王志刚、陈丽、刘晓燕")
    page.fill("#id_summary", "查看村综治中心阵地、走访台账和调解卷宗。")
    page.click("button:has-text('登记并建立问题清单')")
    page.wait_for_selector("h1:has-text('第一督导组第一轮督导问题清单')")
    assert "督导对象：西关村" in main_text(page)

    # Two items; the first with a photo.
    page.select_option("#id_category", label="阵地建设")
    page.fill("#id_description", "调解室未挂牌，制度未上墙")
    page.fill("#id_requirement", "一周内整改到位")
    page.set_input_files("#id_evidence", str(photo))
    page.click("button:has-text('列入问题清单')")
    page.wait_for_selector("text=问题 1 已列入清单")
    page.select_option("#id_category", label="走访台账不规范")
    page.fill("#id_description", "走访台账缺少被走访人签字")
    page.click("button:has-text('列入问题清单')")
    page.wait_for_selector("text=问题 2 已列入清单")
    assert page.locator("#items strong").first.inner_text() == "2"
    visit_url = page.url

    # Hand each item out to the village, with a deadline; the cadre is told.
    deadline = (today + dt.timedelta(days=7)).isoformat()
    for text, person in [("调解室未挂牌", "李秀英"), ("走访台账缺少", "李秀英")]:
        page.goto(visit_url)
        page.locator("#items").get_by_role("link", name=text).click()
        if text == "调解室未挂牌":
            page.wait_for_selector("img[alt='佐证照片']")
            # Attached is not loaded: on a busy machine the picture arrives a moment later.
            assert wait_until(page, lambda: page.eval_on_selector(
                "img[alt='佐证照片']", "i => i.complete ? i.naturalWidth : -1") != -1)
            assert page.eval_on_selector("img[alt='佐证照片']", "i => i.naturalWidth") == 1
        page.fill("#id_responsible_unit", "西关村委会")
        page.fill("#id_responsible_person", person)
        page.select_option("#id_handler", str(cast.cadre_xiguan.pk))
        if text == "调解室未挂牌":
            # A deadline in the past is refused by the server: the page comes back (200, so
            # no console error) with the reason under the field, and nothing is handed out.
            page.fill("#id_deadline", (today - dt.timedelta(days=1)).isoformat())
            page.click("button:has-text('交办')")
            page.wait_for_selector("text=整改时限不能早于交办日期（今天）。")
            assert page.input_value("#id_responsible_unit") == "西关村委会"  # kept
            assert not IssueItem.objects.filter(status="assigned").exists()
            assert_clean_page(page)
        page.fill("#id_deadline", deadline)
        page.click("button:has-text('交办')")
        page.wait_for_selector("text=已交办。")
        assert "整改中" in page.inner_text("h1")
    assert IssueItem.objects.filter(status="assigned").count() == 2
    assert Notification.objects.filter(recipient=cast.cadre_xiguan).count() == 2

    # The Excel list.
    page.goto(visit_url)
    shoot(page, "supervisor_issue_list", full_page=False)
    with page.expect_download() as info:
        page.click("#export-issues")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    content = open(download.path(), "rb").read()
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
            .iter_rows(values_only=True)]
    assert rows[0][0] == "第一督导组第一轮督导问题清单"
    assert [r[3] for r in rows[3:]] == ["调解室未挂牌，制度未上墙", "走访台账缺少被走访人签字"]
    assert [r[5] for r in rows[3:]] == ["西关村委会", "西关村委会"]
    assert [r[-1] for r in rows[3:]] == ["整改中", "整改中"]
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert [r[3] for r in cal[3:]] == [r[3] for r in rows[3:]]  # another reader agrees

    # Home: the issue list's figures moved.
    go(page, "/")
    assert "共 2 项，已销号 0 项，未销号 2 项" in main_text(page)
    check_narrow(page, "/", shot="supervisor_home_360")
    check_narrow(page, visit_url.removeprefix(page.base_url), shot="supervisor_issue_list_360")
    check_narrow(page, "/rectification/supervision/")
