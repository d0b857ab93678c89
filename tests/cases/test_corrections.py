"""Issue 19 §2 for disputes: correct, re-grade, withdraw (撤销) and merge a case, each with a
reason in the audit trail; who may do which; the figures and the lists behind them move
together; a merge across towns and a correction without a reason change nothing; of two
concurrent corrections one wins and the other sees the current values."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.access import may
from cases.actions import CaseActionError, CaseChanged
from cases.models import Attachment, Case, Category, Status
from dashboard.figures import compute
from pingxiang.metrics import Period, get_metric
from pingxiang.models import AuditEvent

from .conftest import id_number

pytestmark = pytest.mark.django_db

@pytest.fixture
def other_town(cast):
    from grids.actions import create_area
    from grids.models import Area

    town = create_area(parent=cast.county, kind=Area.Kind.TOWN, name="义岗川镇")
    return {"town": town,
            "village": create_area(parent=town, kind=Area.Kind.VILLAGE, name="义岗村")}


CORRECTIONS = ["correct", "correct_parties", "regrade", "withdraw", "merge"]

# Who may do what to a case in 西关村 高家庄社第一网格 (given they can see it).
ALLOWED = {
    "grid_xiguan": set(),
    "cadre_xiguan": {"correct", "correct_parties"},
    "cadre_menghe": set(),
    "centre": set(CORRECTIONS),
    "leader": set(),
    "supervisor": set(),
}


@pytest.mark.parametrize("username", sorted(ALLOWED))
@pytest.mark.parametrize("action", CORRECTIONS)
def test_who_may_correct_regrade_withdraw_and_merge(cast, make_case, username, action):
    case = make_case()
    user = getattr(cast, username)
    assert may(user, case, action) is (action in ALLOWED[username])


def _events(case, action):
    return AuditEvent.objects.filter(object_id=str(case.pk), action=f"case.{action}")


def _today():
    return Period(timezone.localdate(), timezone.localdate())


def _found(area):
    return compute(area, _today(), codes=["disputes_found"]).totals["disputes_found"]


def _list_count(client, area, code="disputes_found"):
    """How many rows the list behind the figure has (the figure's own drill-down link)."""
    url = get_metric(code).drill(area, _today())
    response = client.get(url)
    assert response.status_code == 200
    return response.context["page"].paginator.count


# --- Refused: each action without a reason, nothing changed --------------------------------
REFUSED_WITHOUT_REASON = {
    "correct": lambda c, cast: actions.correct_case(
        c, actor=cast.centre, reason="  ", area=cast.menghe, category=c.category,
        description=c.description, source=c.source),
    "correct_parties": lambda c, cast: actions.correct_parties(
        c, actor=cast.centre, reason="", add=[{"name": "赵六"}]),
    "regrade": lambda c, cast: actions.regrade_case(c, actor=cast.centre, risk="red",
                                                   reason=""),
    "withdraw": lambda c, cast: actions.withdraw_case(c, actor=cast.centre, reason=""),
}


@pytest.mark.parametrize("action", sorted(REFUSED_WITHOUT_REASON))
def test_a_correction_without_a_reason_is_refused_and_changes_nothing(cast, make_case, action):
    case = make_case(risk="yellow")
    before = Case.objects.values().get(pk=case.pk)
    with pytest.raises(CaseActionError, match="原因"):
        REFUSED_WITHOUT_REASON[action](case, cast)
    assert Case.objects.values().get(pk=case.pk) == before
    assert not _events(case, action).exists()


def test_a_merge_without_a_reason_is_refused(cast, make_case):
    case, other = make_case(), make_case()
    with pytest.raises(CaseActionError, match="原因"):
        actions.merge_cases(case, actor=cast.centre, duplicate=other, reason="")
    assert Case.objects.get(pk=other.pk).status == Status.REGISTERED


# --- Corrections --------------------------------------------------------------------------
def test_correcting_the_village_moves_the_case_in_the_figures_and_the_lists(
        cast, make_case, login):
    case = make_case(area=cast.xiguan_grid)
    client = login(cast.leader)
    assert _found(cast.xiguan) == 1 == _list_count(client, cast.xiguan)
    assert _found(cast.menghe) == 0 == _list_count(client, cast.menghe)
    actions.correct_case(case, actor=cast.centre, reason="登记时村选错了", area=cast.menghe,
                         category=case.category, description=case.description,
                         source=case.source, source_ref="")
    case.refresh_from_db()
    assert (case.village, case.area, case.grid) == (cast.menghe, cast.menghe, None)
    assert _found(cast.xiguan) == 0 == _list_count(client, cast.xiguan)
    assert _found(cast.menghe) == 1 == _list_count(client, cast.menghe)
    assert _found(cast.town) == 1
    event = _events(case, "correct").get()
    assert "西关村" in event.from_state and "孟河村" in event.to_state
    assert event.reason == "登记时村选错了" and event.actor == cast.centre


def test_correcting_the_category_moves_the_breakdown(cast, make_case):
    from dashboard.closing import tables

    def by_category(area, period):
        return tables(area, period)["disputes_by_category"]

    case = make_case(category="邻里")
    other = Category.objects.exclude(pk=case.category_id).first()
    rows = {r["label"]: r["cells"][0]["value"] for r in by_category(cast.town, _today())["rows"]}
    assert rows == {"邻里": 1}
    actions.correct_case(case, actor=cast.centre, reason="实为其他类别", area=case.area,
                         category=other, description=case.description, source=case.source)
    rows = {r["label"]: r["cells"][0]["value"] for r in by_category(cast.town, _today())["rows"]}
    assert rows == {other.name: 1}
    assert "类别：邻里" in _events(case, "correct").get().from_state


def test_a_correction_to_another_town_is_refused(cast, make_case, other_town):
    case = make_case()
    with pytest.raises(CaseActionError, match="本镇"):
        actions.correct_case(case, actor=cast.centre, reason="选错", area=other_town["village"],
                             category=case.category, description=case.description,
                             source=case.source)
    assert Case.objects.get(pk=case.pk).village == cast.xiguan


def test_a_correction_that_changes_nothing_is_refused(cast, make_case):
    case = make_case()
    with pytest.raises(CaseActionError, match="没有需要更正"):
        actions.correct_case(case, actor=cast.centre, reason="核对", area=case.area,
                             category=case.category, description=case.description,
                             source=case.source, source_ref=case.source_ref)


def test_correcting_parties_takes_off_the_wrong_one_and_adds_the_right_one(cast, make_case):
    case = make_case(parties=[{"name": "王大山", "id_number": id_number()}, {"name": "李小河"}])
    wrong = case.parties.get(name="李小河")
    actions.correct_parties(case, actor=cast.cadre_xiguan, reason="当事人姓名写错",
                            remove=[wrong.pk], add=[{"name": "李晓河", "phone": "13900000000"}])
    assert set(case.parties.values_list("name", flat=True)) == {"王大山", "李晓河"}
    event = _events(case, "correct_parties").get()
    assert "李小河" in event.from_state and "李晓河" in event.to_state
    with pytest.raises(CaseActionError, match="至少"):
        actions.correct_parties(case, actor=cast.centre, reason="x",
                                remove=list(case.parties.values_list("pk", flat=True)))


# --- Re-grading -----------------------------------------------------------------------------
def test_regrading_yellow_to_red_changes_the_ladder_rules_from_then_on(cast, running_case):
    case = running_case(1, risk="yellow")
    assert actions.escalation_levels(case) == [2]
    with pytest.raises(CaseActionError, match="越级"):
        actions.escalate_case(case, actor=cast.centre, reason="调处不成", to_level=3)
    actions.regrade_case(case, actor=cast.centre, risk="red", reason="双方扬言械斗")
    assert 3 in actions.escalation_levels(case)
    actions.escalate_case(case, actor=cast.centre, reason="调处不成", to_level=3)
    assert Case.objects.get(pk=case.pk).level == 3
    event = _events(case, "regrade").get()
    assert (event.from_state, event.to_state) == ("黄色风险", "红色风险")


def test_regrading_red_to_yellow_takes_away_the_jump(cast, make_case):
    case = make_case(risk="red")
    assert actions.highest_start(case) == actions.max_level()
    actions.regrade_case(case, actor=cast.centre, risk="yellow", reason="已缓和")
    with pytest.raises(CaseActionError, match="红色风险"):
        actions.accept_case(case, actor=cast.centre, level=actions.max_level())


def test_a_grid_worker_cannot_regrade_on_the_page(cast, make_case, login):
    case = make_case(risk="yellow")
    url = reverse("cases:case_action", args=[case.pk, "regrade"])
    response = login(cast.grid_xiguan).post(url, {"version": case.version, "risk": "red",
                                                  "reason": "x"})
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).risk == "yellow"


