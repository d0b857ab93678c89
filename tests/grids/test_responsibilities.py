import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grids import actions
from grids.access import has_role
from grids.models import Responsibility
from grids.people import responsible_for, village_leaders
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db


def test_village_leaders_are_the_leaders_assigned_to_the_village(cast):
    assert village_leaders(cast.xiguan) == []  # the town's leader is not 包村 by default
    actions.assign_responsibility(cast.leader, cast.xiguan, Responsibility.Kind.VILLAGE_LEADER)
    assert village_leaders(cast.xiguan) == [cast.leader]
    assert village_leaders(cast.menghe) == []
    assert has_role(cast.leader, Role.LEADER)


def test_each_kind_of_responsibility_hangs_on_its_level(cast):
    group = cast.xiguan_grid.parent
    with pytest.raises(ValidationError):
        actions.assign_responsibility(cast.leader, group, Responsibility.Kind.VILLAGE_LEADER)
    with pytest.raises(ValidationError):
        actions.assign_responsibility(cast.cadre_xiguan, cast.xiguan,
                                      Responsibility.Kind.POLICE)
    resp = actions.assign_responsibility(cast.cadre_menghe, group, Responsibility.Kind.POLICE)
    # 包社 gives a visiting role over that 社 only.
    assert cast.cadre_menghe.memberships.filter(area=group, role=Role.VISITOR).exists()
    assert [r.pk for r in responsible_for(cast.xiguan_grid)] == [resp.pk]
    assert actions.end_responsibility(resp, actor=cast.admin)
    assert not actions.end_responsibility(resp, actor=cast.admin)


def test_village_page_shows_who_answers_and_what_nobody_does(login, cast, make_household):
    second = cast.grids["高家庄社第二网格"]
    actions.assign_responsibility(cast.grid_xiguan, cast.xiguan_grid,
                                  Responsibility.Kind.GRID_WORKER)
    actions.assign_responsibility(cast.leader, cast.xiguan, Responsibility.Kind.VILLAGE_LEADER)
    covered = make_household(cast.xiguan_grid, head="有人包")
    orphan = make_household(second, head="没人包")
    place = actions.create_key_place(grid=second, kind="出租房屋", name="西关出租屋")
    client = login(cast.cadre_xiguan)
    html = client.get(reverse("grids:responsibilities", args=[cast.xiguan.pk])).content.decode()
    assert "赵志强" in html  # 包村领导
    assert "无人包抓的户（1）" in html and orphan.address in html
    assert covered.address not in html
    assert "无人包抓的重点场所（1）" in html and place.name in html
    assert "西关一社" in html  # a 社 with nobody 包社
    assert client.get(reverse("grids:responsibilities",
                              args=[cast.menghe.pk])).status_code == 404
    assert client.get(reverse("grids:responsibilities",
                              args=[cast.xiguan_grid.pk])).status_code == 404


@pytest.mark.parametrize("who", ["grid_xiguan", "cadre_xiguan", "centre", "leader",
                                 "supervisor", "admin"])
def test_every_grids_page_opens_for_every_role(login, cast, make_household, campaign, visit,
                                               who):
    household = make_household(cast.xiguan_grid)
    v = visit(household, cast.grid_xiguan, findings=["矛盾纠纷"], notes="借款纠纷")
    place = actions.create_key_place(grid=cast.xiguan_grid, kind="学校", name="西关小学")
    client = login(getattr(cast, who))
    for name in ["household_list", "key_person_list", "key_place_list", "visit_list",
                 "worklist", "campaign_list"]:
        assert client.get(reverse(f"grids:{name}")).status_code == 200, name
    assert client.get(reverse("grids:campaign_coverage", args=[campaign.pk])).status_code == 200
    for url in [reverse("grids:household_detail", args=[household.pk]),
                reverse("grids:visit_detail", args=[v.pk]),
                reverse("grids:key_place_detail", args=[place.pk])]:
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("home")).status_code == 200


def test_a_visitor_assigned_to_a_group_visits_there_and_nowhere_else(login, cast,
                                                                    make_household):
    from django.contrib.auth import get_user_model

    volunteer = get_user_model().objects.create_user("volunteer", password="pw")
    group = cast.xiguan_grid.parent
    actions.assign_responsibility(volunteer, group, Responsibility.Kind.RESIDENT_CADRE)
    inside = make_household(cast.grids["高家庄社第二网格"])
    outside = make_household(cast.grids["西关一社网格"])
    client = login(volunteer)
    assert client.get(reverse("grids:visit_new", args=[inside.pk])).status_code == 200
    assert client.get(reverse("grids:visit_new", args=[outside.pk])).status_code == 404
    assert "走访工作台" in client.get(reverse("home")).content.decode()
