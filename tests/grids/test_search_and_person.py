"""One search box and one page per person (issue 19 §3): what each query finds, why it
says it matched, only within the user's areas; the person page gathers a resident's
household, key-person status, visits, cases and hazards with their numbers masked by role;
the case list's search covers party names."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from cases.actions import register_case
from cases.models import Category, Source
from grids import actions
from grids.models import KeyPersonCategory
from grids.search import parse

from .conftest import valid_id

pytestmark = pytest.mark.django_db


def search(client, text):
    """The results (the page echoes the query in its search boxes and title)."""
    response = client.get(reverse("grids:search"), {"q": text})
    assert response.status_code == 200
    body = response.content.decode()
    return body[body.index('id="main"'):].split("</form>", 1)[1]


@pytest.fixture
def household(cast, make_household):
    return make_household(cast.xiguan_grid, head="高彩霞", members=[("刘小明", "子")],
                          house=45, phone="13912345678")


def test_queries_are_read_as_names_initials_or_number_tails():
    assert parse("wjg").initials == "wjg" and not parse("wjg").digits
    assert parse("5678").digits == "5678" and not parse("5678").initials
    assert parse("12X").digits == ""  # three digits: too short to single anyone out
    assert parse("123X").digits == "123X"
    assert parse("王建国").initials == "" and parse("王建国").digits == ""


def test_a_name_initials_phone_tail_and_address_each_find_the_person(cast, login, household):
    head = household.head
    client = login(cast.cadre_xiguan)
    person_href = reverse("grids:person", args=[head.pk])
    body = search(client, "高彩霞")
    assert person_href in body and "姓名含“高彩霞”" in body
    body = search(client, "gcx")
    assert person_href in body and "姓名拼音首字母“gcx”" in body
    body = search(client, "5678")
    assert person_href in body and "电话号码末4位相符" in body
    body = search(client, head.id_number[-6:])
    assert person_href in body and "身份证号末6位相符" in body
    body = search(client, "45号")
    assert reverse("grids:household_detail", args=[household.pk]) in body
    assert "住址含“45号”" in body


def test_a_role_that_sees_ids_masked_cannot_search_by_id_digits(cast, login, household):
    # Grid workers see ID numbers masked (grids.access.FULL_ID_ROLES): finding someone by
    # the ID's digits would rebuild the number a digit at a time.
    body = search(login(cast.grid_xiguan), household.head.id_number[-6:])
    assert reverse("grids:person", args=[household.head.pk]) not in body


def test_search_stays_within_the_users_areas(cast, login, household):
    for user in [cast.grid_menghe, cast.cadre_menghe]:
        body = search(login(user), "高彩霞")
        assert reverse("grids:person", args=[household.head.pk]) not in body
        assert "没有找到" in body
    url = reverse("grids:person", args=[household.head.pk])
    assert login(cast.grid_menghe).get(url).status_code == 404


def test_cases_are_found_by_number_and_party_and_listed_on_the_person_page(
        cast, login, household):
    case = register_case(actor=cast.centre, area=cast.xiguan_grid,
                         category=Category.objects.first(), description="宅基地边界争执",
                         source=Source.VISIT, residents=[household.head])
    client = login(cast.centre)
    body = search(client, "高彩霞")
    assert case.number in body and "当事人 高彩霞" in body
    body = search(client, case.number[-4:])
    assert case.number in body and "案件编号相符" in body
    # The case list's own search box covers party names too.
    listing = client.get(reverse("cases:case_list"), {"q": "高彩霞"}).content.decode()
    assert case.number in listing
    assert case.number not in client.get(reverse("cases:case_list"),
                                         {"q": "无此人"}).content.decode()
    page = client.get(reverse("grids:person", args=[household.head.pk])).content.decode()
    assert "矛盾纠纷（作为当事人）" in page and case.number in page
    # The case page names the party with a link to the person page.
    detail = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("grids:person", args=[household.head.pk]) in detail


def test_person_page_shows_household_key_person_and_visits_masked_by_role(
        cast, login, household):
    head = household.head
    category = KeyPersonCategory.objects.filter(is_active=True).first()
    actions.register_key_person(head, categories=[category], risk_level="黄",
                                actor=cast.cadre_xiguan)
    visit, _ = actions.record_visit(actor=cast.grid_xiguan, idempotency_key=uuid.uuid4(),
                                    visited_on=dt.date.today(), visit_type="常规走访",
                                    findings=["无异常"], household=household, persons_met=[head])
    url = reverse("grids:person", args=[head.pk])
    worker_page = login(cast.grid_xiguan).get(url).content.decode()
    assert household.address in worker_page
    assert head.id_number not in worker_page  # masked for a grid worker
    assert head.id_number[:2] + "*" in worker_page
    assert "13912345678" in worker_page  # grid workers see phones in full
    assert "重点人员" in worker_page and "黄（中）" in worker_page
    assert reverse("grids:visit_detail", args=[visit.pk]) in worker_page
    cadre_page = login(cast.cadre_xiguan).get(url).content.decode()
    assert head.id_number in cadre_page  # village cadres see the ID in full
    # The household page links each member's name to their page.
    household_page = login(cast.cadre_xiguan).get(
        reverse("grids:household_detail", args=[household.pk])).content.decode()
    assert url in household_page


def test_the_key_person_list_and_the_household_page_link_names_to_person_pages(
        cast, login, household):
    head = household.head
    category = KeyPersonCategory.objects.filter(is_active=True).first()
    actions.register_key_person(head, categories=[category], actor=cast.cadre_xiguan)
    href = reverse("grids:person", args=[head.pk])
    for user in [cast.grid_xiguan, cast.cadre_xiguan, cast.centre]:
        client = login(user)
        listing = client.get(reverse("grids:key_person_list")).content.decode()
        assert href in listing and head.name in listing
        household_page = client.get(
            reverse("grids:household_detail", args=[household.pk])).content.decode()
        assert f'<a href="{href}">{head.name}</a>' in household_page  # the head, named at the top
        assert client.get(href).status_code == 200
    outsider = login(cast.grid_menghe)
    assert href not in outsider.get(reverse("grids:key_person_list")).content.decode()
    assert outsider.get(href).status_code == 404


def test_the_search_and_person_pages_refuse_other_methods(cast, login, household):
    client = login(cast.centre)
    assert client.post(reverse("grids:search")).status_code == 405
    assert client.post(reverse("grids:person", args=[household.head.pk])).status_code == 405


def test_the_search_page_answers_in_a_fixed_number_of_queries(
        cast, login, make_household, django_assert_max_num_queries):
    for n in range(8):
        make_household(cast.xiguan_grid, head=f"高{n}霞", members=[(f"高{n}明", "子")])
    client = login(cast.centre)
    client.get(reverse("grids:search"), {"q": "高"})  # warm the per-process caches
    with django_assert_max_num_queries(30):
        body = search(client, "高")
    assert body.count("姓名含“高”") >= 16


def test_two_characters_find_a_name_anywhere_in_it_for_a_county_leader(cast, login,
                                                                        make_household):
    # Two characters make no trigram: they are answered by the names' two-character pieces
    # (grids.models.Bigrams), which must find what LIKE '%王建%' finds, and the county
    # leader's scope ("every household") must still hide a person known to no record.
    from grids.actions import ensure_user, grant_membership
    from grids.models import Resident
    from pingxiang.roles import Role

    leader = ensure_user("county_leader", full_name="周县长", password="x")
    grant_membership(leader, cast.county, Role.LEADER)
    middle = make_household(cast.xiguan_grid, head="李王建")
    start = make_household(cast.menghe_grid, head="王建华", members=[("王小建", "子")])
    stranger = Resident.objects.create(name="王建明")  # no household, no case: no one's
    client = login(leader)
    body = search(client, "王建")
    for household in (middle, start):
        assert reverse("grids:person", args=[household.head.pk]) in body
        assert reverse("grids:household_detail", args=[household.pk]) in body
    assert "姓名含“王建”" in body
    assert reverse("grids:person", args=[stranger.pk]) not in body
    assert "王小建" not in body  # has 王 and 建, not 王建
    body = search(client, "wj")
    assert reverse("grids:person", args=[start.head.pk]) in body
    assert "姓名拼音首字母“wj”" in body
    # Within a village the same query keeps to it.
    body = search(login(cast.cadre_xiguan), "王建")
    assert reverse("grids:person", args=[middle.head.pk]) in body
    assert reverse("grids:person", args=[start.head.pk]) not in body


def test_valid_id_fixture_is_a_real_number():
    assert len(valid_id()) == 18
