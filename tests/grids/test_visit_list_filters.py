"""The visit ledger's filter bar is its filter form drawn by the shared templates
(`{{ form }}`): 只看我的 is the form's checkbox, kept checked, and applied, on every page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _mine_checkbox(html):
    found = re.search(r'<div class="filter-mine">.*?(<input type="checkbox"[^>]*>)', html, re.S)
    assert found, "no 只看我的 in the filter bar"
    return found.group(1)


def test_only_mine_stays_checked_on_page_two_and_lists_only_my_visits(
        login, cast, settings, make_household, visit):
    settings.LIST_PAGE_SIZE = 1
    first, second = (make_household(cast.xiguan_grid, head=name) for name in ("张三", "李四"))
    theirs = make_household(cast.xiguan_grid, head="赵五")
    visit(first, cast.grid_xiguan, days_ago=2)
    visit(second, cast.grid_xiguan, days_ago=1)
    visit(theirs, cast.cadre_xiguan)  # the newest, someone else's
    client = login(cast.grid_xiguan)
    html = client.get(reverse("grids:visit_list"), {"mine": "on"}).content.decode()
    assert "checked" in _mine_checkbox(html) and 'name="mine"' in _mine_checkbox(html)
    assert "我的走访记录" in html and second.address in html and theirs.address not in html
    link = re.search(r'href="(\?[^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "mine=on" in link
    page2 = client.get(reverse("grids:visit_list") + link).content.decode()
    assert "checked" in _mine_checkbox(page2)
    assert first.address in page2 and theirs.address not in page2
    assert re.search(r"第 2 / 2\s*页", page2)


def test_the_ledger_bar_is_the_form_with_its_export_button(login, cast, make_household, visit):
    theirs = make_household(cast.xiguan_grid, head="赵五")
    visit(theirs, cast.cadre_xiguan)
    html = login(cast.grid_xiguan).get(reverse("grids:visit_list")).content.decode()
    assert "checked" not in _mine_checkbox(html)
    assert theirs.address in html
    for name in ("area", "start", "end"):
        assert f'<div class="filter-{name}">' in html and f'name="{name}"' in html
    assert f'formaction="{reverse("grids:visit_export")}"' in html
    # The old links (?mine=1) still mean 只看我的.
    html = login(cast.grid_xiguan).get(reverse("grids:visit_list"), {"mine": "1"}).content.decode()
    assert "checked" in _mine_checkbox(html) and theirs.address not in html


def test_a_towns_ledger_lists_and_counts_its_villages_visits_in_the_same_queries(
        login, cast, make_household, visit, django_assert_num_queries):
    """The town's ledger is scoped by the visits' own town column: both villages' visits,
    counted, with the distance column for centre staff, and no query more for more rows."""
    xiguan = make_household(cast.xiguan_grid, head="张三")
    menghe = make_household(cast.menghe_grid, head="李四")
    visit(xiguan, cast.grid_xiguan, days_ago=1)
    visit(menghe, cast.grid_menghe)
    client = login(cast.centre)
    url = reverse("grids:visit_list")
    html = client.get(url, {"area": cast.town.pk}).content.decode()
    assert xiguan.address in html and menghe.address in html
    assert "共 2 条" in html and "距户(米)" in html
    village = client.get(url, {"area": cast.xiguan.pk}).content.decode()
    assert xiguan.address in village and menghe.address not in village and "共 1 条" in village

    with CaptureQueriesContext(connection) as first:
        client.get(url, {"area": cast.town.pk})
    for n in range(3):
        visit(make_household(cast.menghe_grid, head=f"王{n}"), cast.grid_menghe)
    with django_assert_num_queries(len(first)):
        html = client.get(url, {"area": cast.town.pk}).content.decode()
    assert "共 5 条" in html
