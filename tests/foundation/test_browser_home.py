import os

import pytest

from tests.conftest import ARTIFACTS, assert_clean_page, build_cast, login_in_browser


@pytest.mark.browser
@pytest.mark.viewport(390, 844)
@pytest.mark.django_db(transaction=True)
def test_grid_demo_sees_chinese_home_on_a_phone(browser_page):
    from grids.actions import ensure_user, grant_membership
    from pingxiang.roles import Role

    cast = build_cast()
    user = ensure_user("grid_demo", full_name="王建国", password="pingxiang-demo")
    grant_membership(user, cast.xiguan_grid, Role.GRID_WORKER, title="网格员")

    page = browser_page
    page.goto(page.base_url + "/")
    assert "/account/login/" in page.url  # anonymous → login
    assert "综治工作平台" in page.content()  # settings.SITE_NAME
    login_in_browser(page, "grid_demo", "pingxiang-demo")
    assert page.locator("h1").inner_text() == "网格员工作台"
    body = page.locator("main").inner_text()
    assert "下一步要做的" in body and "高家庄社第一网格" in body
    # The grid worker's phone header: 消息 in the short row, the rest under 菜单, a <details>
    # that opens without JavaScript tricks (templates/includes/fieldnav.html).
    assert page.locator(".fieldnav-main a", has_text="消息").is_visible()
    page.click(".fieldmenu summary")
    assert page.locator(".fieldmenu a", has_text="重点人员").is_visible()
    assert_clean_page(page)
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "grid_worker_home.png"), full_page=True)
    # The narrowest phones in use (360 px): still nothing scrolls sideways.
    page.set_viewport_size({"width": 360, "height": 780})
    assert_clean_page(page)
