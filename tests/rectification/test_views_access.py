"""Pages: scoping by area (404 for another village), 403 for read-only roles, 405 for the
wrong method, the hazard intake prefill, and constant query counts on the lists."""

import datetime as dt

import pytest
from django.urls import reverse

from rectification import actions
from rectification.models import Hazard, HazardPhoto

from .conftest import fake_png_text, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hazards(rx, make_hazard):
    xiguan = make_hazard(description="西关消防通道堵塞", photos=[png()])
    menghe = make_hazard(area=rx.cast.menghe_grid, actor=rx.cast.grid_menghe,
                         description="孟河货运站超载")
    return xiguan, menghe


def test_other_villages_hazard_is_404_and_absent_from_list(rx, two_hazards, login):
    xiguan, menghe = two_hazards
    client = login(rx.cast.cadre_xiguan)
    assert client.get(reverse("rectification:hazard_detail", args=[xiguan.pk])).status_code == 200
    assert client.get(reverse("rectification:hazard_detail", args=[menghe.pk])).status_code == 404
    html = client.get(reverse("rectification:hazard_list")).content.decode()
    assert "西关消防通道堵塞" in html and "孟河货运站超载" not in html
    # Town staff see both.
    html = login(rx.cast.centre).get(reverse("rectification:hazard_list")).content.decode()
    assert "西关消防通道堵塞" in html and "孟河货运站超载" in html


def test_photo_served_only_to_those_who_see_the_hazard(rx, two_hazards, login):
    photo = HazardPhoto.objects.get(hazard=two_hazards[0])
    url = reverse("rectification:hazard_photo", args=[photo.pk])
    response = login(rx.cast.grid_xiguan).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert login(rx.cast.grid_menghe).get(url).status_code == 404
    assert login(rx.cast.cadre_menghe).get(url).status_code == 404


def test_grid_worker_cannot_assign_or_accept(rx, two_hazards, login):
    hazard = two_hazards[0]
    client = login(rx.cast.grid_xiguan)
    response = client.post(reverse("rectification:hazard_assign", args=[hazard.pk]), {
        "responsible_unit": "村", "responsible_person": "李", "measures": "改",
        "deadline": rx.today.isoformat()})
    assert response.status_code == 403
    assert client.post(reverse("rectification:hazard_close", args=[hazard.pk])).status_code == 403
    assert Hazard.objects.get(pk=hazard.pk).status == Hazard.Status.REGISTERED


def test_wrong_method_is_405(rx, two_hazards, login):
    client = login(rx.cast.centre)
    hazard = two_hazards[0]
    assert client.get(reverse("rectification:hazard_close", args=[hazard.pk])).status_code == 405
    assert client.post(reverse("rectification:hazard_detail", args=[hazard.pk])).status_code == 405
    assert client.post(reverse("rectification:hazard_list")).status_code == 405


def test_closed_loop_through_the_pages(rx, two_hazards, login):
    cast = rx.cast
    hazard = two_hazards[0]
    centre = login(cast.centre)
    url = lambda name: reverse(f"rectification:{name}", args=[hazard.pk])  # noqa: E731
    bad = centre.post(url("hazard_assign"), {
        "responsible_unit": "西关村委会", "responsible_person": "李秀英", "measures": "清理",
        "deadline": (rx.today - dt.timedelta(days=1)).isoformat()})
    assert bad.status_code == 200 and "不能早于交办日期" in bad.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.REGISTERED and not hazard.responsible_unit
    ok = centre.post(url("hazard_assign"), {
        "responsible_unit": "西关村委会", "responsible_person": "李秀英", "measures": "清理",
        "handler": cast.cadre_xiguan.pk, "deadline": (rx.today + dt.timedelta(days=3)).isoformat()})
    assert ok.status_code == 302
    cadre = login(cast.cadre_xiguan)
    assert cadre.post(url("hazard_submit"), {"s-note": "已清理",
                                             "s-photos": [png("after.png")]}).status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.SUBMITTED
    assert hazard.photos.filter(stage=HazardPhoto.Stage.AFTER).count() == 1
    # The cadre rectified it: the page offers no acceptance form, and posting one is refused.
    page = cadre.get(url("hazard_detail")).content.decode()
    assert "不能验收本人的整改" in page
    cadre.post(url("hazard_verify"), {"passed": "1", "note": "自己验收"})
    assert Hazard.objects.get(pk=hazard.pk).status == Hazard.Status.SUBMITTED
    centre = login(cast.centre)
    centre.post(url("hazard_verify"), {"passed": "0", "note": "仍有杂物"})
    assert Hazard.objects.get(pk=hazard.pk).status == Hazard.Status.RECTIFYING
    cadre = login(cast.cadre_xiguan)
    cadre.post(url("hazard_submit"), {"s-note": "全部清理"})
    centre = login(cast.centre)
    centre.post(url("hazard_verify"), {"passed": "1", "note": "合格"})
    centre.post(url("hazard_close"))
    assert Hazard.objects.get(pk=hazard.pk).status == Hazard.Status.CLOSED
    assert "销号" in centre.get(url("hazard_detail")).content.decode()


