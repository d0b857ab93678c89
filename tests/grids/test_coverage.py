import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from grids import actions
from grids.coverage import coverage
from grids.models import KeyPersonCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(cast, make_household, campaign, visit):
    """高家庄社第一网格: 3 households, 2 visited in the campaign (one twice), one visited
    only before it. 高家庄社第二网格: 2 households, none visited. 孟河: 1 visited."""
    g1, g2 = cast.xiguan_grid, cast.grids["高家庄社第二网格"]
    a, b, c = (make_household(g1, head=n) for n in ("甲", "乙", "丙"))
    d, e = (make_household(g2, head=n) for n in ("丁", "戊"))
    f = make_household(cast.menghe_grid, head="己")
    visit(a, cast.grid_xiguan, days_ago=1)
    visit(a, cast.grid_xiguan, days_ago=2)
    visit(b, cast.grid_xiguan, days_ago=3)
    visit(c, cast.grid_xiguan, days_ago=30)  # before the campaign started
    visit(f, cast.grid_menghe, days_ago=1)
    return locals()


def test_coverage_numbers_per_grid_group_village_and_town(cast, known, campaign):
    start, end = campaign.start_date, campaign.end_date
    total, rows = coverage(cast.xiguan_grid.parent, start, end)  # 高家庄社
    assert (total.households, total.visited, total.unvisited) == (5, 2, 3)
    assert total.rate == 40.0
    assert [(r.area.name, r.households, r.visited) for r in rows] == [
        ("高家庄社第一网格", 3, 2), ("高家庄社第二网格", 2, 0)]
    village, rows = coverage(cast.xiguan, start, end)
    assert (village.households, village.visited) == (5, 2)
    town, rows = coverage(cast.town, start, end)
    assert (town.households, town.visited) == (6, 3)
    by_name = {r.area.short_name: (r.households, r.visited) for r in rows}
    assert by_name["西关村"] == (5, 2) and by_name["孟河村"] == (1, 1)
    assert by_name["兴隆村"] == (0, 0)


def test_coverage_page_links_to_the_households_behind_each_number(login, cast, known,
                                                                  campaign):
    client = login(cast.centre)
    page = client.get(reverse("grids:campaign_coverage", args=[campaign.pk]),
                      {"area": cast.xiguan.pk}).content.decode()
    link = (f"{reverse('grids:household_list')}?area={cast.xiguan.pk}&amp;"
            f"campaign={campaign.pk}&amp;visited=0")
    assert link in page
    unvisited = client.get(reverse("grids:household_list"), {
        "area": cast.xiguan.pk, "campaign": campaign.pk, "visited": "0"})
    assert sorted(h.head.name for h in unvisited.context["page"]) == ["丁", "丙", "戊"]
    visited = client.get(reverse("grids:household_list"), {
        "area": cast.xiguan.pk, "campaign": campaign.pk, "visited": "1"})
    assert sorted(h.head.name for h in visited.context["page"]) == ["乙", "甲"]


def test_grid_worker_cannot_open_another_villages_coverage(login, cast, known, campaign):
    client = login(cast.grid_xiguan)
    url = reverse("grids:campaign_coverage", args=[campaign.pk])
    assert client.get(url).status_code == 200  # defaults to their own grid
    assert client.get(url, {"area": cast.menghe.pk}).status_code == 404


def test_unvisited_households_and_places_on_the_worklist(login, cast, known, campaign):
    actions.create_key_place(grid=cast.xiguan_grid, kind="学校", name="西关小学")
    page = login(cast.grid_xiguan).get(reverse("grids:worklist")).content.decode()
    assert "未走访的户（1）" in page and "丙" in page  # only 丙 in the worker's own grid
    assert "未巡查的重点场所（1）" in page and "西关小学" in page


def test_overdue_key_persons_follow_their_visit_frequency(login, cast, make_household, visit):
    household = make_household(cast.xiguan_grid, head="钱七")
    category = KeyPersonCategory.objects.get(name="严重精神障碍患者")  # every 7 days
    person = actions.register_key_person(household.head, categories=[category],
                                         actor=cast.cadre_xiguan)
    client = login(cast.grid_xiguan)
    url = reverse("grids:key_person_list") + "?overdue=1"
    assert "钱七" not in client.get(url).content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        client = login(cast.grid_xiguan)  # a fresh session in the future
        assert [p.pk for p in client.get(url).context["page"]] == [person.pk]
        assert "逾期未访的重点人员（1）" in client.get(reverse("grids:worklist")).content.decode()
        visit(household, cast.grid_xiguan)
        assert "钱七" not in client.get(url).content.decode()
    # Another grid's worker does not see this person at all.
    other = login(cast.grid_menghe)
    assert other.get(reverse("grids:key_person_detail", args=[person.pk])).status_code == 404
