"""Inspections of key places and road sections, and how repeat inspections are counted."""

import datetime as dt

import pytest

from grids.models import KeyPlace
from rectification import actions, stats
from rectification.actions import ActionError
from rectification.models import Inspection

pytestmark = pytest.mark.django_db


def test_three_schools_inspected_twice_are_three_places_six_inspections(rx):
    cast = rx.cast
    menghe2 = KeyPlace.objects.create(kind=KeyPlace.Kind.SCHOOL, name="孟河中学",
                                      grid=cast.menghe)
    schools = [rx.places.school_xiguan, rx.places.school_menghe, menghe2]
    for days_ago in (20, 5):
        for school in schools:
            actions.record_inspection(actor=cast.centre, campaign=rx.campaign, place=school,
                                      date=rx.today - dt.timedelta(days=days_ago),
                                      members="张明、陈丽")
    actions.record_inspection(actor=cast.centre, campaign=rx.campaign,
                              place=rx.places.logistics_xiguan, date=rx.today, members="张明")
    actions.record_inspection(actor=cast.centre, campaign=rx.campaign, road_section="平襄大道城关段",
                              area=cast.xiguan, date=rx.today, members="张明")
    qs = Inspection.objects.filter(campaign=rx.campaign)
    schools_qs = qs.filter(place_kind=KeyPlace.Kind.SCHOOL)
    assert schools_qs.counts() == {"inspections": 6, "places": 3}
    assert sorted(schools_qs.values_list("sequence", flat=True)) == [1, 1, 1, 2, 2, 2]
    assert stats.inspections_by_kind(qs) == [("物流企业", 1, 1), ("学校", 3, 6)]
    assert qs.counts() == {"inspections": 8, "places": 4}  # the road section has no place
    road = qs.get(target=Inspection.Target.ROAD)
    assert road.village == cast.xiguan and road.place_kind == ""


def test_inspection_counts_are_scoped_by_village(rx):
    cast = rx.cast
    for place in (rx.places.school_xiguan, rx.places.school_menghe):
        actions.record_inspection(actor=cast.centre, campaign=rx.campaign, place=place,
                                  date=rx.today, members="张明")
    assert Inspection.objects.visible_to(cast.cadre_xiguan).counts()["inspections"] == 1
    assert Inspection.objects.visible_to(cast.centre).counts()["inspections"] == 2


def test_inspection_needs_a_place_or_a_road(rx):
    with pytest.raises(ActionError):
        actions.record_inspection(actor=rx.cast.centre, date=rx.today, members="张明")
    with pytest.raises(ActionError, match="晚于今天"):
        actions.record_inspection(actor=rx.cast.centre, place=rx.places.school_xiguan,
                                  date=rx.today + dt.timedelta(days=1), members="张明")
    assert not Inspection.objects.exists()


def test_inspection_page_counts_and_hazard_prefill_link(rx, login):
    from django.urls import reverse

    inspection = actions.record_inspection(actor=rx.cast.centre, campaign=rx.campaign,
                                           place=rx.places.school_xiguan, date=rx.today,
                                           members="张明")
    client = login(rx.cast.centre)
    html = client.get(reverse("rectification:inspection_list")).content.decode()
    assert "检查场所 <strong id=\"n-places\">1</strong> 处" in html
    html = client.get(reverse("rectification:inspection_detail", args=[inspection.pk])).content.decode()
    assert f"inspection={inspection.pk}" in html
    response = client.get(reverse("rectification:hazard_create") + f"?inspection={inspection.pk}")
    assert response.status_code == 200
    assert "西关小学" in response.content.decode()
    # Another village's cadre cannot open it.
    assert login(rx.cast.cadre_menghe).get(
        reverse("rectification:inspection_detail", args=[inspection.pk])).status_code == 404


def test_record_inspection_through_the_form(rx, login):
    from django.urls import reverse

    client = login(rx.cast.grid_xiguan)
    response = client.post(reverse("rectification:inspection_create"), {
        "campaign": rx.campaign.pk, "place": rx.places.logistics_xiguan.pk,
        "date": rx.today.isoformat(), "members": "王建国", "findings": "正常"})
    assert response.status_code == 302
    assert Inspection.objects.get().created_by == rx.cast.grid_xiguan
