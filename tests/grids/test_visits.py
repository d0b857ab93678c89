import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from grids import actions
from grids.models import KeyPerson, KeyPersonCategory, Visit

pytestmark = pytest.mark.django_db


def _post(client, household, **overrides):
    data = {"idempotency_key": str(uuid.uuid4()), "visited_on": timezone.localdate().isoformat(),
            "visit_type": "常规走访", "findings": ["无异常"], "notes": "", "companions": "",
            "persons_met_other": ""}
    data.update(overrides)
    return client.post(reverse("grids:visit_new", args=[household.pk]), data)


def test_grid_worker_logs_a_visit_and_lands_on_it(login, cast, make_household, campaign):
    household = make_household(cast.xiguan_grid, members=[("李芳", "配偶")])
    client = login(cast.grid_xiguan)
    page = client.get(reverse("grids:visit_new", args=[household.pk])).content.decode()
    assert "记录走访" in page and "测试专项活动" in page and "婚恋纠纷" in page
    assert timezone.localdate().isoformat() in page  # the date defaults to today
    wife = household.members.get(name="李芳")
    response = _post(client, household, persons_met=[wife.pk], companions="张三（包社干部）")
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("grids:visit_detail", args=[visit.pk])
    assert visit.visitor == cast.grid_xiguan and visit.area == cast.xiguan_grid
    assert visit.village == cast.xiguan and visit.town == cast.town
    assert visit.campaign == campaign
    assert visit.persons_met_text == "李芳（配偶）"
    assert visit.companions == "张三（包社干部）"


