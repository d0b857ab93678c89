"""Issue 21 §3: a hazard reported from the field records where the phone was, with consent;
the position is shown to the grid worker and centre staff only."""

import pytest
from django.urls import reverse

from rectification.models import Hazard

from .conftest import png

pytestmark = pytest.mark.django_db


def _report(client, rx, **extra):
    return client.post(reverse("rectification:hazard_create"), {
        "source": "public", "category": rx.cats["消防"].pk, "grade": "一般",
        "area": rx.cast.xiguan_grid.pk, "description": "柴草堆靠近灶房",
        "found_date": rx.today.isoformat(), "photos": [png()], **extra})


def test_a_hazard_reported_with_consent_keeps_the_position(rx, login):
    client = login(rx.cast.grid_xiguan)
    form = client.get(reverse("rectification:hazard_create")).content.decode()
    assert 'name="position_consent"' in form and "js/geo.js" in form
    response = _report(client, rx, position_consent="on", latitude="35.21",
                       longitude="105.242", accuracy="15")
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert (hazard.latitude, hazard.longitude, hazard.accuracy) == (35.21, 105.242, 15)
    page = client.get(reverse("rectification:hazard_detail", args=[hazard.pk])).content.decode()
    assert "登记时的位置" in page and "35.210000" in page


def test_a_hazard_without_consent_is_saved_without_position(rx, login):
    response = _report(login(rx.cast.grid_xiguan), rx, latitude="35.21", longitude="105.242")
    assert response.status_code == 302
    assert Hazard.objects.get().latitude is None


def test_a_hazard_position_out_of_range_is_refused(rx, login):
    response = _report(login(rx.cast.grid_xiguan), rx, position_consent="on", latitude="95",
                       longitude="105.242")
    assert response.status_code == 200
    html = response.content.decode()
    assert "纬度应在 -90 到 90 之间。" in html
    # Said again by the button just pressed, where the thumb is.
    assert html.index("没有保存：") < html.index('<button type="submit">保存</button>')
    assert not Hazard.objects.exists()


@pytest.mark.parametrize("who, sees", [("centre", True), ("cadre_xiguan", False),
                                       ("leader", False)])
def test_a_hazard_position_is_shown_only_to_the_roles_that_need_it(rx, login, who, sees):
    _report(login(rx.cast.grid_xiguan), rx, position_consent="on", latitude="35.21",
            longitude="105.242", accuracy="15")
    hazard = Hazard.objects.get()
    page = login(getattr(rx.cast, who)).get(
        reverse("rectification:hazard_detail", args=[hazard.pk]))
    assert page.status_code == 200
    assert ("35.210000" in page.content.decode()) is sees
