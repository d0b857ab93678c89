"""The filter bars of the dashboard, the briefing and the trends are their filter forms drawn
by the shared templates (`{{ form }}`, pingxiang/jinja2/forms/filters.html): they show the values
in effect, keep the parameter names, and say a refused value in Chinese next to its field."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from grids.actions import create_campaign
from pingxiang.metrics import metrics
from pingxiang.periods import campaign_period

pytestmark = pytest.mark.django_db


def _field(html, name):
    """The <div class="filter-NAME"> a field is drawn in (label, input, errors)."""
    found = re.search(rf'<div class="filter-{name}">(.*?)</div>', html, re.S)
    assert found, f"no {name} in the filter bar"
    return found.group(1)


def _selected(block):
    return re.findall(r'<option value="([^"]*)" selected>([^<]*)</option>', block)


def _campaign(name, area, start=dt.date(2026, 3, 1), days=30):
    return create_campaign(name=name, area=area, start_date=start,
                           end_date=start + dt.timedelta(days=days))


def _label(area):
    return f"{area.short_name}（{area.get_kind_display()}）"


def test_dashboard_bar_shows_the_users_own_area_and_this_year_when_nothing_is_asked(
        login, cast):
    html = login(cast.cadre_xiguan).get(reverse("dashboard")).content.decode()
    assert _selected(_field(html, "area")) == [(str(cast.xiguan.pk), _label(cast.xiguan))]
    today = timezone.localdate()
    assert f'name="start" value="{today:%Y}-01-01"' in _field(html, "start")
    assert 'name="end" value="' in _field(html, "end")
    assert "filter-days" not in html and "filter-metric" not in html  # the trends' fields


def test_dashboard_bar_shows_the_campaign_in_effect_with_its_dates(login, cast):
    campaign = _campaign("秋季矛盾纠纷排查", cast.town)
    html = login(cast.leader).get(reverse("dashboard"), {
        "area": cast.xiguan.pk, "campaign": campaign.pk}).content.decode()
    assert _selected(_field(html, "area")) == [(str(cast.xiguan.pk), _label(cast.xiguan))]
    assert _selected(_field(html, "campaign")) == [(str(campaign.pk), "秋季矛盾纠纷排查")]
    assert 'name="start" value="2026-03-01"' in _field(html, "start")
    assert 'name="end" value="2026-03-31"' in _field(html, "end")


def test_an_older_campaign_than_the_select_offers_is_still_shown_chosen(login, cast):
    oldest = _campaign("最早的活动", cast.town, start=dt.date(2024, 1, 1))
    for n in range(20):  # the select offers the latest 20
        _campaign(f"活动{n}", cast.town, start=dt.date(2025, 1, 1) + dt.timedelta(days=n))
    response = login(cast.leader).get(reverse("dashboard"), {"campaign": oldest.pk})
    html = response.content.decode()
    assert _selected(_field(html, "campaign")) == [(str(oldest.pk), "最早的活动")]
    assert response.context["period"].campaign_id == oldest.pk


def test_the_period_of_a_campaign_is_the_one_the_figure_cache_was_keyed_by(login, cast):
    campaign = _campaign("秋季矛盾纠纷排查", cast.town)
    response = login(cast.leader).get(reverse("dashboard"), {"campaign": campaign.pk})
    assert response.context["period"] == campaign_period(campaign.pk, cast.leader)


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "foreign"])
def test_a_refused_campaign_is_said_in_chinese_next_to_its_select(login, cast, value):
    if value == "foreign":  # 孟河村's campaign, for 西关村's cadre
        value = _campaign("孟河村专项", cast.menghe).pk
    _campaign("全镇专项", cast.town)
    response = login(cast.cadre_xiguan).get(reverse("dashboard"), {"campaign": value})
    assert response.status_code == 200
    html = response.content.decode()
    block = _field(html, "campaign")
    assert "活动不存在或不在您的辖区内。" in block
    assert _selected(block) == [("", "按日期")]  # and the figures are this year's
    assert "孟河村专项" not in html
    assert response.context["period"].campaign_id is None


def test_a_refused_date_is_said_next_to_it_and_the_date_in_effect_drawn(login, cast):
    html = login(cast.leader).get(reverse("dashboard"),
                                  {"start": "2026-13-45"}).content.decode()
    block = _field(html, "start")
    assert "日期格式应为 2026-11-29。" in block
    assert f'value="{timezone.localdate():%Y}-01-01"' in block


@pytest.mark.parametrize("days", ["7", "abc", "99999999999999999999"])
def test_a_refused_days_is_said_in_chinese_next_to_its_select(login, cast, days):
    response = login(cast.leader).get(reverse("dashboard_trends"), {"days": days})
    assert response.status_code == 200
    block = _field(response.content.decode(), "days")
    assert "选择一个有效的选项" in block
    assert _selected(block) == [("30", "近30天")]  # what the charts show


def test_trends_bar_shows_the_days_and_metric_chosen_and_an_unknown_metric_is_said(
        login, cast):
    client = login(cast.leader)
    code, label = next((m.code, m.label) for m in metrics() if m.snapshot)
    html = client.get(reverse("dashboard_trends"),
                      {"days": "90", "metric": code}).content.decode()
    assert _selected(_field(html, "days")) == [("90", "近90天")]
    assert _selected(_field(html, "metric")) == [(code, label)]
    assert _selected(_field(html, "area")) == [(str(cast.town.pk), _label(cast.town))]
    assert "filter-campaign" not in html and "filter-start" not in html
    block = _field(client.get(reverse("dashboard_trends"),
                              {"metric": "nonsense"}).content.decode(), "metric")
    assert "选择一个有效的选项" in block and _selected(block) == [("", "常用指标")]


def test_a_sorted_table_keeps_its_order_when_the_bar_is_submitted(login, cast):
    code = metrics()[0].code
    html = login(cast.leader).get(reverse("dashboard"),
                                  {"sort": code, "dir": "asc"}).content.decode()
    assert f'<input type="hidden" name="sort" value="{code}"' in html
    assert '<input type="hidden" name="dir" value="asc"' in html
    html = login(cast.leader).get(reverse("dashboard"), {"sort": "bogus"}).content.decode()
    assert "排序：选择一个有效的选项" in html


def test_briefing_bar_shows_the_area_and_campaign_in_effect(login, cast):
    campaign = _campaign("秋季矛盾纠纷排查", cast.town)
    html = login(cast.leader).get(reverse("briefing"), {
        "area": cast.xiguan.pk, "campaign": campaign.pk}).content.decode()
    assert _selected(_field(html, "area")) == [(str(cast.xiguan.pk), _label(cast.xiguan))]
    assert _selected(_field(html, "campaign")) == [(str(campaign.pk), "秋季矛盾纠纷排查")]
    assert "西关村秋季矛盾纠纷排查工作简报" in html


def _offered(block):
    return re.findall(r'<option value="(\d+)"', block)


def test_the_area_select_offers_the_users_areas_and_the_level_below_not_every_area(login, cast):
    """A town leader is offered the town and its villages (never a 社 or a grid), and again
    when a village is chosen; a village cadre only the village. (A county leader likewise gets
    the county and its towns, then a town's villages, instead of all 350 villages.)"""
    from grids.models import Area

    villages = Area.objects.filter(parent=cast.town, kind=Area.Kind.VILLAGE)
    expected = {str(cast.town.pk), *(str(pk) for pk in villages.values_list("pk", flat=True))}
    client = login(cast.leader)
    for query in ({}, {"area": cast.xiguan.pk}):
        html = client.get(reverse("dashboard"), query).content.decode()
        assert set(_offered(_field(html, "area"))) == expected
    html = login(cast.cadre_xiguan).get(reverse("dashboard")).content.decode()
    assert _offered(_field(html, "area")) == [str(cast.xiguan.pk)]
