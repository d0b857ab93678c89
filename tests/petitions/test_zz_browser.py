"""Browser journey (Chromium via Playwright): a work order from the 民生信息平台 is
registered, accepted, extended, closed with a printable reply and rated.
(Named to run last: transactional tests flush the database.)"""

import re

import pytest
from django.utils import timezone

from petitions.models import Petition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_livelihood_order_registered_accepted_extended_closed_and_rated(cast, live_server):
    from playwright.sync_api import sync_playwright

    errors, foreign = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 900})
        page.set_default_timeout(8000)
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(live_server.url)
                or r.url.startswith("data:") else foreign.append(r.url))
        try:
            page.goto(live_server.url + "/account/login/")
            page.fill("#id_username", "centre")
            page.fill("#id_password", "pw")
            page.click("button:has-text('登录')")
            page.wait_for_selector("h1:has-text('综治中心工作台')")

            page.goto(live_server.url + "/petitions/new/")
            page.select_option("#id_channel", "livelihood")
            page.select_option("#id_order_type", "求助")
            page.fill("#id_channel_ref", "MS2026-77777")
            page.fill("#id_received_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
            page.select_option("#id_area", str(cast.xiguan_grid.pk))
            page.fill("#id_name", "马福禄")
            page.fill("#id_title", "请求协调灌溉用水")
            page.fill("#id_content", "春灌期间用水紧张，请求协调放水时间。")
            page.select_option("#id_category", label="农村农业")
            page.click("button:has-text('登记')")
            page.wait_for_selector("text=已登记信访件")
            assert page.is_visible("text=民生信息平台（求助）")
            pk = re.search(r"/petitions/(\d+)/", page.url).group(1)

            page.click("a.button:has-text('受理决定')")
            page.check("input[name=decision][value=accept]")
            page.click("button:has-text('提交')")
            page.wait_for_selector("text=已受理")

            page.click("a.button:has-text('延期')")
            page.fill("#id_days", "20")
            page.fill("#id_reason", "需协调水务站核实放水计划")
            page.select_option("#id_approver", str(cast.leader.pk))
            page.select_option("#id_notice_method", "电话")
            page.click("button:has-text('提交')")
            page.wait_for_selector("text=已延期20日")

            page.click("a.button:has-text('办结')")
            page.fill("#id_reply", "已协调水务站调整放水时间，保障春灌用水。")
            page.click("button:has-text('提交')")
            page.wait_for_selector("text=已办结")
            page.click("a:has-text('打印处理意见书')")
            page.wait_for_selector("text=信访事项处理意见书")
            assert page.is_visible("text=已协调水务站调整放水时间")
            page.goto(f"{live_server.url}/petitions/{pk}/")

            page.click("a.button:has-text('满意度评价')")
            page.check("input[name=handling][value=满意]")
            page.check("input[name=result][value=基本满意]")
            page.select_option("#id_method", "电话回访")
            page.click("button:has-text('提交')")
            page.wait_for_selector("text=已记录满意度评价")
            assert page.is_visible("text=双满意")
        finally:
            browser.close()
    petition = Petition.objects.get(pk=pk)
    assert (petition.status, petition.extension_days, petition.rating_result) == (
        "closed", 20, "基本满意")
    assert not errors, errors
    assert not foreign, foreign