def test_centre_staff_regrade_on_the_page_and_the_timeline_says_why(cast, make_case, login):
    case = make_case(risk="yellow")
    client = login(cast.centre)
    form = client.get(reverse("cases:case_action_form", args=[case.pk, "regrade"]),
                      {"version": case.version})
    assert 'value="yellow" selected' in form.content.decode() or \
        form.context["form"].initial["risk"] == "yellow"
    response = client.post(reverse("cases:case_action", args=[case.pk, "regrade"]),
                           {"version": case.version, "risk": "red", "reason": "扬言上访"},
                           follow=True)
    assert "已调整风险等级" in response.content.decode()
    assert "黄色风险 → 红色风险" in response.content.decode()
    assert "扬言上访" in response.content.decode()


# --- Withdrawal -----------------------------------------------------------------------------
def test_a_withdrawn_case_is_kept_marked_and_counted_nowhere(cast, running_case, login):
    case = running_case(1)
    client = login(cast.leader)
    assert _found(cast.town) == 1 == _list_count(client, cast.town)
    in_progress = compute(cast.town, _today(), codes=["disputes_in_progress"])
    assert in_progress.totals["disputes_in_progress"] == 1
    actions.withdraw_case(case, actor=cast.centre, reason="误登记：实为咨询")
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.WITHDRAWN and case.withdrawn_reason == "误登记：实为咨询"
    assert case.deadline is None and not case.stints.filter(ended_at__isnull=True).exists()
    assert _found(cast.town) == 0 == _list_count(client, cast.town)
    assert _list_count(client, cast.town, "disputes_in_progress") == 0
    assert compute(cast.town, _today()).totals["disputes_in_progress"] == 0
    # The default list leaves it out; the status filter shows it.
    listed = client.get(reverse("cases:case_list"))
    assert case.number not in listed.content.decode()
    shown = client.get(reverse("cases:case_list"), {"status": "withdrawn"})
    assert case.number in shown.content.decode()
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "已撤销" in page and "误登记：实为咨询" in page
    with pytest.raises(CaseActionError, match="已撤销"):
        actions.withdraw_case(case, actor=cast.centre, reason="again")


