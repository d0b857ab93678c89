"""Issue 21 §4 on a phone (390×844): the grid worker's short header with 菜单, lists as cards
whose deadline is on screen and first, tap targets at least 44 px high, and "下一户" after a
visit opening the next unvisited household of the same 社. §3: the location box of the visit
form fills the hidden fields from the phone's position when ticked."""

import datetime as dt

import pytest
from django.utils import timezone

from grids.models import Visit
from tests.conftest import assert_clean_page

from .conftest import go, log_in, make_household, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390


def _boxes(page, selector):
    return page.eval_on_selector_all(selector, """els => els.filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect();
                    return {text: e.innerText.trim(), x: r.x, y: r.y, w: r.width, h: r.height}; })""")


def _assert_cards(page, title_cell, due_text):
    """Every card of the list shows its deadline inside the screen, above its other cells."""
    dues = _boxes(page, "table.cards td.due")
    assert dues, "no card with a deadline"
    assert any(due_text in d["text"] for d in dues), dues
    for due in dues:
        assert 0 <= due["x"] and due["x"] + due["w"] <= WIDTH, due
    states = _boxes(page, "table.cards td.state")
    assert all(d["y"] < s["y"] for d, s in zip(dues, states, strict=True))
    assert not page.locator("table.cards thead").is_visible()
    for link in _boxes(page, f"table.cards td.{title_cell} a"):
        assert link["h"] >= 44, link
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


@pytest.mark.viewport(WIDTH, 844)
def test_grid_worker_phone_cards_header_and_next_household(browser_page, cast):
    from cases import actions as cases_actions
    from cases.models import Category
    from grids import actions as grids_actions
    from grids.models import KeyPersonCategory
    from rectification import actions as rx_actions
    from rectification.models import HazardCategory

    today = timezone.localdate()
    grids_actions.create_campaign(name="冬季走访", area=cast.town,
                                  start_date=today - dt.timedelta(days=5),
                                  end_date=today + dt.timedelta(days=25))
    first = make_household(cast.xiguan_grid, head="王建国", house=3,
                           members=[("王小明", "子")])
    make_household(cast.xiguan_grid, head="赵大海", house=12)
    make_household(cast.grids["西关一社网格"], head="孙一", house=4)  # another 社
    person = first.members.get(name="王小明")
    grids_actions.register_key_person(
        person, categories=[KeyPersonCategory.objects.first()], visit_every_days=7,
        today=today - dt.timedelta(days=30))
    case = cases_actions.register_case(
        actor=cast.grid_xiguan, area=cast.xiguan_grid, category=Category.objects.first(),
        description="院墙排水纠纷", source="walkin", parties=[{"name": "李小河"}])
    cases_actions.accept_case(case, actor=cast.grid_xiguan, level=1)
    hazard = rx_actions.register_hazard(
        actor=cast.grid_xiguan, source="public", category=HazardCategory.objects.first(),
        area=cast.xiguan_grid, description="柴草堆靠近灶房", found_date=today)
    rx_actions.assign_hazard(hazard, actor=cast.centre, responsible_unit="西关村",
                             responsible_person="李", measures="清理",
                             deadline=today + dt.timedelta(days=7), handler=cast.grid_xiguan)
    page = browser_page

    # The header: four things in a row, the rest under 菜单, which opens without a script.
    log_in(page, "grid_xiguan")
    assert page.locator(".fieldnav").is_visible()
    assert not page.locator(".mainnav").is_visible()
    row = _boxes(page, ".fieldnav-main a, .fieldmenu summary")
    assert [b["text"].split()[0] for b in row] == ["走访", "住户", "我的待办", "消息", "菜单"]
    assert all(b["h"] >= 44 for b in row), row
    ledger = page.locator(".fieldmenu a", has_text="走访台账")
    assert not ledger.is_visible()
    page.locator(".fieldmenu summary").click()
    assert ledger.is_visible() and page.locator(".fieldmenu button", has_text="退出").is_visible()
    assert all(b["h"] >= 44 for b in _boxes(page, ".fieldmenu li a, .fieldmenu button"))
    assert_clean_page(page)
    shoot(page, "grid_worker_phone_menu", full_page=False)

    # 我的待办: the case as a card, its 期限 on screen and first.
    go(page, "/cases/mine/")
    _assert_cards(page, "title", "前")
    shoot(page, "grid_worker_phone_my_cases")
    # The overdue key persons and the hazards to rectify: the same.
    go(page, "/grids/key-persons/")
    _assert_cards(page, "title", "逾期")
    go(page, "/rectification/hazards/")
    _assert_cards(page, "title", (today + dt.timedelta(days=7)).isoformat())
    assert_clean_page(page)

    # The worklist: one card per item, the deadline first, each link a full 44 px line.
    go(page, "/grids/worklist/")
    overdue = page.locator("ul.cards li", has_text="王小明")
    due, name = overdue.locator(".due").bounding_box(), overdue.locator("a").first.bounding_box()
    assert due["y"] < name["y"] and due["x"] + due["width"] <= WIDTH
    links = _boxes(page, "ul.cards li > a")
    assert links and all(link["h"] >= 44 for link in links), links
    shoot(page, "grid_worker_phone_worklist")

    # A visit, saved, then 下一户: the next unvisited house of the same 社, not page 1.
    page.locator("ul.cards li a", has_text="王建国").click()
    page.wait_for_load_state("load")
    page.locator(".checks label", has_text="无异常").click()
    button = page.locator("button", has_text="保存走访")
    assert button.bounding_box()["height"] >= 44
    button.click()
    page.wait_for_url("**/grids/visits/*/")
    assert Visit.objects.filter(household=first).count() == 1
    nxt = page.locator("[data-next-household]")
    assert "赵大海" in nxt.inner_text() and nxt.bounding_box()["height"] >= 44
    nxt.click()
    page.wait_for_load_state("load")
    assert "赵大海" in page.locator("main").inner_text()
    assert_clean_page(page)


@pytest.mark.viewport(WIDTH, 844)
def test_visit_form_records_the_position_only_when_ticked(browser_page, cast, chromium):
    household = make_household(cast.xiguan_grid, head="王建国", house=3)
    page = browser_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 35.21, "longitude": 105.242, "accuracy": 9})
    log_in(page, "grid_xiguan")
    go(page, f"/grids/households/{household.pk}/visit/")
    assert page.locator("input[name=latitude]").input_value() == ""
    page.locator("label.check-tap").click()
    status = page.locator("[data-location-status]")
    status.filter(has_text="已定位").wait_for()
    assert "精度约 9 米" in status.inner_text()
    # The status line sits by the box just ticked, and the save button right below it.
    assert page.locator("input[name=latitude]").input_value() == "35.2100000"
    page.locator(".checks label", has_text="无异常").click()
    page.locator("button", has_text="保存走访").click()
    page.wait_for_url("**/grids/visits/*/")
    visit = Visit.objects.get()
    assert (visit.latitude, visit.longitude, visit.accuracy) == (35.21, 105.242, 9)
    assert "纬度 35.210000" in page.locator("#position").inner_text()
    assert_clean_page(page)