@pytest.mark.parametrize("overrides, field, message", [
    ({"visited_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "visited_on",
     "走访日期不能晚于今天。"),
    ({"findings": []}, "findings", "请选择发现的问题；没有问题请选“无异常”。"),
    ({"findings": ["无异常", "矛盾纠纷"], "notes": "x"}, "findings", "“无异常”不能与其他问题同时选择。"),
    ({"findings": ["矛盾纠纷"], "notes": ""}, "notes", "发现了问题，请简要写明情况。"),
    ({"notes": "长" * 1001}, "notes", "1000"),
    ({"companions": "人" * 101}, "companions", "100"),
    ({"visit_type": "串门"}, "visit_type", "串门"),
    ({"idempotency_key": "not-a-uuid"}, "idempotency_key", "提交编号无效"),
])
def test_visit_form_answers_in_chinese_next_to_the_field(login, cast, make_household, overrides,
                                                         field, message):
    household = make_household(cast.xiguan_grid)
    response = _post(login(cast.grid_xiguan), household, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert message in response.content.decode() or field == "idempotency_key"
    assert not Visit.objects.exists()


def test_double_submit_with_the_same_key_saves_one_visit(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    client = login(cast.grid_xiguan)
    key = str(uuid.uuid4())
    first = _post(client, household, idempotency_key=key)
    second = _post(client, household, idempotency_key=key)
    assert Visit.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert "已经保存过" in client.get(second["Location"]).content.decode()


def test_a_new_visit_sent_under_a_spent_key_is_kept_with_a_new_key_and_the_user_told(
        login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    client = login(cast.grid_xiguan)
    key = str(uuid.uuid4())
    _post(client, household, idempotency_key=key)  # the visit that spent the key
    response = _post(client, household, idempotency_key=key, findings=["安全隐患"],
                     notes="灶房电线老化裸露。")
    assert response.status_code == 200 and Visit.objects.count() == 1
    form = response.context["form"]
    page = response.content.decode()
    assert "提交编号已用于" in page and "还没有保存" in page
    assert "灶房电线老化裸露。" in page
    assert form["findings"].value() == ["安全隐患"]
    new_key = form["idempotency_key"].value()
    assert new_key != key and f'value="{new_key}"' in page
    # Saving the kept content under its new key files the second visit.
    again = _post(client, household, idempotency_key=new_key, findings=["安全隐患"],
                  notes="灶房电线老化裸露。")
    assert again.status_code == 302
    assert Visit.objects.filter(findings__contains=["安全隐患"]).count() == 1


def test_a_visit_sent_from_the_offline_queue_leaves_no_message_for_the_next_page(
        login, cast, make_household):
    """The queue sends in the background and says so itself: a "走访已保存" flash would greet
    the user on the next, empty visit form as if that one were saved."""
    household = make_household(cast.xiguan_grid)
    client = login(cast.grid_xiguan)
    data = {"idempotency_key": str(uuid.uuid4()), "visited_on": timezone.localdate().isoformat(),
            "visit_type": "常规走访", "findings": ["无异常"]}
    url = reverse("grids:visit_new", args=[household.pk])
    response = client.post(url, data, headers={"X-Pingxiang-Visit": "queued"})
    assert response.json()["created"] is True
    assert "走访已保存" not in client.get(url).content.decode()
    # Sent by the form itself, the message waits for the visit's page the script opens.
    data["idempotency_key"] = str(uuid.uuid4())
    response = client.post(url, data, headers={"X-Pingxiang-Visit": "1"})
    assert "走访已保存" in client.get(response.json()["url"]).content.decode()


def test_posting_a_visit_for_another_grid_is_404_and_writes_nothing(login, cast,
                                                                   make_household):
    theirs = make_household(cast.menghe_grid)
    client = login(cast.grid_xiguan)
    assert client.get(reverse("grids:visit_new", args=[theirs.pk])).status_code == 404
    assert _post(client, theirs).status_code == 404
    assert _post(client, type("H", (), {"pk": 999999})()).status_code == 404  # unknown household
    assert not Visit.objects.exists()


def test_read_only_roles_cannot_log_visits(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    client = login(cast.supervisor)
    assert client.get(reverse("grids:household_detail", args=[household.pk])).status_code == 200
    assert _post(client, household).status_code == 403
    assert not Visit.objects.exists()


def test_wrong_method_is_405(login, cast, make_household, visit):
    household = make_household(cast.xiguan_grid)
    v = visit(household, cast.grid_xiguan)
    client = login(cast.grid_xiguan)
    assert client.post(reverse("grids:visit_detail", args=[v.pk])).status_code == 405
    assert client.put(reverse("grids:visit_new", args=[household.pk])).status_code == 405
    assert client.get(reverse("grids:household_flags", args=[household.pk])).status_code == 405


def test_dispute_finding_offers_a_prefilled_case_link(login, cast, make_household):
    household = make_household(cast.xiguan_grid, members=[("李芳", "配偶")])
    wife = household.members.get(name="李芳")
    client = login(cast.grid_xiguan)
    _post(client, household, findings=["矛盾纠纷", "安全隐患"], notes="彩礼返还 争执",
          persons_met=[wife.pk])
    visit = Visit.objects.get()
    assert visit.findings == ["矛盾纠纷", "安全隐患"]
    page = client.get(reverse("grids:visit_detail", args=[visit.pk])).content.decode()
    assert (f"/cases/new/?source=visit&amp;visit={visit.pk}&amp;area={cast.xiguan_grid.pk}"
            f"&amp;description=%E5%BD%A9%E7%A4%BC%E8%BF%94%E8%BF%98+%E4%BA%89%E6%89%A7"
            f"&amp;party={wife.pk}") in page
    assert f"/rectification/hazards/new/?source=visit&amp;visit={visit.pk}" in page


def test_hazard_at_a_key_place_links_the_place(cast):
    from grids.links import hazard_href

    place = actions.create_key_place(grid=cast.xiguan_grid, kind="加油站", name="西关加油站")
    v, _ = actions.record_visit(actor=cast.grid_xiguan, key_place=place,
                                idempotency_key=uuid.uuid4(), visited_on=timezone.localdate(),
                                visit_type="重点场所巡查", findings=["安全隐患"], notes="灭火器过期")
    assert hazard_href(v).endswith(f"&place={place.pk}")


def test_visit_moves_key_person_deadline(cast, make_household, visit):
    household = make_household(cast.xiguan_grid)
    category = KeyPersonCategory.objects.get(name="社区矫正对象")
    person = actions.register_key_person(household.head, categories=[category],
                                         actor=cast.cadre_xiguan)
    assert person.visit_every_days == 7
    visit(household, cast.grid_xiguan, days_ago=2)
    person.refresh_from_db()
    today = timezone.localdate()
    assert person.last_visited_on == today - dt.timedelta(days=2)
    assert person.next_visit_due == today + dt.timedelta(days=5)
    # An older visit entered later does not move the deadline back.
    visit(household, cast.grid_xiguan, days_ago=20)
    person.refresh_from_db()
    assert person.next_visit_due == today + dt.timedelta(days=5)


@pytest.mark.parametrize("old, new, allowed", [
    ("在管", "解除", True), ("在管", "迁出", True), ("解除", "在管", True),
    ("迁出", "在管", True), ("解除", "迁出", False), ("在管", "在管", False),
])
def test_key_person_status_transitions(cast, make_household, old, new, allowed):
    from django.core.exceptions import ValidationError

    household = make_household(cast.xiguan_grid)
    person = actions.register_key_person(
        household.head, categories=[KeyPersonCategory.objects.first()], actor=cast.cadre_xiguan)
    KeyPerson.objects.filter(pk=person.pk).update(status=old)
    person.refresh_from_db()
    if allowed:
        actions.change_key_person_status(person, status=new, actor=cast.cadre_xiguan)
        person.refresh_from_db()
        assert person.status == new
    else:
        with pytest.raises(ValidationError):
            actions.change_key_person_status(person, status=new, actor=cast.cadre_xiguan)
        person.refresh_from_db()
        assert person.status == old


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_resends_save_one_visit(cast, make_household):
    household = make_household(cast.xiguan_grid)
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results = []

    def send():
        try:
            barrier.wait()
            results.append(actions.record_visit(
                actor=cast.grid_xiguan, household=household, idempotency_key=key,
                visited_on=timezone.localdate(), visit_type="常规走访", findings=["无异常"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Visit.objects.count() == 1
    assert sorted(created for _v, created in results) == [False, True]
    assert len({v.pk for v, _ in results}) == 1


def test_my_history_and_worklist(login, cast, make_household, campaign, visit):
    done = make_household(cast.xiguan_grid, head="张三")
    todo = make_household(cast.xiguan_grid, head="李四")
    other_grid = make_household(cast.grids["高家庄社第二网格"], head="赵五")
    visit(done, cast.grid_xiguan)
    client = login(cast.grid_xiguan)
    page = client.get(reverse("grids:worklist")).content.decode()
    assert "未走访的户（1）" in page
    assert todo.address in page and done.address not in page
    assert other_grid.address not in page
    mine = client.get(reverse("grids:visit_list") + "?mine=1").content.decode()
    assert done.address in mine and todo.address not in mine


def test_visit_photo_is_checked_by_content_and_served_after_the_access_check(
        login, cast, make_household, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.images import png_bytes

    settings.MEDIA_ROOT = tmp_path
    household = make_household(cast.xiguan_grid)
    client = login(cast.grid_xiguan)
    fake = SimpleUploadedFile("照片.jpg", b"not really a picture", content_type="image/jpeg")
    response = _post(client, household, photo=fake)
    assert "类型不受支持" in " ".join(response.context["form"].errors["photo"])
    png = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    _post(client, household, photo=png)
    visit = Visit.objects.get()
    assert client.get(reverse("grids:visit_photo", args=[visit.pk])).status_code == 200
    other = login(cast.grid_menghe)
    assert other.get(reverse("grids:visit_photo", args=[visit.pk])).status_code == 404
    assert other.get(reverse("grids:visit_detail", args=[visit.pk])).status_code == 404
