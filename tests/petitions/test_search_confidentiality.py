"""The header's search box and the person page (issue 19 §3) keep a petitioner's identity
to those who may read it (petitions.access): centre staff of the area and the leader in
charge. A grid worker of the same grid finds neither the petition by the name nor the
person, and the petition's number tells them only that it exists."""

import pytest
from django.urls import reverse

from grids.models import Resident

from .conftest import person

pytestmark = pytest.mark.django_db

NAME = "保密王五"


@pytest.fixture
def secret(cast, make_petition):
    return make_petition(area=cast.xiguan_grid, who=person(601, NAME), title="秘密事项丙")


def search(client, text):
    """The results (the page echoes the query in its search boxes and title)."""
    body = client.get(reverse("grids:search"), {"q": text}).content.decode()
    return body[body.index('id="main"'):].split("</form>", 1)[1]


@pytest.mark.parametrize("who", ["grid_xiguan", "cadre_xiguan", "supervisor"])
def test_a_search_by_the_petitioners_name_or_id_reveals_nothing(cast, login, secret, who):
    client = login(getattr(cast, who))
    for text in [NAME, "保密王", person(601)["id_number"][-6:], person(601)["phone"][-4:]]:
        body = search(client, text)
        assert NAME not in body, (who, text)
        assert secret.number not in body, (who, text)
        assert "信访人" not in body, (who, text)
    resident = Resident.objects.get(name=NAME)
    assert client.get(reverse("grids:person", args=[resident.pk])).status_code == 404


@pytest.mark.parametrize("who", ["grid_xiguan", "cadre_xiguan"])
def test_the_number_tells_an_area_user_only_that_it_exists(cast, login, secret, who):
    body = search(login(getattr(cast, who)), secret.number)
    assert secret.number in body and "信访编号相符" in body
    assert NAME not in body and "秘密事项丙" not in body


def test_centre_staff_find_the_petition_by_name_and_id_digits_and_see_the_person(
        cast, login, secret):
    client = login(cast.centre)
    body = search(client, NAME)
    assert secret.number in body and f"信访人姓名含“{NAME}”" in body
    body = search(client, person(601)["id_number"][-6:])
    assert secret.number in body and "信访人身份证号末6位相符" in body
    resident = Resident.objects.get(name=NAME)
    assert f'href="{reverse("grids:person", args=[resident.pk])}"' in search(client, NAME)
    page = client.get(reverse("grids:person", args=[resident.pk])).content.decode()
    assert "信访（本人为信访人）" in page and "秘密事项丙" in page
    # The identity is masked as the viewer's role allows: centre staff see it in full.
    assert person(601)["id_number"] in page


def test_another_towns_centre_staff_find_nothing(cast, login, secret):
    from grids.actions import create_area, ensure_user, grant_membership
    from grids.models import Area
    from pingxiang.roles import Role

    other_town = create_area(parent=cast.county, kind=Area.Kind.TOWN, name="义岗镇")
    stranger = ensure_user("yigang_centre", full_name="周一", password="pw")
    grant_membership(stranger, other_town, Role.CENTRE_STAFF)
    body = search(login(stranger), NAME)
    assert NAME not in body and secret.number not in body