def test_intake_prefill_from_a_visit(rx, login):
    import uuid

    from grids.actions import create_household, record_visit
    from grids.models import Visit

    cast = rx.cast
    household = create_household(grid=cast.xiguan_grid, house_number="7号", head_name="高明",
                                 actor=cast.grid_xiguan)
    visit, _ = record_visit(actor=cast.grid_xiguan, idempotency_key=uuid.uuid4(),
                            visited_on=rx.today, visit_type=Visit.Type.ROUTINE,
                            findings=[Visit.Finding.HAZARD], household=household)
    client = login(cast.grid_xiguan)
    url = (reverse("rectification:hazard_create")
           + f"?source=visit&area={cast.xiguan_grid.pk}&description=巷道电线老化&visit={visit.pk}")
    html = client.get(url).content.decode()
    assert "巷道电线老化" in html and f'value="{visit.pk}"' in html
    assert f"走访记录 {visit.pk}" in html
    response = client.post(url, {
        "source": "visit", "category": rx.cats["消防"].pk, "grade": "一般",
        "area": cast.xiguan_grid.pk, "description": "巷道电线老化", "found_date": rx.today.isoformat(),
        "source_ref": f"走访记录 {visit.pk}", "visit": str(visit.pk), "photos": [png()]})
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.source_visit_id == visit.pk and hazard.source == "visit"
    assert hazard.village == cast.xiguan and hazard.photos.count() == 1


def test_intake_refuses_other_village_and_bad_photos(rx, login):
    cast = rx.cast
    client = login(cast.grid_xiguan)
    data = {"source": "public", "category": rx.cats["消防"].pk, "grade": "一般",
            "area": cast.menghe_grid.pk, "description": "x", "found_date": rx.today.isoformat()}
    response = client.post(reverse("rectification:hazard_create"), data)
    assert response.status_code == 200  # the form shows the error (孟河 is not a choice)
    data.update(area=cast.xiguan_grid.pk, photos=[fake_png_text()])
    response = client.post(reverse("rectification:hazard_create"), data)
    assert "类型不受支持" in response.content.decode()
    assert not Hazard.objects.exists()


def test_auditor_and_anonymous_are_kept_out(rx, two_hazards, client, login):
    from grids.actions import ensure_user, grant_membership
    from pingxiang.roles import Role

    assert client.get(reverse("rectification:hazard_list")).status_code == 302
    auditor = ensure_user("auditor1", full_name="审计", password="pw")
    grant_membership(auditor, rx.cast.county, Role.AUDITOR)
    c = login(auditor)
    assert c.get(reverse("rectification:hazard_create")).status_code == 403


def _add_hazards(rx, make_hazard, n, start):
    for i in range(n):
        h = make_hazard(description=f"隐患{start + i}", category="道路交通" if i % 2 else "消防")
        actions.assign_hazard(h, actor=rx.cast.centre, responsible_unit="村", responsible_person="李",
                              measures="改", deadline=rx.today, handler=rx.cast.cadre_xiguan)


@pytest.mark.parametrize("name, params", [
    ("hazard_list", ""), ("hazard_list", "?status=open&category="),
    ("index", ""), ("inspection_list", ""), ("centre_list", ""), ("legal_list", ""),
    ("issue_list", ""), ("campaign_list", ""),
])
def test_list_queries_do_not_grow_with_rows(rx, make_hazard, login, django_assert_max_num_queries,
                                            name, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(rx.cast.centre)
    url = reverse(f"rectification:{name}") + params
    _add_hazards(rx, make_hazard, 2, 0)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _add_hazards(rx, make_hazard, 12, 10)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