def test_a_withdrawn_case_is_not_escalated_by_the_sweep(cast, running_case):
    from cases.sweeps import escalate_overdue

    case = running_case(1)
    actions.withdraw_case(case, actor=cast.centre, reason="误登记")
    escalate_overdue(timezone.now() + timezone.timedelta(days=60))
    assert Case.objects.get(pk=case.pk).level == 1


# --- Merging ---------------------------------------------------------------------------------
def _attach(case, cast):
    from tests.images import png_bytes

    return actions.add_attachment(case, actor=cast.centre, kind="photo",
                                  upload=SimpleUploadedFile("a.png", png_bytes(),
                                                            content_type="image/png"))


def test_merging_keeps_both_sources_parties_attachments_and_histories(cast, make_case, login):
    number = id_number()
    case = make_case(source="grid", parties=[{"name": "王大山", "id_number": number}])
    duplicate = make_case(source="police", source_ref="警情20261127-031",
                          parties=[{"name": "王大山", "id_number": number}, {"name": "马五"}])
    _attach(duplicate, cast)
    client = login(cast.leader)
    assert _found(cast.town) == 2 == _list_count(client, cast.town)
    actions.merge_cases(case, actor=cast.centre, duplicate=duplicate, reason="同一纠纷两处上报")
    duplicate = Case.objects.get(pk=duplicate.pk)
    assert duplicate.status == Status.MERGED and duplicate.merged_into_id == case.pk
    assert set(case.parties.values_list("name", flat=True)) == {"王大山", "马五"}
    assert Attachment.objects.filter(case=case).count() == 1
    assert _found(cast.town) == 1 == _list_count(client, cast.town)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert duplicate.number in page and "警情推送" in page and "警情20261127-031" in page
    assert f"〔原案件 {duplicate.number}〕登记" in page  # its history is on the case's page
    assert _events(case, "merge").get().data["merged_number"] == duplicate.number
    assert _events(duplicate, "merge").get().to_state == f"已合并到 {case.number}"
    merged_page = client.get(reverse("cases:case_detail", args=[duplicate.pk])).content.decode()
    assert reverse("cases:case_detail", args=[case.pk]) in merged_page


