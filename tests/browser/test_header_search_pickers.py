"""Issue 19 §3–§5 in Chromium: the header fits one row on a 1366 px screen for every role
(its modules folded into menus that open without JavaScript tricks), the header's search
box finds a person and opens their page, and the hazard form's place picker narrows its
options as one types."""

import pytest

from grids import actions
from grids.actions import ensure_user, grant_membership
from pingxiang.roles import Role
from tests.conftest import assert_clean_page

from .conftest import PASSWORD, click_nav, go, log_in, log_out, main_text, make_household, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ONE_ROW = """() => {
  const bar = document.querySelector("header.topbar");
  const kids = Array.from(bar.children).filter(e => e.getClientRects().length);
  const tops = kids.map(e => Math.round(e.getBoundingClientRect().top));
  const rects = kids.map(e => e.getBoundingClientRect()).sort((a, b) => a.left - b.left);
  const overlap = rects.slice(1).some((r, i) => rects[i].right > r.left + 1);
  const nav = document.querySelector(".mainnav > ul");
  return {height: Math.round(bar.getBoundingClientRect().height), overlap: overlap,
          clipped: nav.scrollWidth > nav.clientWidth + 1,
          spread: Math.max(...tops) - Math.min(...tops),
          scroll: document.documentElement.scrollWidth - window.innerWidth};
}"""


@pytest.mark.viewport(1366, 768)
def test_the_header_is_one_row_at_1366_px_for_every_role(browser_page, cast):
    page = browser_page
    visitor = ensure_user("visitor_xg", full_name="欧阳晓东", password=PASSWORD)
    grant_membership(visitor, cast.xiguan_grid, Role.VISITOR)
    auditor = ensure_user("auditor", full_name="司马建华", password=PASSWORD)
    grant_membership(auditor, cast.county, Role.AUDITOR)
    two_posts = ensure_user("two_posts", full_name="欧阳建华", password=PASSWORD)
    grant_membership(two_posts, cast.town, Role.CENTRE_STAFF)
    grant_membership(two_posts, cast.town, Role.LEADER)
    for username in ["grid_xiguan", "visitor_xg", "cadre_xiguan", "centre", "leader",
                     "supervisor", "admin", "auditor", "two_posts"]:
        log_in(page, username)
        shape = page.evaluate(ONE_ROW)
        assert shape["spread"] <= 12 and shape["height"] <= 64, (username, shape)
        assert shape["scroll"] <= 0, (username, shape)
        assert not shape["overlap"] and not shape["clipped"], (username, shape)
        assert_clean_page(page)
        shoot(page, f"header_1366_{username}", full_page=False)
        log_out(page)


def test_a_module_menu_opens_and_its_page_loads(browser_page, cast):
    page = browser_page
    log_in(page, "centre")
    # 走访 is not the centre's daily page: it sits in its module's menu.
    assert not page.locator(".mainnav a", has_text="走访台账").is_visible()
    page.locator(".navgroup summary", has_text="走访").click()
    # The menu opens downwards as a column, over the page, the header still one row.
    links = page.locator(".navgroup details[open] ul a")
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    assert len(boxes) >= 3 and len({round(b["x"]) for b in boxes}) == 1
    shoot(page, "header_menu_open", full_page=False)
    page.locator(".navgroup summary", has_text="走访").click()
    click_nav(page, "走访台账")
    assert "/grids/visits/" in page.url
    assert_clean_page(page)


def test_the_header_search_finds_a_person_and_opens_their_page(browser_page, cast):
    page = browser_page
    household = make_household(cast.xiguan_grid, head="高彩霞", house=45, actor=cast.cadre_xiguan)
    log_in(page, "cadre_xiguan")
    page.fill("#topsearch-q", "gcx")
    page.press("#topsearch-q", "Enter")
    page.wait_for_url("**/grids/search/**")
    assert "姓名拼音首字母“gcx”" in main_text(page)
    page.locator(".search-hits a", has_text="高彩霞").first.click()
    page.wait_for_url("**/grids/persons/**")
    text = main_text(page)
    assert "一人一档 · 高彩霞" in text and household.address in text
    assert_clean_page(page)


def test_the_place_picker_narrows_as_one_types_and_posts_without_javascript_too(
        browser_page, chromium, live_server, cast):
    for n in range(40):
        actions.create_key_place(grid=cast.xiguan_grid, kind="九小场所", name=f"小店{n:02d}",
                                 address=f"西关村高家庄社{n}号")
    actions.create_key_place(grid=cast.xiguan_grid, kind="物流企业", name="顺达物流",
                             address="西关村高家庄社12号")
    page = browser_page
    log_in(page, "centre")
    go(page, "/rectification/hazards/new/")
    assert page.locator("select[name=place] option").count() >= 41
    page.fill("input[name=place__q]", "顺达")
    page.wait_for_function(
        "() => document.querySelectorAll('select[name=place] option[value]:not([value=\"\"])')"
        ".length === 1")
    options = page.locator("select[name=place] option").all_inner_texts()
    assert any("顺达物流 · 西关村高家庄社12号" in o for o in options), options
    assert_clean_page(page)

    # Without JavaScript the search box is hidden and the select is the whole picker.
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1280,
                                                                        "height": 900})
    plain = context.new_page()
    plain.goto(live_server.url + "/account/login/")
    plain.fill("#id_username", "centre")
    plain.fill("#id_password", PASSWORD)
    plain.click("button[type=submit]")
    plain.goto(live_server.url + "/rectification/hazards/new/")
    assert not plain.locator("input[name=place__q]").is_visible()
    assert plain.locator("select[name=place]").is_visible()
    plain.select_option("select[name=place]", label="物流企业·顺达物流 · 西关村高家庄社12号")
    context.close()
