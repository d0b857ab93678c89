"""Issue 21 §3: a case registered from the field records where the phone was, with consent;
shown to the grid worker and centre staff only."""

import pytest
from django.urls import reverse

from cases.models import Case, Category

pytestmark = pytest.mark.django_db


def _register(client, cast, **extra):
    return client.post(reverse("cases:case_create"), {
        "village": cast.xiguan.pk, "area": cast.xiguan_grid.pk,
        "category": Category.objects.get(name="邻里").pk, "description": "院墙排水纠纷",
        "risk": "blue", "source": "walkin",
        "party-TOTAL_FORMS": "1", "party-INITIAL_FORMS": "0", "party-0-name": "李小河",
        **extra})


def test_a_case_registered_with_consent_keeps_the_position(login, cast):
    client = login(cast.grid_xiguan)
    form = client.get(reverse("cases:case_create")).content.decode()
    assert 'name="position_consent"' in form and "js/geo.js" in form
    response = _register(client, cast, position_consent="on", latitude="35.21",
                         longitude="105.242", accuracy="20")
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.latitude, case.longitude, case.accuracy) == (35.21, 105.242, 20)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "登记时的位置" in page and "35.210000" in page
    leader = login(cast.leader).get(reverse("cases:case_detail", args=[case.pk]))
    assert leader.status_code == 200 and "35.210000" not in leader.content.decode()


def test_a_case_without_consent_or_fix_is_registered_without_position(login, cast):
    client = login(cast.grid_xiguan)
    assert _register(client, cast, latitude="35.21", longitude="105.242").status_code == 302
    # Another party: the same one again within 30 days would be asked about as a duplicate.
    assert _register(client, cast, position_consent="on",
                     **{"party-0-name": "王大山"}).status_code == 302
    assert list(Case.objects.values_list("latitude", flat=True)) == [None, None]


def test_a_case_position_out_of_range_is_refused(login, cast):
    response = _register(login(cast.grid_xiguan), cast, position_consent="on", latitude="35.2",
                         longitude="200")
    assert response.status_code == 200
    html = response.content.decode()
    assert "经度应在 -180 到 180 之间。" in html
    assert html.index("没有登记：") < html.index('<button type="submit">登记</button>')
    assert not Case.objects.exists()
