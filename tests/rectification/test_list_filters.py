"""The inspection, centre and legal-activity lists draw their filter bars from their filter
forms (`{{ form }}`, pingxiang/jinja2/forms/filters.html): every value is a field of the form, a
refused one is said in Chinese next to its field (never a 500), and the pager keeps every
filter."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from rectification import actions


def _page2_link(html):
    links = re.findall(r'href="(\?[^"]*page=2[^"]*)"', html)
    assert links, "no link to page 2"
    return links[0].replace("&amp;", "&")


def _field(html, name):
    """The filter bar's paragraph of one field (label, input and errors)."""
    found = re.search(rf'<div class="filter-{name}">(.*?)</div>', html, re.S)
    assert found, f"no filter field {name}"
    return found.group(1)


@pytest.fixture
def inspections(rx):
    cast = rx.cast
    for place in (rx.places.school_xiguan, rx.places.logistics_xiguan):
        for _ in range(2):
            actions.record_inspection(actor=cast.centre, campaign=rx.campaign, place=place,
                                      date=rx.today, members="张明")
    actions.record_inspection(actor=cast.centre, place=rx.places.school_menghe, date=rx.today,
                              members="王建国")


def test_inspection_filters_are_drawn_filled_and_kept_by_the_pager(rx, inspections, login,
                                                                   settings):
    settings.LIST_PAGE_SIZE = 1
    client = login(rx.cast.centre)
    response = client.get(reverse("rectification:inspection_list"),
                          {"campaign": rx.campaign.pk, "kind": "学校", "distinct": "place"})
    html = response.content.decode()
    assert f'<option value="{rx.campaign.pk}" selected>' in _field(html, "campaign")
    assert '<option value="学校" selected>' in _field(html, "kind")
    assert '<option value="place" selected>' in _field(html, "distinct")
    assert response.context["page"].paginator.count == 1  # 西关小学, inspected twice
    response = client.get(reverse("rectification:inspection_list"),
                          {"campaign": rx.campaign.pk, "distinct": "place"})
    assert response.context["page"].paginator.count == 2
    link = _page2_link(response.content.decode())
    assert f"campaign={rx.campaign.pk}" in link and "distinct=place" in link


@pytest.mark.parametrize("name, value, message", [
    ("campaign", "99999999", "专项整治不存在或不在您的辖区内。"),
    ("kind", "<b>x</b>", "选择一个有效的选项。"),
    ("distinct", "everything", "选择一个有效的选项。"),
])
def test_a_refused_inspection_filter_is_said_next_to_its_field(rx, inspections, login, name,
                                                               value, message):
    response = login(rx.cast.centre).get(reverse("rectification:inspection_list"), {name: value})
    assert response.status_code == 200
    assert message in _field(response.content.decode(), name)
    assert "<b>x</b>" not in response.content.decode()


@pytest.fixture
def centres(rx):
    cast = rx.cast
    return (actions.ensure_centre(cast.xiguan, actor=cast.centre),
            actions.ensure_centre(cast.menghe, actor=cast.centre))


def test_centre_filters_are_drawn_filled_and_refuse_a_bad_state(rx, centres, login):
    actions.set_centre_upgrade(centres[0], actor=rx.cast.centre, status="done",
                               upgraded_on=rx.today)
    actions.set_centre_demonstration(centres[0], actor=rx.cast.centre, flag=True)
    client = login(rx.cast.centre)
    response = client.get(reverse("rectification:centre_list"), {"upgrade": "done", "demo": "1"})
    html = response.content.decode()
    assert '<option value="done" selected>' in _field(html, "upgrade")
    assert "checked" in _field(html, "demo")
    assert [c.pk for c in response.context["centres"]] == [centres[0].pk]
    response = client.get(reverse("rectification:centre_list"), {"upgrade": "finished"})
    assert response.status_code == 200
    assert "选择一个有效的选项。" in _field(response.content.decode(), "upgrade")


@pytest.fixture
def activities(rx):
    cast = rx.cast
    for village, days in [(cast.xiguan, 40), (cast.xiguan, 5), (cast.xiguan, 3),
                          (cast.menghe, 5)]:
        actions.record_legal_activity(actor=cast.centre, area=village,
                                      date=rx.today - dt.timedelta(days=days), form="入户宣传",
                                      title="反诈宣传", materials=10, people_reached=10)


def test_legal_filters_are_drawn_filled_and_kept_by_the_pager(rx, activities, login, settings):
    settings.LIST_PAGE_SIZE = 1
    since = f"{rx.today - dt.timedelta(days=30):%Y-%m-%d}"
    response = login(rx.cast.centre).get(reverse("rectification:legal_list"),
                                         {"village": rx.cast.xiguan.pk, "date_from": since})
    html = response.content.decode()
    assert f'<option value="{rx.cast.xiguan.pk}" selected>' in _field(html, "village")
    assert f'name="date_from" value="{since}"' in _field(html, "date_from")
    assert response.context["page"].paginator.count == 2
    link = _page2_link(html)
    assert f"village={rx.cast.xiguan.pk}" in link and f"date_from={since}" in link


@pytest.mark.parametrize("name, value, message", [
    ("village", "99999999", "不在您的辖区内。"),
    ("village", "abc", "不在您的辖区内。"),
    ("date_from", "2026-13-45", "日期格式应为 2026-11-29。"),
    ("date_to", "9999-12-31", "日期不能晚于 2100-12-31。"),
])
def test_a_refused_legal_filter_is_said_next_to_its_field(rx, activities, login, name, value,
                                                          message):
    response = login(rx.cast.centre).get(reverse("rectification:legal_list"), {name: value})
    assert response.status_code == 200
    assert message in _field(response.content.decode(), name)
