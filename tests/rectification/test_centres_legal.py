"""Centre standardisation (六有/八化 checklist, photos, upgrade, 示范) and 普法宣传."""

import datetime as dt

import pytest
from django.urls import reverse

from rectification import actions
from rectification.actions import ActionError
from rectification.models import Centre, CentreCheck, LegalActivity, StandardItem
from rectification.stats import legal_totals

from .conftest import fake_png_text, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def centres(rx):
    cast = rx.cast
    return (actions.ensure_centre(cast.xiguan, actor=cast.centre),
            actions.ensure_centre(cast.menghe, actor=cast.centre))


def test_checklist_items_are_editable_data(rx):
    six = StandardItem.objects.filter(group="六有")
    eight = StandardItem.objects.filter(group="八化")
    assert six.count() == 6 and all(six.values_list("confirmed", flat=True))
    assert eight.count() == 8
    assert list(eight.filter(confirmed=True).values_list("name", flat=True)) == ["功能定位科学化"]


def test_cadre_records_checklist_upgrade_and_photo(rx, centres, login):
    cast = rx.cast
    xiguan, _ = centres
    client = login(cast.cadre_xiguan)
    items = list(StandardItem.objects.filter(is_active=True))
    data = {f"met_{i.pk}": "1" for i in items if i.group == "六有"}
    data[f"note_{items[0].pk}"] = "综治中心主任1名"
    assert client.post(reverse("rectification:centre_checks", args=[xiguan.pk]), data).status_code == 302
    assert CentreCheck.objects.filter(centre=xiguan, met=True).count() == 6
    response = client.post(reverse("rectification:centre_upgrade", args=[xiguan.pk]),
                           {"upgrade_status": "done", "upgraded_on": ""})
    assert response.status_code == 200 and "请填写完成提升日期" in response.content.decode()
    xiguan.refresh_from_db()
    assert xiguan.upgrade_status != Centre.Upgrade.DONE  # nothing written
    client.post(reverse("rectification:centre_upgrade", args=[xiguan.pk]),
                {"upgrade_status": "done", "upgraded_on": rx.today.isoformat()})
    xiguan.refresh_from_db()
    assert xiguan.upgrade_status == Centre.Upgrade.DONE and xiguan.upgraded_on == rx.today
    client.post(reverse("rectification:centre_photo_add", args=[xiguan.pk]),
                {"photo": [png()], "caption": "调解室"})
    photo = xiguan.photos.get()
    assert client.get(reverse("rectification:centre_photo", args=[photo.pk])).status_code == 200
    # Another village: the centre page and its photo are 404; a bad file is refused.
    other = login(cast.cadre_menghe)
    assert other.get(reverse("rectification:centre_detail", args=[xiguan.pk])).status_code == 404
    assert other.get(reverse("rectification:centre_photo", args=[photo.pk])).status_code == 404
    client = login(cast.cadre_xiguan)
    client.post(reverse("rectification:centre_photo_add", args=[xiguan.pk]),
                {"photo": [fake_png_text()]})
    assert xiguan.photos.count() == 1
    # Only town staff name demonstration centres.
    assert client.post(reverse("rectification:centre_demonstration", args=[xiguan.pk]),
                       {"flag": "1"}).status_code == 403
    login(cast.centre).post(reverse("rectification:centre_demonstration", args=[xiguan.pk]),
                            {"flag": "1"})
    assert Centre.objects.get(pk=xiguan.pk).is_demonstration


def test_demonstration_requires_upgrade(rx, centres):
    with pytest.raises(ActionError, match="完成巩固提升后"):
        actions.set_centre_demonstration(centres[0], actor=rx.cast.centre, flag=True)


def test_centre_list_counts(rx, centres, login):
    actions.set_centre_upgrade(centres[0], actor=rx.cast.centre, status="done",
                               upgraded_on=rx.today)
    actions.set_centre_demonstration(centres[0], actor=rx.cast.centre, flag=True)
    html = login(rx.cast.centre).get(reverse("rectification:centre_list")).content.decode()
    assert 'id="n-upgraded">1<' in html and 'id="n-demo">1<' in html
    html = login(rx.cast.cadre_menghe).get(reverse("rectification:centre_list")).content.decode()
    assert "孟河村综治中心" in html and "西关村综治中心" not in html


