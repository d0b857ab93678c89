"""Issue 21 §3: where a visit was recorded, with the visitor's consent; a household's reference
position confirmed from a visit; positions shown only to the roles that need them; visits far
from their household found by centre staff. §4: "下一户" stays in the same 社."""

import io
import uuid

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from grids import actions
from grids.models import Visit
from pingxiang.geo import distance_m
from pingxiang.models import AuditEvent

pytestmark = pytest.mark.django_db

# 平襄镇 (通渭县) and a point 300 m north of it.
HOME = (35.210000, 105.242000)
NORTH_300 = (35.212698, 105.242000)


def _post(client, household, **overrides):
    data = {"idempotency_key": str(uuid.uuid4()), "visited_on": timezone.localdate().isoformat(),
            "visit_type": "常规走访", "findings": ["无异常"], "notes": "", "companions": "",
            "persons_met_other": ""}
    data.update(overrides)
    return client.post(reverse("grids:visit_new", args=[household.pk]), data)


def _at(point, accuracy=12):
    return {"position_consent": "on", "latitude": str(point[0]), "longitude": str(point[1]),
            "accuracy": str(accuracy)}


def _visit_at(household, actor, point, accuracy=10):
    from pingxiang.geo import Position

    visit, _ = actions.record_visit(
        actor=actor, household=household, idempotency_key=uuid.uuid4(),
        visited_on=timezone.localdate(), visit_type="常规走访", findings=["无异常"],
        position=Position(point[0], point[1], accuracy) if point else None)
    return visit


