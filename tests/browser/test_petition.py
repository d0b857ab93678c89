"""Journey 6: a work order from the 民生信息平台 is registered, accepted, extended once,
closed with a printable reply and rated; the petition-rates page moves with it."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from petitions.models import Category, Petition

from .conftest import check_narrow, click_nav, go, id_number, log_in, main_text, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rates(page):
    """(收到, 办结率, 双满意率) as the rates page shows them (None for "—")."""
    go(page, "/petitions/stats/")

    def percent(selector):
        text = page.inner_text(selector)
        return None if text == "—" else float(text.removesuffix("%"))

    return (int(page.inner_text("#total-received")), percent("#total-close-rate"),
            percent("#total-satisfied-rate"))


def test_livelihood_order_registered_accepted_extended_closed_and_rated(browser_page, cast):
    from petitions import actions

    # One letter already accepted and still being handled: 办结率 0 of 1.
    earlier = actions.register_petition(
        actor=cast.centre, channel=Petition.Channel.LETTER, area=cast.xiguan_grid,
        received_at=timezone.now() - dt.timedelta(days=3),
        petitioner={"name": "杨守成", "id_number": id_number(), "phone": "13900001111"},
        title="反映巷道积水", content="雨后巷道积水严重，出行困难。",
        category=Category.objects.get(name="城乡建设"))
    actions.accept_petition(earlier, actor=cast.centre)
    page = browser_page

    log_in(page, "centre", title="综治中心工作台")
    assert rates(page) == (1, 0, None)

    # 登记: a 求助 work order from the 民生信息平台.
    click_nav(page, "信访")
    page.get_by_role("link", name="登记信访件").click()
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
    pk = int(re.search(r"/petitions/(\d+)/", page.url).group(1))

    # 受理, then 延期 once (a second extension is no longer offered).
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
    assert page.locator("a.button:has-text('延期')").count() == 0
    shoot(page, "petition_detail")

    # 办结 with a reply; the 处理意见书 prints.
    page.click("a.button:has-text('办结')")
    page.fill("#id_reply", "已协调水务站调整放水时间，保障春灌用水。")
    page.click("button:has-text('提交')")
    page.wait_for_selector("text=已办结")
    page.click("a:has-text('打印处理意见书')")
    page.wait_for_selector("text=信访事项处理意见书")
    assert page.is_visible("text=已协调水务站调整放水时间")
    check_narrow(page)
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    page.emulate_media(media="screen")
    assert rates(page) == (2, 50, None)

    # 满意度评价: both ratings stored.
    go(page, f"/petitions/{pk}/")
    page.click("a.button:has-text('满意度评价')")
    page.check("input[name=handling][value=满意]")
    page.check("input[name=result][value=基本满意]")
    page.select_option("#id_method", "电话回访")
    page.click("button:has-text('提交')")
    page.wait_for_selector("text=已记录满意度评价")
    assert page.is_visible("text=双满意")
    petition = Petition.objects.get(pk=pk)
    assert (petition.status, petition.extension_days, petition.rating_handling,
            petition.rating_result) == ("closed", 20, "满意", "基本满意")

    # The rates page: 1 of 2 accepted closed, 1 of 1 rated satisfied with both.
    assert rates(page) == (2, 50, 100)
    assert "民生信息平台" in main_text(page)
    shoot(page, "petition_stats", full_page=False)
    check_narrow(page, "/petitions/stats/", shot="petition_stats_360")
    check_narrow(page, "/petitions/")
    check_narrow(page, f"/petitions/{pk}/")
