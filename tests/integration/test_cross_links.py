"""Records opened from another app show where they came from, and the source shows them:
a petition turned into a dispute case (访调对接), a visit that found a dispute or a hazard."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def petition(cast):
    from petitions.actions import register_petition
    from petitions.models import Category, Petition

    return register_petition(actor=cast.centre, channel=Petition.Channel.VISIT, area=cast.xiguan,
                             received_at=timezone.now(), petitioner={"name": "马红"},
                             title="宅基地界线", content="与邻居宅基地界线不清，多次争吵",
                             category=Category.objects.first())


def test_petition_turned_into_a_case_links_both_ways(login, cast, petition):
    from cases.models import Case, Category
    from petitions.actions import case_new_url

    client = login(cast.centre)
    form = client.get(case_new_url(petition))
    assert form.status_code == 200
    response = client.post(reverse("cases:case_create"), {
        "source": "petition", "petition": petition.pk, "village": cast.xiguan.pk,
        "category": Category.objects.first().pk, "description": "宅基地界线纠纷",
        "risk": "blue", "received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "source_ref": f"信访件#{petition.pk}",
        "party-TOTAL_FORMS": "1", "party-INITIAL_FORMS": "0",
        "party-0-name": "马红", "party-0-id_number": "", "party-0-phone": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get(source_petition_id=petition.pk)
    petition.refresh_from_db()
    assert petition.dispute_case_id == case.pk and petition.dispute_case_ref == case.number
    case_page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("petitions:detail", args=[petition.pk]) in case_page
    petition_page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert reverse("cases:case_detail", args=[case.pk]) in petition_page
    assert petition.status != "closed"  # linking closes neither


def test_case_cannot_claim_a_petition_outside_the_users_area(login, cast, petition):
    from cases.models import Case, Category

    response = login(cast.cadre_menghe).post(reverse("cases:case_create"), {
        "source": "petition", "petition": petition.pk, "village": cast.menghe.pk,
        "category": Category.objects.first().pk, "description": "冒用他村信访件",
        "risk": "blue", "received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "party-TOTAL_FORMS": "1", "party-INITIAL_FORMS": "0",
        "party-0-name": "某人", "party-0-id_number": "", "party-0-phone": "",
    })
    assert response.status_code == 200
    assert "来源信访件不存在或不在您的辖区内" in response.content.decode()
    assert not Case.objects.filter(source_petition_id=petition.pk).exists()


def test_visit_shows_the_case_and_hazard_opened_from_it(login, cast):
    from cases.actions import register_case
    from cases.models import Category
    from grids.actions import create_household, record_visit
    from grids.models import Visit
    from rectification.actions import register_hazard
    from rectification.models import HazardCategory

    household = create_household(grid=cast.xiguan_grid, house_number="7号", head_name="高明",
                                 actor=cast.grid_xiguan)
    visit, _created = record_visit(actor=cast.grid_xiguan, idempotency_key=uuid.uuid4(),
                                   visited_on=timezone.localdate(),
                                   visit_type=Visit.Type.ROUTINE,
                         findings=[Visit.Finding.DISPUTE, Visit.Finding.HAZARD],
                         household=household, notes="兄弟分家争执；门前电线裸露")
    case = register_case(actor=cast.grid_xiguan, area=cast.xiguan_grid,
                         category=Category.objects.first(), description="兄弟分家争执",
                         source="visit", source_visit_id=visit.pk,
                         parties=[{"name": "高明", "id_number": "", "phone": ""}])
    hazard = register_hazard(actor=cast.grid_xiguan, source="visit",
                             category=HazardCategory.objects.get(name="消防"),
                             area=cast.xiguan_grid, description="门前电线裸露",
                             found_date=timezone.localdate(), source_visit_id=visit.pk)
    client = login(cast.cadre_xiguan)
    page = client.get(reverse("grids:visit_detail", args=[visit.pk])).content.decode()
    assert case.number in page and hazard.number in page
    assert reverse("grids:visit_detail", args=[visit.pk]) in client.get(
        reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("grids:visit_detail", args=[visit.pk]) in client.get(
        reverse("rectification:hazard_detail", args=[hazard.pk])).content.decode()