def test_a_visit_with_consent_records_where_the_phone_was(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    client = login(cast.grid_xiguan)
    form = client.get(reverse("grids:visit_new", args=[household.pk])).content.decode()
    assert 'name="position_consent"' in form and "js/geo.js" in form
    assert _post(client, household, **_at(HOME, 8.6)).status_code == 302
    visit = Visit.objects.get()
    assert (visit.latitude, visit.longitude, visit.accuracy) == (HOME[0], HOME[1], 8.6)


def test_without_consent_the_visit_is_saved_without_a_position(login, cast, make_household):
    """The hidden fields filled (a script left them) but the box unticked: nothing kept,
    even a value out of range, and the visit is saved."""
    household = make_household(cast.xiguan_grid)
    response = _post(login(cast.grid_xiguan), household, latitude="123", longitude="105.2",
                     accuracy="10")
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.latitude is None and visit.longitude is None and visit.accuracy is None


def test_consent_without_a_fix_still_saves_the_visit(login, cast, make_household):
    """The user ticked the box but the phone refused or found nothing: the visit waits for no
    GPS."""
    household = make_household(cast.xiguan_grid)
    response = _post(login(cast.grid_xiguan), household, position_consent="on", latitude="",
                     longitude="", accuracy="")
    assert response.status_code == 302
    assert Visit.objects.get().latitude is None


@pytest.mark.parametrize("values, field, message", [
    ({"latitude": "91", "longitude": "105.2"}, "latitude", "纬度应在 -90 到 90 之间。"),
    ({"latitude": "-90.5", "longitude": "105.2"}, "latitude", "纬度应在 -90 到 90 之间。"),
    ({"latitude": "35.2", "longitude": "181"}, "longitude", "经度应在 -180 到 180 之间。"),
    ({"latitude": "北纬35", "longitude": "105.2"}, "latitude", "纬度不是数字。"),
    ({"latitude": "35.2", "longitude": "105.2", "accuracy": "-3"}, "accuracy",
     "定位精度不能为负数。"),
    ({"latitude": "35.2", "longitude": "105.2", "accuracy": "4800"}, "position_consent",
     "定位精度约 4800 米，太粗"),
    ({"latitude": "35.2", "longitude": ""}, "position_consent", "位置只收到一半"),
])
def test_a_position_out_of_range_is_refused_in_chinese(login, cast, make_household, values,
                                                       field, message):
    household = make_household(cast.xiguan_grid)
    response = _post(login(cast.grid_xiguan), household, position_consent="on", **values)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    html = response.content.decode()
    assert message in html
    assert html.index("没有保存：") < html.index("保存走访</button>")
    assert not Visit.objects.exists()


def test_confirming_a_visit_position_sets_the_household_reference_and_is_audited(
        login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    first = _visit_at(household, cast.grid_xiguan, HOME)
    client = login(cast.grid_xiguan)
    response = client.post(reverse("grids:visit_confirm_position", args=[first.pk]))
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.ref_latitude, household.ref_longitude) == HOME
    assert household.ref_confirmed_by == cast.grid_xiguan
    event = AuditEvent.objects.get(action="position.confirm")
    assert event.actor == cast.grid_xiguan and event.from_state == "无参考位置"
    # The household's timeline is read by every role: it names the visit, not coordinates.
    assert "35.21" not in event.to_state and event.data == {"visit": first.pk}

    later = _visit_at(household, cast.grid_xiguan, NORTH_300)
    page = client.get(reverse("grids:visit_detail", args=[later.pk])).content.decode()
    assert "距户参考位置约" in page and "<strong>300 米</strong>" in page


def test_a_visit_without_position_cannot_be_confirmed(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    visit = _visit_at(household, cast.grid_xiguan, None)
    client = login(cast.centre)
    response = client.post(reverse("grids:visit_confirm_position", args=[visit.pk]),
                           follow=True)
    assert "这次走访没有记录位置" in response.content.decode()
    household.refresh_from_db()
    assert household.ref_latitude is None


@pytest.mark.parametrize("who, sees", [
    ("grid_xiguan", True), ("centre", True), ("cadre_xiguan", False), ("leader", False),
    ("supervisor", False),
])
def test_positions_are_shown_only_to_the_roles_that_need_them(login, cast, make_household, who,
                                                              sees):
    household = make_household(cast.xiguan_grid)
    visit = _visit_at(household, cast.grid_xiguan, HOME)
    actions.confirm_reference_position(visit, actor=cast.grid_xiguan)
    client = login(getattr(cast, who))
    pages = [client.get(reverse("grids:visit_detail", args=[visit.pk])),
             client.get(reverse("grids:household_detail", args=[household.pk]))]
    for response in pages:
        assert response.status_code == 200
        assert ("35.210000" in response.content.decode()) is sees
    listing = client.get(reverse("grids:visit_list")).content.decode()
    assert ('name="far"' in listing) is sees
    confirm = client.post(reverse("grids:visit_confirm_position", args=[visit.pk]))
    assert confirm.status_code == (302 if sees else 403)


def test_another_villages_grid_worker_cannot_confirm_a_position(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    visit = _visit_at(household, cast.grid_xiguan, HOME)
    response = login(cast.grid_menghe).post(
        reverse("grids:visit_confirm_position", args=[visit.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="position.confirm").exists()


def test_centre_staff_find_visits_recorded_far_from_their_household(login, cast, make_household):
    near_home, far_home, no_ref = (make_household(cast.xiguan_grid, head=name)
                                   for name in ("王一", "王二", "王三"))
    for household in (near_home, far_home):
        actions.confirm_reference_position(_visit_at(household, cast.grid_xiguan, HOME),
                                           actor=cast.centre)
    near = _visit_at(near_home, cast.grid_xiguan, (HOME[0] + 0.0002, HOME[1]))  # ~22 m
    far = _visit_at(far_home, cast.grid_xiguan, NORTH_300)
    _visit_at(no_ref, cast.grid_xiguan, NORTH_300)  # no reference: no distance, not "far"
    client = login(cast.centre)
    response = client.get(reverse("grids:visit_list"), {"far": "200"})
    assert [v.pk for v in response.context["page"]] == [far.pk]
    assert round(response.context["page"][0].distance_m) == 300
    assert near.pk in [v.pk for v in client.get(reverse("grids:visit_list"),
                                                {"far": "10"}).context["page"]]
    refused = client.get(reverse("grids:visit_list"), {"far": "-5"})
    assert refused.status_code == 200 and "距离至少 10 米。" in refused.content.decode()


def test_the_distance_in_the_database_agrees_with_the_haversine(cast, make_household):
    household = make_household(cast.xiguan_grid)
    actions.confirm_reference_position(_visit_at(household, cast.grid_xiguan, HOME),
                                       actor=cast.centre)
    point = (35.2241, 105.2611)  # about 2.3 km north-east
    visit = _visit_at(household, cast.grid_xiguan, point)
    in_sql = Visit.objects.with_distance().get(pk=visit.pk).distance_m
    assert in_sql == pytest.approx(distance_m(*HOME, *point), rel=1e-3)


def test_positions_are_exported_only_when_the_ledger_asks_for_them(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    _visit_at(household, cast.grid_xiguan, HOME)
    client = login(cast.centre)

    def headers(**params):
        response = client.get(reverse("grids:visit_export"), params)
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                                  if response.streaming else
                                                  response.content)).active
        return [c for row in sheet.iter_rows(max_row=6, values_only=True) for c in row if c]

    assert "纬度" not in headers()
    assert "纬度" in headers(positions="on")
    cadre = login(cast.cadre_xiguan)
    response = cadre.get(reverse("grids:visit_export"), {"positions": "on"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                              if response.streaming else response.content)).active
    assert "纬度" not in [c for row in sheet.iter_rows(values_only=True) for c in row if c]


def test_next_household_is_the_next_unvisited_in_the_same_she(login, cast, make_household):
    """高家庄社 has two grids; the worker of the first sees only theirs, so "下一户" is the
    next unvisited house of their grid in house-number order, skipping the visited one and
    never a household of 西关一社."""
    grid = cast.xiguan_grid
    h2, h3, h10, h11 = (make_household(grid, house=n) for n in (2, 3, 10, 11))
    make_household(cast.grids["西关一社网格"], house=4)
    _visit_at(h10, cast.grid_xiguan, None)
    visit = _visit_at(h3, cast.grid_xiguan, None)
    client = login(cast.grid_xiguan)
    page = client.get(reverse("grids:visit_detail", args=[visit.pk]))
    assert page.context["next_household"] == h11
    assert reverse("grids:household_detail", args=[h11.pk]) in page.content.decode()
    last = _visit_at(h11, cast.grid_xiguan, None)
    assert client.get(reverse("grids:visit_detail", args=[last.pk])).context[
        "next_household"] == h2  # wraps round to the first unvisited
    _visit_at(h2, cast.grid_xiguan, None)
    done = client.get(reverse("grids:visit_detail", args=[last.pk]))
    assert done.context["next_household"] is None and "本社的户都已走访" in done.content.decode()


def test_centre_staff_next_household_covers_the_whole_she(login, cast, make_household):
    first_grid, second_grid = cast.xiguan_grid, cast.grids["高家庄社第二网格"]
    here = make_household(first_grid, house=5)
    there = make_household(second_grid, house=1)
    make_household(cast.grids["西关一社网格"], house=1)
    visit = _visit_at(here, cast.centre, None)
    page = login(cast.centre).get(reverse("grids:visit_detail", args=[visit.pk]))
    assert page.context["next_household"] == there


def test_a_small_map_only_from_the_countys_own_tile_server(login, cast, make_household,
                                                           settings):
    household = make_household(cast.xiguan_grid)
    visit = _visit_at(household, cast.grid_xiguan, HOME)
    client = login(cast.grid_xiguan)
    url = reverse("grids:visit_detail", args=[visit.pk])
    assert "<svg" not in client.get(url).content.decode()  # no tile server: no map at all
    settings.MAP_TILE_URL = "https://tiles.county.internal/{z}/{x}/{y}.png"
    settings.MAP_TILE_ZOOM = 16
    page = client.get(url).content.decode()
    # 105.242°E, 35.21°N at zoom 16 lies in tile x=51926, y=25911; 3×3 tiles around it.
    assert 'href="https://tiles.county.internal/16/51926/25911.png"' in page
    assert page.count("<image ") == 9 and 'class="posmap-dot"' in page
