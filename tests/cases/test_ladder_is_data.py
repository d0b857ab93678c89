"""The ladder (cases.Level) and the red threshold (Policy.red_min_level) are data: an
administrator who adds a sixth rung and raises the threshold to 4 sees every page follow."""

import pytest

from cases import actions, inbox
from cases.access import acceptable_levels
from cases.actions import CaseActionError
from cases.forms import CaseFilterForm
from cases.models import Case, Level, Policy
from pingxiang.roles import Role


@pytest.fixture
def six_rungs(cast):
    Level.objects.create(number=6, name="市综治中心", handler_kind="county_staff", day_limit=2)
    Policy.objects.update_or_create(pk=1, defaults={"red_min_level": 4})


def test_level_filter_offers_every_rung(six_rungs, cast):
    form = CaseFilterForm({"level": "6"}, user=cast.centre)
    assert [value for value, _ in form.fields["level"].choices] == ["", 1, 2, 3, 4, 5, 6]
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(("risk", "level", "offered"), [
    ("blue", 1, [2]),
    ("blue", 5, [6]),
    ("red", 1, [2, 4, 5, 6]),  # the next rung, or straight to the threshold and above
    ("red", 2, [3, 4, 5, 6]),
    ("red", 6, []),
])
def test_escalation_choices_follow_ladder_and_threshold(six_rungs, running_case, risk, level,
                                                        offered):
    case = running_case(level, risk="red")  # a blue case starts no higher than 4
    Case.objects.filter(pk=case.pk).update(risk=risk)
    case.refresh_from_db()
    assert actions.escalation_levels(case) == offered


def test_escalation_to_the_added_rung(six_rungs, running_case, cast):
    case = running_case(4)
    actions.escalate_case(case, actor=cast.centre, reason="镇级调处不成")
    actions.escalate_case(case, actor=cast.centre, reason="县级调处不成", to_level=6)
    assert Case.objects.get(pk=case.pk).level == 6


@pytest.mark.parametrize(("risk", "level", "allowed"), [
    ("blue", 3, True),
    ("blue", 4, True),  # up to the threshold
    ("blue", 5, False),
    ("red", 5, True),
    ("red", 6, True),
])
def test_accept_rule_follows_red_threshold(six_rungs, make_case, cast, risk, level, allowed):
    case = make_case(risk=risk)
    if allowed:
        actions.accept_case(case, actor=cast.centre, level=level)
        assert Case.objects.get(pk=case.pk).level == level
    else:
        with pytest.raises(CaseActionError, match="第5级及以上"):
            actions.accept_case(case, actor=cast.centre, level=level)


@pytest.mark.parametrize(("user", "risk", "levels"), [
    ("centre", "blue", [1, 2, 3, 4]),
    ("centre", "red", [1, 2, 3, 4, 5, 6]),
    ("cadre_xiguan", "red", [1, 2]),
    ("grid_xiguan", "red", [1]),
])
def test_accept_form_offers_the_users_rungs(six_rungs, make_case, cast, user, risk, levels):
    assert acceptable_levels(getattr(cast, user), make_case(risk=risk)) == levels


def test_inbox_has_a_section_for_the_added_rung(six_rungs, running_case, cast):
    case = running_case(5, risk="red")
    actions.escalate_case(case, actor=cast.centre, reason="县级调处不成", to_level=6)
    sections = {key: (title, list(qs)) for key, title, qs, _more
                in inbox.querysets_for(cast.leader, Role.LEADER)}
    title, cases = sections["level"]
    assert title == "4、5、6级调处中"
    assert [c.pk for c in cases] == [case.pk]


@pytest.mark.parametrize(("role", "user", "title"), [
    (Role.GRID_WORKER, "grid_xiguan", "1级待调处（网格员/社调解员“随手调”）"),
    (Role.VILLAGE_CADRE, "cadre_xiguan", "2级待调处（村(社区)调委会）"),
    (Role.CENTRE_STAFF, "centre", "3、4级调处中"),
    (Role.LEADER, "leader", "4、5级调处中"),
])
def test_inbox_sections_are_named_after_the_rungs(cast, role, user, title):
    sections = {key: t for key, t, _qs, _more in inbox.querysets_for(getattr(cast, user), role)}
    assert sections["level"] == title
