"""The copy of the area tree each process holds (grids.areatree) is always the tree in the
database: an edit shows on the next request, a rolled-back edit never does, and what it
answers equals what the database answers."""

import pytest
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from grids import areatree
from grids.access import area_paths, forget, q_under_user_areas
from grids.actions import create_area
from grids.models import Area


def test_a_renamed_village_shows_in_the_filters_of_the_very_next_page(login, cast):
    client = login(cast.centre)
    assert "西关村" in client.get(reverse("cases:case_list")).content.decode()
    Area.objects.filter(pk=cast.xiguan.pk).update(short_name="西关新村")
    html = client.get(reverse("cases:case_list")).content.decode()
    assert "西关新村" in html and ">西关村<" not in html


def test_a_rolled_back_edit_never_stays_in_the_tree(cast):
    with pytest.raises(RuntimeError), transaction.atomic():
        Area.objects.filter(pk=cast.xiguan.pk).update(short_name="回滚村")
        assert areatree.get(cast.xiguan.pk).short_name == "回滚村"
        raise RuntimeError("roll back")
    assert areatree.get(cast.xiguan.pk).short_name == "西关村"
    # and an edit after the rollback is not mistaken for the rolled-back one
    Area.objects.filter(pk=cast.menghe.pk).update(short_name="孟河新村")
    assert areatree.get(cast.menghe.pk).short_name == "孟河新村"
    assert areatree.get(cast.xiguan.pk).short_name == "西关村"


def test_what_a_page_does_to_an_area_it_got_never_reaches_another(cast):
    got = areatree.get(cast.xiguan.pk)
    got.short_name = "改了"
    assert areatree.get(cast.xiguan.pk).short_name == "西关村"


def test_each_users_villages_are_the_ones_the_database_gives(cast):
    for user in (cast.admin, cast.centre, cast.cadre_xiguan, cast.grid_xiguan):
        want = list(Area.objects.visible_to(user).filter(kind=Area.Kind.VILLAGE)
                    .order_by("sort_order", "path").values_list("pk", flat=True))
        got = [a.pk for a in areatree.villages_under(area_paths(user))]
        assert got == want, user.username


def test_a_second_county_is_out_of_the_first_countys_sight_at_once(cast):
    from cases.models import Case

    everything = q_under_user_areas(cast.admin, "area", town="town", village="village")
    assert str(everything) == str(~Q(pk__in=[]))  # the only county: no condition at all
    other = create_area(parent=None, kind=Area.Kind.COUNTY, name="陇西县")
    create_area(parent=other, kind=Area.Kind.TOWN, name="文峰镇")
    forget(cast.admin)
    scoped = q_under_user_areas(cast.admin, "area", town="town", village="village")
    assert str(scoped) != str(everything)
    assert Case.objects.filter(scoped).count() == Case.objects.count()  # its own cases still



def test_an_area_created_in_this_request_is_read_from_the_database(cast):
    from pingxiang.requestcache import RequestCacheMiddleware

    def view(request):
        areatree.get(cast.xiguan.pk)  # the tree is held for the request, as on any page
        new = create_area(parent=cast.xiguan, kind=Area.Kind.GROUP, name="新建社")
        assert new.pk not in [a.pk for a in areatree.villages_under([cast.xiguan.path])]
        assert areatree.get_many([new.pk, cast.xiguan.pk])[new.pk].name == "新建社"
        assert areatree.get(None) is None
        return "ok"

    assert RequestCacheMiddleware(view)(None) == "ok"
