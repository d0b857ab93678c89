"""Pickers that scale (issue 19 §4): one widget (pingxiang.widgets.SearchSelect) over a plain
select, one autocomplete view per kind. Without JavaScript the select itself is the picker
and posts as before; with htmx the search box asks the kind's view for matching options,
only among what the user may see, key places narrowed by the chosen village, people told
apart by post and village, places by their address."""

import pytest
from django import forms
from django.urls import reverse

from grids import actions
from grids.models import Area, KeyPlace
from grids.pickers import AreaPickerField
from pingxiang import widgets
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(cast):
    """Two 顺达物流 (one name, two addresses) in 西关村 and one in 孟河村."""
    return {
        "xg1": actions.create_key_place(grid=cast.xiguan_grid, kind="物流企业", name="顺达物流",
                                        address="西关村高家庄社12号"),
        "xg2": actions.create_key_place(grid=Area.objects.get(name="高家庄社第二网格"),
                                        kind="物流企业", name="顺达物流",
                                        address="西关村高家庄社88号"),
        "mh": actions.create_key_place(grid=cast.menghe_grid, kind="物流企业", name="顺达物流",
                                       address="孟河村一社3号"),
    }


def options(response):
    assert response.status_code == 200
    return response.content.decode()


def test_the_hazard_forms_place_picker_searches_within_the_chosen_village(
        cast, login, places):
    client = login(cast.centre)
    page = client.get(reverse("rectification:hazard_create")).content.decode()
    # One widget: a search box wired to the places' autocomplete view, following the
    # form's village/grid field, over a plain select (the picker without JavaScript).
    assert 'name="place__q"' in page and reverse("grids:pick_place") in page
    assert "[name='area']" in page and '<select name="place"' in page
    # Two places of one name are told apart by their address.
    assert "顺达物流 · 西关村高家庄社12号" in page and "顺达物流 · 西关村高家庄社88号" in page
    url = reverse("grids:pick_place")
    body = options(client.get(url, {"field": "place", "place__q": "顺达", "area": cast.xiguan.pk}))
    assert f'value="{places["xg1"].pk}"' in body and f'value="{places["xg2"].pk}"' in body
    assert f'value="{places["mh"].pk}"' not in body
    body = options(client.get(url, {"field": "place", "place__q": "88号"}))
    assert f'value="{places["xg2"].pk}"' in body and f'value="{places["xg1"].pk}"' not in body


def test_autocomplete_answers_only_within_the_users_areas(cast, login, places):
    client = login(cast.cadre_xiguan)
    url = reverse("grids:pick_place")
    body = options(client.get(url, {"field": "place", "place__q": "顺达"}))
    assert f'value="{places["mh"].pk}"' not in body
    # Another village asked for by id: nothing, not its places.
    body = options(client.get(url, {"field": "place", "place__q": "顺达", "area": cast.menghe.pk}))
    assert "没有相符的选项" in body and f'value="{places["mh"].pk}"' not in body
    body = options(client.get(reverse("grids:pick_area"), {"field": "grid", "grid__q": "孟河"}))
    assert "孟河一社网格" not in body
    body = options(client.get(reverse("grids:pick_person"), {"field": "user", "user__q": "孙立"}))
    assert "孙立" not in body


def test_two_people_of_one_name_are_told_apart_by_post_and_village(cast, login):
    a = actions.ensure_user("gcx1", full_name="高彩霞", password="pw")
    actions.grant_membership(a, cast.xiguan_grid, Role.GRID_WORKER, title="网格员")
    b = actions.ensure_user("gcx2", full_name="高彩霞", password="pw")
    actions.grant_membership(b, cast.menghe, Role.VILLAGE_CADRE, title="妇联主任")
    body = options(login(cast.centre).get(reverse("grids:pick_person"),
                                          {"field": "user", "user__q": "高彩霞"}))
    assert "高彩霞 · 网格员 · 西关村" in body and "高彩霞 · 妇联主任 · 孟河村" in body


@pytest.mark.parametrize("query", [{"field": "x" * 60}, {"village": "abc"}, {"kind": "planet"},
                                   {"area": "-1"}, {"role": "king"}])
def test_bad_autocomplete_parameters_are_no_error(cast, login, query):
    client = login(cast.centre)
    for name in ["pick_area", "pick_person", "pick_household", "pick_place"]:
        assert client.get(reverse(f"grids:{name}"), query).status_code == 200


def test_without_javascript_a_long_list_draws_a_bounded_select_that_keeps_the_choice(
        cast, monkeypatch):
    monkeypatch.setattr(widgets, "NO_SCRIPT_LIMIT", 5)

    class F(forms.Form):
        area = AreaPickerField(queryset=Area.objects.order_by("path"))

    last = Area.objects.order_by("path").last()
    html = str(F(initial={"area": last.pk})["area"])
    assert html.count("<option") == 6  # five, plus the chosen one from further down
    assert f'value="{last.pk}" selected' in html
    # The posted value validates against the whole queryset, drawn or not.
    assert F({"area": last.pk}).is_valid()


def test_the_person_pickers_answer_costs_the_same_queries_for_more_people(cast, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.centre)
    url = reverse("grids:pick_person")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            body = options(client.get(url, {"field": "user", "user__q": "高"}))
        return len(ctx.captured_queries), body.count("<option value=\"") - 1

    for n in range(3):
        user = actions.ensure_user(f"gao{n}", full_name=f"高{n}", password="pw")
        actions.grant_membership(user, cast.xiguan_grid, Role.GRID_WORKER)
    queries()  # the first request also loads the area tree and the session
    few, shown = queries()
    assert shown == 3
    for n in range(3, 12):
        user = actions.ensure_user(f"gao{n}", full_name=f"高{n}", password="pw")
        actions.grant_membership(user, cast.menghe, Role.VILLAGE_CADRE)
    many, shown = queries()
    assert shown == 12 and many == few
    assert "高0 · 网格员 · 西关村" in options(client.get(url, {"user__q": "高0"}))


def test_household_picker_searches_names_and_addresses(cast, login, make_household):
    household = make_household(cast.xiguan_grid, head="高彩霞", house=45)
    body = options(login(cast.grid_xiguan).get(reverse("grids:pick_household"),
                                               {"field": "household", "household__q": "gcx"}))
    assert f'value="{household.pk}"' in body and household.address in body
    assert KeyPlace.objects.count() == 0
