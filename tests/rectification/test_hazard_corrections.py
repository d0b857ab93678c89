"""Issue 19 §2 for hazards: correct the category, grade and place, and withdraw (撤销) a
hazard registered by mistake, each with a reason; a grid worker cannot re-grade, the
centre can; the figures and the lists behind them move together; of two corrections on
one version the second is refused and shown the hazard as it now stands."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.figures import compute
from pingxiang.metrics import Period, get_metric
from pingxiang.models import AuditEvent
from rectification import actions
from rectification.actions import ActionError, HazardChanged
from rectification.models import Hazard

pytestmark = pytest.mark.django_db


def _period():
    return Period(timezone.localdate() - timezone.timedelta(days=2), timezone.localdate())


def _figure(area, code):
    return compute(area, _period(), codes=[code]).totals[code]


def _list_count(client, area, code):
    response = client.get(get_metric(code).drill(area, _period()))
    assert response.status_code == 200
    return response.context["page"].paginator.count


def _events(hazard, action):
    return AuditEvent.objects.filter(object_id=str(hazard.pk), action=f"hazard.{action}")


def _correct(hazard, actor, **kw):
    args = {"reason": "登记有误", "category": hazard.category, "grade": hazard.grade,
            "area": hazard.area, "place": hazard.place, "location": hazard.location, **kw}
    return actions.correct_hazard(hazard, actor=actor, **args)


# (who, what they change) -> allowed
RULES = [
    ("grid_xiguan", "category", False),
    ("grid_xiguan", "grade", False),
    ("cadre_xiguan", "category", True),
    ("cadre_xiguan", "grade", False),
    ("cadre_menghe", "category", False),
    ("centre", "category", True),
    ("centre", "grade", True),
    ("leader", "category", True),
    ("leader", "grade", False),
    ("supervisor", "category", False),
]


@pytest.mark.parametrize("who,what,allowed", RULES)
def test_who_may_correct_and_regrade_a_hazard(rx, make_hazard, who, what, allowed):
    hazard = make_hazard(category="消防")
    change = ({"category": rx.cats["道路交通"]} if what == "category"
              else {"grade": Hazard.Grade.MAJOR})
    actor = getattr(rx.cast, who)
    if allowed:
        _correct(hazard, actor, **change)
        assert _events(hazard, "correct").exists()
    else:
        with pytest.raises(ActionError):
            _correct(hazard, actor, **change)
        assert Hazard.objects.get(pk=hazard.pk).version == 0
        assert not _events(hazard, "correct").exists()


@pytest.mark.parametrize("who,allowed", [("grid_xiguan", False), ("cadre_xiguan", False),
                                         ("leader", False), ("centre", True)])
def test_only_the_centre_withdraws_a_hazard(rx, make_hazard, who, allowed):
    hazard = make_hazard()
    actor = getattr(rx.cast, who)
    if allowed:
        actions.withdraw_hazard(hazard, actor=actor, reason="误登记")
        assert Hazard.objects.get(pk=hazard.pk).withdrawn_at is not None
    else:
        with pytest.raises(ActionError, match="综治中心"):
            actions.withdraw_hazard(hazard, actor=actor, reason="误登记")
        assert Hazard.objects.get(pk=hazard.pk).withdrawn_at is None


def test_without_a_reason_nothing_changes(rx, make_hazard):
    hazard = make_hazard()
    before = Hazard.objects.values().get(pk=hazard.pk)
    with pytest.raises(ActionError, match="原因"):
        _correct(hazard, rx.cast.centre, reason=" ", category=rx.cats["道路交通"])
    with pytest.raises(ActionError, match="原因"):
        actions.withdraw_hazard(hazard, actor=rx.cast.centre, reason="")
    assert Hazard.objects.values().get(pk=hazard.pk) == before


def test_correcting_the_category_and_place_moves_the_figures_and_lists(rx, make_hazard, login):
    cast = rx.cast
    hazard = make_hazard(category="消防", area=cast.xiguan_grid)
    client = login(cast.leader)
    assert _figure(cast.town, "hazards_fire") == 1 == _list_count(client, cast.town,
                                                                  "hazards_fire")
    assert _figure(cast.town, "hazards_road") == 0
    _correct(hazard, cast.centre, category=rx.cats["道路交通"], place=rx.places.school_menghe,
             reason="实为道路隐患，在孟河小学门口")
    hazard.refresh_from_db()
    assert hazard.village == cast.menghe and hazard.place == rx.places.school_menghe
    assert _figure(cast.town, "hazards_fire") == 0 == _list_count(client, cast.town,
                                                                  "hazards_fire")
    assert _figure(cast.town, "hazards_road") == 1 == _list_count(client, cast.town,
                                                                  "hazards_road")
    assert _figure(cast.menghe, "hazards_found") == 1 == _list_count(client, cast.menghe,
                                                                     "hazards_found")
    assert _figure(cast.xiguan, "hazards_found") == 0
    event = _events(hazard, "correct").get()
    assert "类别：消防" in event.from_state and "类别：道路交通" in event.to_state
    assert "孟河小学" in event.to_state and event.reason == "实为道路隐患，在孟河小学门口"


def test_regrading_to_major_tells_the_village_leaders(rx, make_hazard):
    from grids.actions import grant_membership
    from pingxiang.models import Notification
    from pingxiang.roles import Role

    grant_membership(rx.cast.leader, rx.cast.xiguan, Role.LEADER)  # 包村领导 of 西关村
    hazard = make_hazard()
    _correct(hazard, rx.cast.centre, grade=Hazard.Grade.MAJOR, reason="复核为重大隐患")
    assert Notification.objects.filter(recipient=rx.cast.leader, kind="hazard_major").exists()
    event = _events(hazard, "correct").get()
    assert (event.from_state, event.to_state) == ("等级：一般", "等级：重大")


def test_a_withdrawn_hazard_is_kept_stopped_and_counted_nowhere(rx, assigned_hazard, login):
    cast = rx.cast
    hazard = assigned_hazard()
    client = login(cast.centre)
    assert _figure(cast.town, "hazards_found") == 1
    actions.withdraw_hazard(hazard, actor=cast.centre, reason="重复登记")
    for code in ["hazards_found", "hazards_fire"]:
        assert _figure(cast.town, code) == 0 == _list_count(client, cast.town, code)
    assert hazard.number not in client.get(reverse("rectification:hazard_list")).content.decode()
    shown = client.get(reverse("rectification:hazard_list"), {"withdrawn": "on"})
    assert hazard.number in shown.content.decode()
    page = client.get(reverse("rectification:hazard_detail", args=[hazard.pk])).content.decode()
    assert 'id="hazard-withdrawn"' in page and "重复登记" in page
    assert 'id="action-correct"' not in page
    with pytest.raises(ActionError, match="已撤销"):
        actions.note_hazard_progress(Hazard.objects.get(pk=hazard.pk), actor=cast.cadre_xiguan,
                                     note="已更换")
    from rectification.sweeps import flag_overdue_hazards

    Hazard.objects.filter(pk=hazard.pk).update(deadline=timezone.localdate()
                                               - timezone.timedelta(days=3))
    assert flag_overdue_hazards(timezone.now()) == 0


def test_of_two_corrections_on_one_version_the_second_sees_the_current_values(
        rx, make_hazard, login):
    cast = rx.cast
    hazard = make_hazard(category="消防")
    _correct(Hazard.objects.get(pk=hazard.pk), cast.centre, category=rx.cats["道路交通"])
    stale = Hazard.objects.get(pk=hazard.pk)
    stale.version = 0
    with pytest.raises(HazardChanged):
        _correct(stale, cast.cadre_xiguan, location="东门")
    response = login(cast.cadre_xiguan).post(
        reverse("rectification:hazard_correct", args=[hazard.pk]),
        {"version": 0, "category": rx.cats["消防"].pk, "grade": "一般",
         "area": cast.xiguan_grid.pk, "location": "", "reason": "后到"}, follow=True)
    page = response.content.decode()
    assert "刚刚已被他人更正" in page and "道路交通" in page
    assert Hazard.objects.get(pk=hazard.pk).category.name == "道路交通"


def test_the_correction_forms_load_lazily_on_the_hazard_page(rx, make_hazard, login):
    hazard = make_hazard()
    client = login(rx.cast.centre)
    page = client.get(reverse("rectification:hazard_detail", args=[hazard.pk])).content.decode()
    for name in ("correct", "withdraw"):
        assert f'id="action-{name}"' in page
    form = client.get(reverse("rectification:hazard_correct", args=[hazard.pk]),
                      HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and "<html" not in form.content.decode()
    cadre = login(rx.cast.cadre_xiguan)
    page = cadre.get(reverse("rectification:hazard_detail", args=[hazard.pk])).content.decode()
    assert 'id="action-correct"' in page and 'id="action-withdraw"' not in page
    grade = cadre.get(reverse("rectification:hazard_correct", args=[hazard.pk]))
    assert grade.context["form"].fields["grade"].disabled


def test_the_correction_form_picks_the_place_with_the_key_place_picker(rx, make_hazard, login):
    # issue 19 §4: a town's key places run to hundreds; the correction searches them within
    # the chosen village/grid, and two places of one name are told apart by their address.
    hazard = make_hazard(area=rx.cast.xiguan_grid)
    client = login(rx.cast.centre)
    page = client.get(reverse("rectification:hazard_correct", args=[hazard.pk])).content.decode()
    assert f'hx-get="{reverse("grids:pick_place")}?field=place"' in page
    assert "[name='area']" in page  # follows the village/grid chosen above
    school = rx.places.school_menghe
    answer = client.get(reverse("grids:pick_place"), {
        "field": "place", "area": rx.cast.menghe.pk, "place__q": school.name}).content.decode()
    assert f'value="{school.pk}"' in answer
    # A grid worker of 西关村 is never offered 孟河村's places.
    answer = login(rx.cast.grid_xiguan).get(reverse("grids:pick_place"), {
        "field": "place", "place__q": school.name}).content.decode()
    assert f'value="{school.pk}"' not in answer
