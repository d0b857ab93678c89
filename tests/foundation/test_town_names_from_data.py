"""No town's name is written in code: a user of a second town sees their own town's centre in
the footer, the case ledger's subtitle and a reception's room, and the briefing is named
after the area and the campaign chosen."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grids.actions import create_area, create_campaign, ensure_user, grant_membership
from grids.models import Area
from petitions.forms import ReceptionForm
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_town(cast):
    town = create_area(parent=cast.town.parent, kind=Area.Kind.TOWN, name="常河镇",
                       short_name="常河镇")
    create_area(parent=town, kind=Area.Kind.VILLAGE, name="常河村", short_name="常河村")
    staff = ensure_user("centre_changhe", full_name="常河镇工作人员", password="pw")
    grant_membership(staff, town, Role.CENTRE_STAFF)
    return staff


@pytest.mark.parametrize(("username", "centre"), [
    ("centre", "平襄镇综治中心"),
    ("cadre_xiguan", "平襄镇综治中心"),  # a village's user: the centre of the town above
    ("centre_changhe", "常河镇综治中心"),
    ("admin", "通渭县综治中心"),  # a county-wide user
])
def test_each_user_sees_their_own_centre(second_town, login, username, centre):
    from django.contrib.auth import get_user_model

    client = login(get_user_model().objects.get(username=username))
    footer = client.get(reverse("home")).content.decode().split('<footer class="footer">')[1]
    assert footer.startswith(centre)


def test_case_ledger_subtitle_names_the_users_centre(second_town, login):
    client = login(second_town)
    response = client.get(reverse("cases:case_export"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(str(c) for row in book.active.iter_rows(max_row=3, values_only=True)
                    for c in row if c)
    assert "常河镇综治中心" in text
    assert "平襄" not in text


def test_reception_room_is_the_users_centre(second_town, cast):
    assert ReceptionForm(user=second_town).fields["place"].initial == "常河镇综治中心接访室"
    assert ReceptionForm(user=cast.centre).fields["place"].initial == "平襄镇综治中心接访室"


def test_briefing_is_named_after_area_and_campaign(cast, login):
    campaign = create_campaign(name="春季矛盾纠纷专项排查", area=cast.town,
                               start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 5, 31))
    client = login(cast.leader)
    page = client.get(reverse("briefing"), {"area": cast.town.pk, "campaign": campaign.pk})
    assert "<h2>平襄镇春季矛盾纠纷专项排查工作简报</h2>" in page.content.decode()
    page = client.get(reverse("briefing"), {"area": cast.town.pk})
    assert "<h2>平襄镇工作简报</h2>" in page.content.decode()


def _title(fileobj):
    fileobj.seek(0)
    return next(load_workbook(fileobj).active.iter_rows(max_row=1, values_only=True))[0]


def test_ledgers_are_titled_with_the_users_town(second_town):
    from grids.exports import visit_ledger
    from petitions.exports import export_ledger
    from petitions.models import Petition
    from rectification.exports import export_hazards
    from rectification.models import Hazard

    assert _title(visit_ledger(second_town)) == "常河镇走访台账"
    assert _title(export_ledger(second_town, Petition.objects.none(), subtitle="")) == "常河镇信访事项台账"
    hazards, _name = export_hazards(Hazard.objects.none(), user=second_town)
    assert _title(hazards) == "常河镇隐患排查整改台账"


def test_judicial_confirmation_offers_the_cases_own_county_court(cast):
    from cases.forms import JudicialForm
    from grids.people import county_of

    court = JudicialForm(county=county_of(cast.xiguan)).fields["court"]
    assert court.initial == f"{cast.county.name}人民法院"
    other = create_area(parent=None, kind=Area.Kind.COUNTY, name="陇西县", short_name="陇西县")
    assert JudicialForm(county=other).fields["court"].initial == "陇西县人民法院"