def test_a_merge_of_cases_from_two_towns_is_refused_and_changes_nothing(
        cast, make_case, other_town):
    case = make_case()
    far = make_case(area=other_town["village"])
    with pytest.raises(CaseActionError, match="不属于同一个镇"):
        actions.merge_cases(case, actor=cast.centre, duplicate=far, reason="重复")
    assert Case.objects.get(pk=far.pk).status == Status.REGISTERED
    assert Case.objects.get(pk=case.pk).version == case.version


def test_a_merge_form_names_a_case_the_user_cannot_see_as_not_found(
        cast, make_case, login, other_town):
    case = make_case()
    far = make_case(area=other_town["village"])
    response = login(cast.centre).post(
        reverse("cases:case_action", args=[case.pk, "merge"]),
        {"version": case.version, "duplicate": far.number, "reason": "重复"})
    assert response.status_code == 200
    assert "没有找到编号为" in response.content.decode()
    assert Case.objects.get(pk=far.pk).status == Status.REGISTERED


# --- Concurrency -------------------------------------------------------------------------------
def test_of_two_concurrent_corrections_one_wins(cast, make_case):
    case = make_case(risk="yellow")
    mine, theirs = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    actions.regrade_case(theirs, actor=cast.centre, risk="red", reason="先到")
    with pytest.raises(CaseChanged):
        actions.correct_case(mine, actor=cast.cadre_xiguan, reason="后到", area=cast.menghe,
                             category=mine.category, description=mine.description,
                             source=mine.source)
    case.refresh_from_db()
    assert (case.risk, case.village) == ("red", cast.xiguan)


def test_the_loser_of_a_race_sees_the_current_values(cast, make_case, login):
    case = make_case(risk="yellow")
    seen = case.version
    actions.regrade_case(Case.objects.get(pk=case.pk), actor=cast.centre, risk="red",
                         reason="先到")
    client = login(cast.centre)
    response = client.post(reverse("cases:case_action", args=[case.pk, "regrade"]),
                           {"version": seen, "risk": "blue", "reason": "后到"}, follow=True)
    page = response.content.decode()
    assert "您的操作未保存" in page
    assert "红色风险" in page
    assert Case.objects.get(pk=case.pk).risk == "red"


# --- Duplicates at intake ----------------------------------------------------------------------
def _intake(cast, number, **extra):
    category = Category.objects.get(name="邻里")
    return {"village": cast.xiguan.pk, "category": category.pk, "description": "又因排水争执",
            "risk": "blue", "source": "walkin", "party-TOTAL_FORMS": "1",
            "party-INITIAL_FORMS": "0", "party-0-name": "王大山", "party-0-id_number": number,
            **extra}


