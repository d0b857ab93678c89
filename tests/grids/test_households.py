import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grids import actions
from grids.idcard import validate_id_number
from grids.models import Household, Resident
from grids.residents import find_or_create_resident
from pingxiang.masks import mask_id_number
from pingxiang.models import AccessEvent

from .conftest import valid_id

pytestmark = pytest.mark.django_db


def test_household_address_is_in_the_local_form(cast, make_household):
    household = make_household(cast.xiguan_grid, house=45)
    assert household.address == "西关村高家庄社45号"
    assert household.head.relation == "户主"


@pytest.mark.parametrize("query", ["王建国", "wjg", "WJG", "李芳", "lf", "45", "高家庄社45号",
                                   "高家庄 45"])
def test_one_search_box_finds_by_name_initials_member_number_or_address(login, cast,
                                                                       make_household, query):
    wanted = make_household(cast.xiguan_grid, head="王建国", members=[("李芳", "配偶")],
                            house=45)
    make_household(cast.xiguan_grid, head="赵大海", house=7)
    response = login(cast.grid_xiguan).get(reverse("grids:household_list"), {"q": query})
    found = [h.pk for h in response.context["page"]]
    assert found == [wanted.pk]


def test_grid_worker_cannot_see_or_search_another_grids_households(login, cast,
                                                                  make_household):
    mine = make_household(cast.xiguan_grid, head="王建国")
    theirs = make_household(cast.menghe_grid, head="王建国")
    client = login(cast.grid_xiguan)
    response = client.get(reverse("grids:household_list"), {"q": "王建国"})
    assert [h.pk for h in response.context["page"]] == [mine.pk]
    assert theirs.address not in response.content.decode()
    assert client.get(reverse("grids:household_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("grids:household_list"),
                      {"area": cast.menghe_grid.pk}).status_code == 404
    # Centre staff see the whole town.
    centre = login(cast.centre).get(reverse("grids:household_list"), {"q": "王建国"})
    assert {h.pk for h in centre.context["page"]} == {mine.pk, theirs.pk}


def test_htmx_search_returns_only_the_results_partial(login, cast, make_household):
    make_household(cast.xiguan_grid, head="王建国")
    response = login(cast.grid_xiguan).get(reverse("grids:household_list"), {"q": "wjg"},
                                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="results"' in html and "王建国" in html and "<html" not in html


def test_household_list_and_search_queries_stay_constant(login, cast, make_household,
                                                        django_assert_num_queries):
    client = login(cast.centre)
    make_household(cast.xiguan_grid)
    client.get(reverse("grids:household_list"))  # warm the session/membership caches

    def count(params):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("grids:household_list"), params).status_code == 200
        return len(ctx.captured_queries)

    before = count({}), count({"q": "wjg"})
    for n in range(12):
        make_household(cast.xiguan_grid if n % 2 else cast.menghe_grid,
                       members=[("李芳", "配偶")])
    after = count({}), count({"q": "wjg"})
    assert before == after
    with django_assert_num_queries(after[0]):
        client.get(reverse("grids:household_list"))


@pytest.mark.parametrize("who, sees_full_id, sees_full_phone", [
    ("grid_xiguan", False, True),
    ("cadre_xiguan", True, True),
    ("centre", True, True),
    ("leader", False, False),
    ("supervisor", False, False),
])
def test_id_and_phone_are_masked_by_role_on_the_household_page(login, cast, make_household,
                                                              who, sees_full_id,
                                                              sees_full_phone):
    household = make_household(cast.xiguan_grid, phone="13812345678")
    number = household.head.id_number
    html = login(getattr(cast, who)).get(
        reverse("grids:household_detail", args=[household.pk])).content.decode()
    assert (number in html) is sees_full_id
    assert (mask_id_number(number) in html) is not sees_full_id
    assert ("13812345678" in html) is sees_full_phone
    assert ("138****5678" in html) is not sees_full_phone
    # Every view is logged (tests/trust/test_access_log.py); a full-ID view says so.
    logged = AccessEvent.objects.filter(username=getattr(cast, who).username,
                                        kind=AccessEvent.Kind.VIEW)
    assert logged.count() == 1
    assert logged.filter(detail="查看户成员身份证号").exists() is sees_full_id


@pytest.mark.parametrize("number, message", [
    ("62112119800517003", "18位"),
    ("621121198005170035", "校验位"),
    ("621121198013170035", "出生日期"),
    ("621121290005170035", "出生日期"),
])
def test_id_numbers_are_checked(number, message):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number)
    assert message in exc.value.messages[0]


def test_member_form_shows_a_wrong_check_digit_next_to_the_field(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    good = valid_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = login(cast.cadre_xiguan).post(
        reverse("grids:member_add", args=[household.pk]),
        {"name": "王小明", "relation": "子", "id_number": bad})
    assert response.status_code == 200
    assert "身份证号校验位不正确" in " ".join(response.context["form"].errors["id_number"])
    assert not Resident.objects.filter(name="王小明").exists()


def test_one_person_one_record_across_households(cast, make_household):
    first = make_household(cast.xiguan_grid)
    number = first.head.id_number
    match = find_or_create_resident(name="王建国", id_number=number)
    assert match.resident == first.head and not match.created
    second = make_household(cast.menghe_grid)
    with pytest.raises(ValidationError) as exc:
        actions.add_member(second, name="王建国", id_number=number, relation="父亲")
    assert "已登记在" in str(exc.value)
    # Without an ID number: a new record plus a duplicate warning on name + phone.
    actions.add_member(first, name="李芳", phone="13900000000", relation="配偶")
    match = find_or_create_resident(name="李芳", phone="13900000000")
    assert match.created and [r.name for r in match.possible_duplicates] == ["李芳"]


def test_cadre_registers_a_household_and_grid_worker_may_not(login, cast):
    data = {"grid": cast.xiguan_grid.pk, "house_number": "88", "head_name": "孙悟空",
            "head_id_number": valid_id(), "head_phone": "13700000000", "flags": ["低保"]}
    assert login(cast.grid_xiguan).post(reverse("grids:household_new"), data).status_code == 403
    response = login(cast.cadre_xiguan).post(reverse("grids:household_new"), data)
    household = Household.objects.get(house_number="88")
    assert response["Location"] == reverse("grids:household_detail", args=[household.pk])
    assert household.flags == ["低保"] and household.head.name == "孙悟空"
    assert "swk" in household.search_text
    # Another village's grid is not offered to this cadre.
    data["grid"] = cast.menghe_grid.pk
    response = login(cast.cadre_xiguan).post(reverse("grids:household_new"), data)
    assert "grid" in response.context["form"].errors
