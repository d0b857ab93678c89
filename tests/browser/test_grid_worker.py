"""Journey 1: a grid worker's day on a phone (390×844).

Finds a household by a member's name, records a visit with a dispute finding, opens the
dispute case the visit pre-fills, settles it on the spot (随手调) with an oral agreement;
then loses the network in the middle of the next visit, and the visit is saved exactly once
when the network returns."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from grids.models import Visit
from tests.conftest import assert_clean_page

from .conftest import (
    check_narrow,
    click_nav,
    expect_message,
    go,
    log_in,
    main_text,
    make_household,
    open_action,
    shoot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.viewport(390, 844)
def test_grid_worker_visits_settles_a_dispute_on_the_spot_and_works_offline(
        browser_page, cast, chromium):
    from grids.actions import create_campaign

    today = timezone.localdate()
    create_campaign(name="冬季矛盾纠纷大排查", area=cast.town,
                    start_date=today - dt.timedelta(days=5),
                    end_date=today + dt.timedelta(days=25), focus="婚恋纠纷、邻里纠纷")
    wang = make_household(cast.xiguan_grid, head="王建国", house=45,
                          members=[("李芳", "配偶"), ("王小明", "子")])
    make_household(cast.xiguan_grid, head="赵大海", house=7)
    ma = make_household(cast.xiguan_grid, head="马福禄", house=12)
    page = browser_page

    # Home: the visit progress of the campaign, on a phone.
    log_in(page, "grid_xiguan", title="网格员工作台")
    home = main_text(page)
    assert "冬季矛盾纠纷大排查" in home and "已走访 0 / 3 户" in home
    assert "1级待调处（网格员/社调解员“随手调”）：0" in home
    assert_clean_page(page)
    shoot(page, "grid_worker_phone", full_page=False)

    # Find the household by a member's name (the menu folds behind a button on a phone).
    page.click("label.navbutton")
    click_nav(page, "住户")
    # htmx (a deferred script) must have wired up the box before typing, or on a busy
    # machine the keystrokes come before it and no search is sent.
    page.wait_for_load_state("load")
    page.fill("#q", "李芳")  # results follow the typing (htmx), no button needed
    page.wait_for_url("**q=**")  # htmx swapped the results and pushed the URL
    page.wait_for_load_state("networkidle")
    expect(page.locator("#results")).not_to_contain_text("赵大海")
    assert "王建国 西关村高家庄社45号" in page.inner_text("#results")

    # A visit with a dispute finding.
    page.locator("#results li", has_text="王建国").get_by_role("link", name="记录走访").click()
    page.wait_for_selector("h1:has-text('记录走访')")
    assert "排查重点：婚恋纠纷 邻里纠纷" in main_text(page)  # the campaign's focus, brought forward
    page.check("label:has-text('李芳') input")
    page.check("label:has-text('矛盾纠纷') input")
    page.fill("textarea[name=notes]", "李芳反映与邻居马家因院墙排水发生争吵。")
    shoot(page, "grid_worker_visit_form", full_page=False)
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=走访已保存")
    assert Visit.objects.count() == 1
    assert "后续处理" in main_text(page)

    # The dispute case the visit fills in: village, grid, source, description, the party.
    page.get_by_role("link", name="登记矛盾纠纷").click()
    page.wait_for_selector("h1:has-text('登记矛盾纠纷')")
    assert page.locator("#id_village option:checked").inner_text() == "西关村"
    assert "高家庄社第一网格" in page.locator("#id_area option:checked").inner_text()
    assert page.locator("#id_source option:checked").inner_text() == "走访排查"
    assert "院墙排水" in page.input_value("#id_description")
    assert page.locator("label:has-text('李芳') input").is_checked()
    page.select_option("#id_category", label="邻里")
    page.fill("#id_party-0-name", "马福禄")
    page.click("button:has-text('登记')")
    page.wait_for_selector("text=已登记")
    case = Case.objects.get()
    assert case.source == "visit" and case.source_visit_id == Visit.objects.get().pk
    assert "李芳" in main_text(page) and "马福禄" in main_text(page)

    # 随手调: take it at level 1 and settle it there with an oral agreement.
    form = open_action(page, "accept")
    assert [t.split()[0] for t in form.locator("select[name=level] option").all_inner_texts()] == [
        "1级"]  # a grid worker takes a case at level 1 only
    form.locator("button[type=submit]").click()
    expect_message(page, "已受理。")
    assert "第1级" in page.inner_text("#case-state")
    form = open_action(page, "resolve")
    form.locator("select[name=method]").select_option("people")
    form.locator("select[name=kind]").select_option("oral")
    form.locator("textarea[name=facts]").fill("两家因院墙排水发生争吵。")
    form.locator("textarea[name=terms]").fill("马家在院墙下挖排水沟，水引入巷道排水渠。")
    form.locator("textarea[name=performance]").fill("三日内完成，网格员到场查看。")
    form.locator("button[type=submit]").click()
    expect_message(page, "已化解结案。")
    assert "已化解" in page.inner_text("#case-state")
    assert page.get_by_role("link", name="口头协议").count() == 1
    case.refresh_from_db()
    assert (case.status, case.resolved_level) == ("resolved", 1)
    assert_clean_page(page)

    # Home again: one household visited.
    go(page, "/")
    assert "已走访 1 / 3 户" in main_text(page)

    # The next visit: the network drops just as the worker presses save.
    go(page, f"/grids/households/{ma.pk}/visit/")
    page.check("label:has-text('无异常') input")
    page.fill("textarea[name=notes]", "一家人身体健康，无矛盾。")
    page.context.set_offline(True)
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=网络中断")
    assert Visit.objects.count() == 1
    assert "一家人身体健康" in page.evaluate("JSON.stringify(localStorage)")
    page.context.set_offline(False)
    for _ in range(50):  # wait_for_function needs eval, which the CSP forbids
        if page.evaluate("localStorage.getItem('pingxiang.visitQueue')") == "[]":
            break
        page.wait_for_timeout(100)
    assert page.is_visible("text=待补发的走访已全部保存")
    assert Visit.objects.filter(household=ma).count() == 1
    # Pressing save again on the same form (same key) still makes one visit.
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=已经保存过")
    assert Visit.objects.filter(household=ma).count() == 1 and Visit.objects.count() == 2
    go(page, "/")
    assert "已走访 2 / 3 户" in main_text(page)
    page.console_errors[:] = [e for e in page.console_errors
                              if "ERR_INTERNET_DISCONNECTED" not in e]

    # The main pages fit a 360 px screen.
    check_narrow(page, shot="grid_worker_home_360")
    for path, shot in [("/grids/worklist/", None),
                       ("/grids/households/?q=李芳", None), (f"/cases/{case.pk}/", "grid_worker_case_360"),
                       (f"/grids/households/{wang.pk}/visit/", None), ("/cases/mine/", None)]:
        check_narrow(page, path, shot=shot)