def test_legal_activities_counted_per_village_and_period(rx, login):
    cast = rx.cast
    for village, days, people in [(cast.xiguan, 40, 100), (cast.xiguan, 5, 50), (cast.menghe, 5, 70)]:
        actions.record_legal_activity(actor=cast.centre, area=village,
                                      date=rx.today - dt.timedelta(days=days), form="入户宣传",
                                      title="反诈宣传", materials=10, people_reached=people)
    recent = LegalActivity.objects.filter(date__gte=rx.today - dt.timedelta(days=30))
    assert legal_totals(recent) == {"activities": 2, "materials": 20, "people": 120}
    assert legal_totals(recent.filter(village=cast.xiguan))["activities"] == 1
    client = login(cast.cadre_xiguan)
    html = client.get(reverse("rectification:legal_list")).content.decode()
    assert 'id="n-activities">2<' in html
    response = client.post(reverse("rectification:legal_create"), {
        "area": cast.xiguan.pk, "date": rx.today.isoformat(), "form": "微信公众号",
        "title": "八五普法推送", "materials": 0, "people_reached": 800})
    assert response.status_code == 302
    assert LegalActivity.objects.filter(village=cast.xiguan).count() == 3
    future = client.post(reverse("rectification:legal_create"), {
        "area": cast.xiguan.pk, "date": (rx.today + dt.timedelta(days=1)).isoformat(),
        "form": "微信公众号", "title": "x", "materials": 0, "people_reached": 0})
    assert "活动日期不能晚于今天" in future.content.decode()


def test_campaign_pages(rx, login):
    client = login(rx.cast.centre)
    response = client.post(reverse("rectification:campaign_create"), {
        "name": "防范电信诈骗", "scope": rx.cast.town.pk, "start_date": rx.today.isoformat(),
        "end_date": ""})
    assert response.status_code == 302
    html = client.get(reverse("rectification:campaign_list")).content.decode()
    assert "防范电信诈骗" in html and "校园及周边环境" in html
    assert login(rx.cast.cadre_xiguan).get(reverse("rectification:campaign_create")).status_code == 403
    html = login(rx.cast.cadre_xiguan).get(
        reverse("rectification:campaign_detail", args=[rx.campaign.pk])).content.decode()
    assert "校园及周边环境" in html


def test_home_panels_show_hazard_figures(rx, make_hazard, login):
    make_hazard()
    html = login(rx.cast.centre).get(reverse("home")).content.decode()
    assert "隐患整改" in html and "未销号隐患" in html


def test_town_staff_set_up_centres_and_teams(rx, login):
    from rectification.models import SupervisionTeam

    client = login(rx.cast.centre)
    assert client.post(reverse("rectification:centre_setup")).status_code == 302
    assert Centre.objects.count() == 33
    client.post(reverse("rectification:centre_setup"))
    assert Centre.objects.count() == 33
    response = client.post(reverse("rectification:team_create"), {"name": "第三督导组"})
    team = SupervisionTeam.objects.get(name="第三督导组")
    assert response["Location"] == reverse("rectification:team_detail", args=[team.pk])
    client.post(reverse("rectification:team_member_add", args=[team.pk]),
                {"name": "吴敏", "unit": "司法所"})
    assert team.members.get().unit == "司法所"
    cadre = login(rx.cast.cadre_xiguan)
    assert cadre.post(reverse("rectification:centre_setup")).status_code == 403
    assert cadre.post(reverse("rectification:team_create"), {"name": "x"}).status_code == 403
    assert cadre.get(reverse("rectification:team_detail", args=[team.pk])).status_code == 404


def test_campaign_scope_can_be_a_village(rx, login):
    from rectification.models import Campaign

    client = login(rx.cast.centre)
    client.post(reverse("rectification:campaign_create"), {
        "name": "孟河村安全生产", "scope": rx.cast.menghe.pk, "start_date": rx.today.isoformat()})
    campaign = Campaign.objects.get(name="孟河村安全生产")
    assert campaign.scope == rx.cast.menghe
    assert Campaign.objects.visible_to(rx.cast.cadre_menghe).filter(pk=campaign.pk).exists()
    assert not Campaign.objects.visible_to(rx.cast.cadre_xiguan).filter(pk=campaign.pk).exists()
    # A town-wide campaign is seen by every village.
    assert Campaign.objects.visible_to(rx.cast.grid_xiguan).filter(pk=rx.campaign.pk).exists()
