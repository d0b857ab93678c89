"""Navigation that fits each role (issue 19 §5): the header groups its entries by module
(走访, 矛盾纠纷, 信访, 隐患与督导, 数据, 管理) after the role's daily pages; an entry
registered without a group still shows (under 管理); every count on a home page links to
the list behind it."""

import re

import pytest
from django.urls import reverse

from pingxiang import registry
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db


def test_an_entry_registered_the_old_way_lands_in_the_default_group(monkeypatch):
    monkeypatch.setattr(registry, "_NAV", list(registry._NAV))
    item = registry.nav_item("人员管理", "inbox", roles=[Role.ADMIN], order=91)
    assert item.group == registry.DEFAULT_GROUP == "管理"
    menu = registry.nav_menu(Role.ADMIN)
    assert item in next(g for g in menu.groups if g.label == "管理").items
    # A group that is not one of the header's is read as the default, not dropped.
    assert registry.nav_item("x", "inbox", roles=[Role.ADMIN], group="别的").group == "管理"


@pytest.mark.parametrize("role, daily", [
    (Role.GRID_WORKER, ["走访", "我的待办"]),
    (Role.CENTRE_STAFF, ["我的待办", "信访"]),
    (Role.LEADER, ["数据看板", "我的待办"]),
    (Role.SUPERVISOR, ["督导检查"]),
])
def test_each_roles_daily_pages_come_first_then_the_modules_in_order(role, daily):
    menu = registry.nav_menu(role)
    assert [i.label for i in menu.daily] == daily
    labels = [g.label for g in menu.groups]
    assert labels == [g for g in registry.NAV_GROUPS if g in labels]
    shown = [i.label for g in menu.groups for i in g.items] + daily
    assert len(shown) == len(set(shown))  # a daily page is not repeated in its group


@pytest.mark.parametrize("who", ["grid_xiguan", "cadre_xiguan", "centre", "leader", "supervisor",
                                 "admin"])
def test_the_header_draws_the_groups_and_every_link_opens(cast, login, who):
    client = login(getattr(cast, who))
    html = client.get(reverse("home")).content.decode()
    header = html[html.index('<header class="topbar">'):html.index("</header>")]
    assert 'action="/grids/search/"' in header and 'name="q"' in header
    for href in re.findall(r'<a href="([^"#]+)"', header):
        assert client.get(href).status_code == 200, (who, href)


def test_every_count_on_the_centres_home_links_to_its_list(cast, login):
    from cases.actions import register_case
    from cases.models import Case, Category, Source

    register_case(actor=cast.centre, area=cast.xiguan_grid, category=Category.objects.first(),
                  description="邻里噪音", source=Source.VISIT,
                  parties=[{"name": "甲某"}])
    client = login(cast.centre)
    html = client.get(reverse("home")).content.decode()
    panel = html[html.index("矛盾纠纷待办"):]
    panel = panel[:panel.index("</section>")]
    counts = re.findall(r'<li>[^<]*：<a href="([^"]+)"><strong>(\d+)</strong></a></li>', panel)
    assert counts and len(counts) == panel.count("<li>")
    href = dict((n, h) for h, n in counts)
    new = next(h for h, n in counts if "status=registered" in h)
    listing = client.get(new.replace("&amp;", "&"))
    assert listing.status_code == 200
    assert len(listing.context["page"].object_list) == Case.objects.filter(
        status="registered").count() == 1
    assert href
