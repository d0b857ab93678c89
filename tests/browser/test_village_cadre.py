"""Journey 2: a village cadre finds a level-2 case in the inbox, tries mediation, fails,
escalates it with a reason, and the case shows up in the centre's queue."""

import pytest

from cases import actions
from cases.models import Case, Category

from .conftest import (
    check_narrow,
    expect_message,
    go,
    log_in,
    log_out,
    main_text,
    open_action,
    shoot,
    unread_count,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_village_cadre_mediates_fails_and_escalates_to_the_centre(browser_page, cast):
    case = actions.register_case(
        actor=cast.grid_xiguan, area=cast.xiguan_grid, category=Category.objects.get(name="婚恋"),
        description="订婚后女方悔婚，男方要求退还彩礼8万元，双方争执不下。", risk="yellow",
        source="grid", parties=[{"name": "牛志刚"}, {"name": "杨桂花"}])
    actions.accept_case(case, actor=cast.grid_xiguan, level=1)
    actions.escalate_case(case, actor=cast.grid_xiguan, reason="双方分歧大，网格调解不成")
    page = browser_page

    # Home: one message waiting, one level-2 case.
    log_in(page, "cadre_xiguan", title="村(社区)工作台")
    home = main_text(page)
    assert unread_count(page) == 1
    assert "2级待调处（村(社区)调委会）：1" in home
    assert f"{case.number} 转到您处" in home
    shoot(page, "village_cadre_home", full_page=False)

    # The message leads to the case; it is then read.
    page.get_by_role("button", name=f"{case.number} 转到您处").first.click()
    page.wait_for_selector(f"h1:has-text('{case.number}')")
    assert unread_count(page) == 0
    assert "第2级" in page.inner_text("#case-state")

    # The inbox section lists it too.
    go(page, "/cases/mine/")
    section = page.locator("#section-level")
    assert "2级待调处（村(社区)调委会）" in section.inner_text()
    section.get_by_role("link", name=case.number).click()
    page.wait_for_selector(f"h1:has-text('{case.number}')")

    # Mediation by the village committee: it fails.
    form = open_action(page, "record_session")
    form.locator("input[name=place]").fill("西关村调解室")
    form.locator("input[name=participants]").fill("牛志刚、杨桂花、村调委会李秀英")
    form.locator("textarea[name=notes]").fill("男方坚持全额退还，女方只同意退还一半，调解不成。")
    form.locator("button[type=submit]").click()
    expect_message(page, "已记录调解。")
    assert "调处中" in page.inner_text("#case-state")
    assert "女方只同意退还一半" in main_text(page)

    # Escalate with a reason: only the next level is offered to a yellow case.
    form = open_action(page, "escalate")
    assert form.locator("select[name=to_level] option").count() == 1
    form.locator("textarea[name=reason]").fill("彩礼金额争议大，村调委会两次调解不成，请镇综治中心联合司法所调处。")
    form.locator("button[type=submit]").click()
    expect_message(page, "已上报上一级。")
    assert "第3级" in page.inner_text("#case-state")
    assert "请镇综治中心联合司法所调处" in page.locator(".timeline").inner_text()
    case.refresh_from_db()
    assert (case.level, case.status) == (3, "accepted")
    go(page, "/")
    assert "2级待调处（村(社区)调委会）：0" in main_text(page)
    check_narrow(page, "/", shot="village_cadre_home_360")
    check_narrow(page, "/cases/mine/")
    check_narrow(page, f"/cases/{case.pk}/")
    log_out(page)

    # The centre: the case is in its queue, with a message.
    log_in(page, "centre", title="综治中心工作台")
    assert unread_count(page) >= 1
    assert "3、4级调处中：1" in main_text(page)
    go(page, "/cases/mine/")
    queue = page.locator("#section-level")
    assert "3、4级调处中" in queue.inner_text()
    assert case.number in queue.inner_text() and "3级" in queue.inner_text()
    go(page, "/inbox/")
    assert f"{case.number} 转到您处" in main_text(page)
    assert Case.objects.get(pk=case.pk).handler is None  # waiting for the centre to take it