def test_intake_warns_of_an_open_case_of_the_same_party_and_category(cast, make_case, login):
    number = id_number()
    earlier = make_case(parties=[{"name": "王大山", "id_number": number}])
    client = login(cast.cadre_xiguan)
    response = client.post(reverse("cases:case_create"), _intake(cast, number))
    page = response.content.decode()
    assert response.status_code == 200 and "可能是重复登记" in page
    assert reverse("cases:case_detail", args=[earlier.pk]) in page
    assert Case.objects.count() == 1
    response = client.post(reverse("cases:case_create"), _intake(cast, number,
                                                                 not_duplicate="on"))
    assert response.status_code == 302 and Case.objects.count() == 2


@pytest.mark.parametrize("variant", ["name_in_village", "other_category", "closed", "old"])
def test_intake_warning_needs_the_same_party_category_and_an_open_recent_case(
        cast, make_case, login, variant):
    number = id_number()
    at = timezone.now() - timezone.timedelta(days=40) if variant == "old" else None
    earlier = make_case(parties=[{"name": "王大山", "id_number": number}], at=at,
                        category="婚姻家庭" if variant == "other_category" else "邻里")
    if variant == "closed":
        actions.withdraw_case(earlier, actor=cast.centre, reason="误登记")
    post = _intake(cast, "" if variant == "name_in_village" else number)
    page = login(cast.cadre_xiguan).post(reverse("cases:case_create"), post).content.decode()
    warned = "可能是重复登记" in page
    assert warned is (variant == "name_in_village")


def test_the_case_page_loads_the_correction_forms_lazily(cast, make_case, login):
    case = make_case()
    page = login(cast.centre).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    for name in CORRECTIONS:
        url = reverse("cases:case_action_form", args=[case.pk, name])
        assert f'id="action-{name}"' in page and url in page
    form = login(cast.centre).get(reverse("cases:case_action_form", args=[case.pk, "correct"]),
                                  HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and case.description in form.content.decode()


# --- Access on the page: outsiders and read-only users -----------------------------------------
@pytest.mark.parametrize("action", CORRECTIONS)
@pytest.mark.parametrize("username,status", [("grid_menghe", 404), ("cadre_menghe", 404),
                                             ("supervisor", 403), ("grid_xiguan", 403)])
def test_outsiders_and_readers_cannot_correct_on_the_page(cast, make_case, login, action,
                                                          username, status):
    case = make_case()
    client = login(getattr(cast, username))
    form = client.get(reverse("cases:case_action_form", args=[case.pk, action]))
    assert form.status_code == status
    response = client.post(reverse("cases:case_action", args=[case.pk, action]),
                           {"version": case.version, "reason": "x", "risk": "red"})
    assert response.status_code == status
    assert Case.objects.get(pk=case.pk).version == case.version


def test_the_merged_case_page_names_the_case_it_went_into(cast, make_case, login):
    case, duplicate = make_case(), make_case()
    client = login(cast.centre)
    response = client.post(reverse("cases:case_action", args=[case.pk, "merge"]),
                           {"version": case.version, "duplicate": duplicate.number,
                            "reason": "同一纠纷"}, follow=True)
    assert "已合并重复案件" in response.content.decode()
    page = client.get(reverse("cases:case_detail", args=[duplicate.pk])).content.decode()
    assert 'id="case-merged"' in page and case.number in page
    assert "您目前没有可办理的操作" in page


def test_the_case_page_costs_the_same_with_more_merged_cases(cast, make_case, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = make_case()
    actions.merge_cases(case, actor=cast.centre, duplicate=make_case(), reason="重复")
    client = login(cast.centre)
    url = reverse("cases:case_detail", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(3):
        actions.merge_cases(Case.objects.get(pk=case.pk), actor=cast.centre,
                            duplicate=make_case(), reason="重复")
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four) == len(one)
