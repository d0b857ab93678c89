"""Browser journey: a supervision-team member builds an issue list with a photo as evidence,
hands an item out, downloads the Excel list, and the workbook holds what was entered."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from .conftest import png_bytes

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_supervisor_builds_issue_list_hands_it_out_and_downloads_it(live_server, rx, supervision,
                                                                    tmp_path):
    from playwright.sync_api import sync_playwright

    photo = tmp_path / "现场照片.png"
    photo.write_bytes(png_bytes())
    visit_url = live_server.url + reverse("rectification:visit_detail", args=[supervision.visit.pk])
    errors, foreign = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(accept_downloads=True, viewport={"width": 1000, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: foreign.append(r.url)
                if not r.url.startswith(live_server.url) else None)
        page.set_default_timeout(8000)

        page.goto(live_server.url + reverse("login"))
        page.fill("#id_username", "supervisor")
        page.fill("#id_password", "pw")
        page.click("button[type=submit]")
        page.wait_for_selector("h1:has-text('督导工作台')")

        page.goto(visit_url)
        assert "第一督导组第一轮督导问题清单" in page.inner_text("h1")
        page.select_option("#id_category", label="阵地建设")
        page.fill("#id_description", "调解室未挂牌，制度未上墙")
        page.fill("#id_requirement", "一周内整改到位")
        page.set_input_files("#id_evidence", str(photo))
        page.click("button:has-text('列入问题清单')")
        page.wait_for_selector("text=问题 1 已列入清单")
        page.select_option("#id_category", label="走访台账不规范")
        page.fill("#id_description", "走访台账缺少签字")
        page.click("button:has-text('列入问题清单')")
        page.wait_for_selector("text=问题 2 已列入清单")

        page.click("a:has-text('调解室未挂牌')")
        page.wait_for_selector("img[alt='佐证照片']")
        assert page.eval_on_selector("img[alt='佐证照片']", "i => i.naturalWidth") == 1
        page.fill("#id_responsible_unit", "西关村委会")
        page.fill("#id_responsible_person", "李秀英")
        page.fill("#id_deadline", (dt.date.today() + dt.timedelta(days=7)).isoformat())
        page.click("button:has-text('交办')")
        page.wait_for_selector("text=已交办。")
        assert "整改中" in page.inner_text("h1")

        page.goto(visit_url)
        with page.expect_download() as info:
            page.click("#export-issues")
        download = info.value
        assert download.suggested_filename.endswith(".xlsx")
        content = open(download.path(), "rb").read()
        browser.close()

    wb = openpyxl.load_workbook(io.BytesIO(content))
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][0] == "第一督导组第一轮督导问题清单"
    assert [r[3] for r in rows[3:]] == ["调解室未挂牌，制度未上墙", "走访台账缺少签字"]
    assert rows[3][5] == "西关村委会" and rows[3][-1] == "整改中"
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert cal[4][-1] == "待交办"
    assert not errors, errors
    assert not foreign, foreign
