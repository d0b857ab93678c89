"""The last query strings read by hand now go through forms: the intake prefill, a campaign's
coverage area and the audit log's filters. Values that passed str.isdigit() but are not
numbers ('²'), 20-digit ids and impossible dates never give a 500."""

import pytest
from django.urls import reverse

from grids.actions import create_household, ensure_user, grant_membership
from grids.models import Campaign
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db

BAD = ["²", "99999999999999999999", "-1", "abc", ""]


@pytest.mark.parametrize("value", BAD)
def test_case_intake_prefill_ignores_bad_ids(login, cast, value):
    client = login(cast.centre)
    response = client.get(reverse("cases:case_create"), {
        "visit": value, "petition": value, "area": value, "party": value, "source": value})
    assert response.status_code == 200


def test_case_intake_prefill_carries_only_what_the_user_may_see(login, cast):
    mine = create_household(grid=cast.xiguan_grid, house_number="1号", head_name="高明",
                            actor=cast.grid_xiguan)
    theirs = create_household(grid=cast.menghe_grid, house_number="2号", head_name="孙满",
                              actor=cast.grid_menghe)
    client = login(cast.grid_xiguan)
    page = client.get(reverse("cases:case_create"), {
        "party": [mine.head_id, theirs.head_id], "area": cast.xiguan_grid.pk,
        "description": "分家争执"}).content.decode()
    assert "高明" in page and "孙满" not in page and "分家争执" in page
    page = client.get(reverse("cases:case_create"), {"party": [theirs.head_id]}).content.decode()
    assert "孙满" not in page


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "-1", "abc"])
def test_campaign_coverage_refuses_a_bad_area_with_404_not_500(login, cast, value):
    campaign = Campaign.objects.create(name="冬季排查", area=cast.town,
                                       start_date="2026-11-01", end_date="2026-11-30")
    client = login(cast.centre)
    url = reverse("grids:campaign_coverage", args=[campaign.pk])
    assert client.get(url, {"area": value}).status_code == 404
    assert client.get(url, {"area": cast.xiguan.pk}).status_code == 200


@pytest.mark.parametrize(("query", "told"), [
    ({"start": "abc", "end": "9999-12-31"}, ["日期格式应为", "日期不能晚于"]),
    ({"start": "2026-02-30"}, ["日期格式应为"]), ({"end": "0001-01-01"}, ["日期不能早于"]),
    ({"log": "access", "kind": "nonsense"}, ["选择一个有效的选项"]),
    ({"page": "99999999999999999999"}, []),
])
def test_audit_log_filters_are_a_form(login, cast, query, told):
    auditor = ensure_user("auditor", full_name="审计员", password="pw")
    grant_membership(auditor, cast.county, Role.AUDITOR)
    response = login(auditor).get(reverse("audit_log"), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert all(message in page for message in told), page


@pytest.mark.parametrize("version", ["²", "99999999999999999999", "-1"])
def test_a_case_action_with_a_bad_version_is_checked_not_a_500(login, cast, version):
    from cases import actions
    from cases.models import Category, Source

    case = actions.register_case(actor=cast.centre, area=cast.xiguan_grid,
                                 category=Category.objects.get(name="邻里"),
                                 description="邻里纠纷", source=Source.WALKIN,
                                 parties=[{"name": "甲"}])
    url = reverse("cases:case_action", kwargs={"pk": case.pk, "action": "accept"})
    response = login(cast.centre).post(url, {"version": version, "level": 1})
    assert response.status_code in (200, 302)
