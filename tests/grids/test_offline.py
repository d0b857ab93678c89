"""What the phone keeps for working offline (issue 21 §1), seen from the server: the grid's
households for the offline search, the service worker, and the answers a visit sent from the
offline queue gets when it cannot be saved (the phone shows the reason and keeps the visit)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grids import actions
from grids.models import Visit

pytestmark = pytest.mark.django_db

QUEUED = {"X-Pingxiang-Visit": "queued"}


def _visit(**overrides):
    data = {"idempotency_key": str(uuid.uuid4()), "visited_on": timezone.localdate().isoformat(),
            "visit_type": "常规走访", "findings": ["无异常"], "notes": ""}
    data.update(overrides)
    return data


def test_the_bundle_holds_the_workers_own_grid_only(login, cast, make_household,
                                                    django_assert_max_num_queries):
    ma = make_household(cast.xiguan_grid, head="马福禄", members=[("马小花", "女")])
    make_household(cast.menghe_grid, head="孟远方")
    client = login(cast.grid_xiguan)
    with django_assert_max_num_queries(12):
        data = client.get(reverse("grids:offline_bundle")).json()
    assert [h["name"] for h in data["households"]] == ["马福禄"]
    row = data["households"][0]
    # Searchable by pinyin initials and any member's name, as the online search box.
    assert "mfl" in row["text"] and "马小花" in row["text"]
    assert row["visit_url"] == reverse("grids:visit_new", args=[ma.pk])
    assert reverse("grids:worklist") in data["pages"] and row["url"] in data["pages"]
    assert data["label"].startswith(timezone.localdate().isoformat())


def test_the_bundle_stays_one_query_count_as_the_grid_grows(login, cast, make_household,
                                                            django_assert_num_queries):
    client = login(cast.grid_xiguan)
    make_household(cast.xiguan_grid)
    client.get(reverse("grids:offline_bundle"))  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("grids:offline_bundle"))
    for _ in range(5):
        make_household(cast.xiguan_grid)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("grids:offline_bundle")).json()["households"]) == 6


def test_centre_staff_keep_no_households_on_a_phone(login, cast, make_household):
    make_household(cast.xiguan_grid)
    data = login(cast.centre).get(reverse("grids:offline_bundle")).json()
    assert data["households"] == [] and data["pages"] == []


def test_a_queued_visit_refused_says_why_and_keeps_its_key(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    client = login(cast.grid_xiguan)
    data = _visit(findings=["矛盾纠纷"])
    response = client.post(reverse("grids:visit_new", args=[household.pk]), data,
                           headers=QUEUED)
    assert response.status_code == 200
    answer = response.json()
    assert "情况说明：发现了问题，请简要写明情况。" in answer["refused"]
    assert answer["key"] == data["idempotency_key"]
    assert not Visit.objects.exists()


def test_a_queued_visit_to_a_household_moved_away_is_refused_plainly(login, cast,
                                                                     make_household):
    household = make_household(cast.xiguan_grid)
    client = login(cast.grid_xiguan)
    actions.edit_household(household, actor=cast.admin, version=household.version,
                           grid=cast.menghe_grid, house_number=household.house_number,
                           head=household.head, flags=[])
    url = reverse("grids:visit_new", args=[household.pk])
    answer = client.post(url, _visit(), headers=QUEUED).json()
    assert answer["moved"] is True and "这户已不在您负责的网格" in answer["refused"]
    assert not Visit.objects.exists()
    # Not from the queue: the ordinary answer for a household out of reach.
    assert client.post(url, _visit()).status_code == 404


def test_a_queued_visit_naming_someone_who_left_is_refused_with_the_reason(
        login, cast, make_household):
    household = make_household(cast.xiguan_grid, members=[("李芳", "配偶")])
    client = login(cast.grid_xiguan)
    answer = client.post(reverse("grids:visit_new", args=[household.pk]),
                         _visit(persons_met=["99999999"]), headers=QUEUED).json()
    assert "已不在本户名单上" in answer["refused"]


def test_the_service_worker_is_served_from_the_root_with_its_shell(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert "/static/js/offline-queue.js" in body and "/static/grids/visit-form.js" in body
    assert "{{" not in body and "{%" not in body
    # A login, a logout or a change of post drops the kept pages before the next page.
    assert '["/account/login/", "/account/logout/", "/role/"]' in body


def test_logout_tells_the_browser_to_forget_the_site(login, cast):
    client = login(cast.grid_xiguan)
    response = client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'
