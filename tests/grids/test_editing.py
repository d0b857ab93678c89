"""Editing households, members, key places and key persons on the pages: who may, what the
form offers (never a number the editor sees masked), Chinese messages, audit rows, and the
optimistic lock (a stale page never overwrites)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grids import actions
from grids.models import Household, KeyPerson, KeyPersonCategory, KeyPlace, Resident
from pingxiang.masks import mask_id_number
from pingxiang.models import AuditEvent

from .conftest import valid_id

pytestmark = pytest.mark.django_db


def _audits(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _household_post(household, **over):
    data = {"grid": household.grid_id, "house_number": household.house_number,
            "head": household.head_id or "", "flags": household.flags,
            "notes": household.notes, "version": household.version}
    data.update(over)
    return data


# --- Households -----------------------------------------------------------------------
def test_grid_worker_corrects_house_number_flags_and_head_and_it_is_audited(
        login, cast, make_household):
    household = make_household(cast.xiguan_grid, head="王建国", members=[("李芳", "配偶")],
                               house=45)
    wife = household.members.get(name="李芳")
    client = login(cast.grid_xiguan)
    page = client.get(reverse("grids:household_edit", args=[household.pk]))
    assert page.status_code == 200 and 'name="version"' in page.content.decode()
    response = client.post(reverse("grids:household_edit", args=[household.pk]),
                           _household_post(household, house_number="46", head=wife.pk,
                                           flags=["低保", "留守儿童"]))
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.address == "西关村高家庄社46号"
    assert household.head_id == wife.pk and household.flags == ["低保", "留守儿童"]
    assert household.version == 1
    assert "46" in household.search_text
    [event] = _audits("household.edit")
    assert event.actor_id == cast.grid_xiguan.pk and event.at is not None
    assert "门牌号：45 → 46" in event.reason
    assert "户主：王建国 → 李芳" in event.reason
    assert event.data["changes"]["flags"]["to"] == "低保、留守儿童"


def test_moving_a_household_to_another_grid_changes_its_she_and_moves_key_persons(
        login, cast, make_household):
    household = make_household(cast.xiguan_grid, house=7)
    person = actions.register_key_person(household.head,
                                         categories=KeyPersonCategory.objects.all()[:1])
    other = cast.grids["西关一社网格"]
    response = login(cast.cadre_xiguan).post(
        reverse("grids:household_edit", args=[household.pk]),
        _household_post(household, grid=other.pk))
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.address == "西关村西关一社7号"
    person.refresh_from_db()
    assert person.grid_id == other.pk


def test_house_number_already_taken_is_refused_in_chinese_and_nothing_changes(
        login, cast, make_household):
    make_household(cast.xiguan_grid, house=1)
    household = make_household(cast.xiguan_grid, house=2)
    response = login(cast.cadre_xiguan).post(
        reverse("grids:household_edit", args=[household.pk]),
        _household_post(household, house_number="1"))
    assert response.status_code == 200
    assert "已有门牌号为1的户" in response.content.decode()
    household.refresh_from_db()
    assert household.house_number == "2" and household.version == 0
    assert not _audits("household.edit")


def test_a_grid_worker_cannot_move_a_household_outside_their_grid(login, cast,
                                                                  make_household):
    household = make_household(cast.xiguan_grid)
    response = login(cast.grid_xiguan).post(
        reverse("grids:household_edit", args=[household.pk]),
        _household_post(household, grid=cast.grids["西关一社网格"].pk))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    household.refresh_from_db()
    assert household.grid_id == cast.xiguan_grid.pk


@pytest.mark.parametrize("who, status", [("grid_menghe", 404), ("cadre_menghe", 404),
                                         ("leader", 403), ("supervisor", 403)])
def test_outsiders_get_404_and_readers_403_and_nothing_is_written(login, cast,
                                                                 make_household, who, status):
    household = make_household(cast.xiguan_grid, house=3, members=[("李芳", "配偶")])
    member = household.members.get(name="李芳")
    client = login(getattr(cast, who))
    for url, data in [
        (reverse("grids:household_edit", args=[household.pk]),
         _household_post(household, house_number="99")),
        (reverse("grids:member_edit", args=[member.pk]),
         {"name": "改名", "relation": "配偶", "version": 0}),
    ]:
        assert client.get(url).status_code == status, url
        assert client.post(url, data).status_code == status, url
    household.refresh_from_db()
    member.refresh_from_db()
    assert household.house_number == "3" and member.name == "李芳"
    assert not AuditEvent.objects.filter(action__in=["household.edit", "resident.edit"]).exists()


def test_a_stale_household_page_never_overwrites_and_keeps_the_losers_input(
        login, cast, make_household):
    household = make_household(cast.xiguan_grid, house=5)
    seen = household.version
    # Someone else saves first.
    actions.edit_household(household, actor=cast.cadre_xiguan, version=seen,
                           grid=household.grid, house_number="5", head=household.head,
                           flags=["特困"], notes="先保存的")
    stale = Household.objects.get(pk=household.pk)
    stale.version = seen
    response = login(cast.grid_xiguan).post(
        reverse("grids:household_edit", args=[household.pk]),
        _household_post(stale, notes="后保存的", flags=["低保"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "刚刚已被他人修改，您的修改未保存" in html
    assert 'value="后保存的"' in html  # their input is still in the form
    assert "先保存的" in html  # and what is on file now is shown
    assert f'name="version" value="{seen + 1}"' in html
    household.refresh_from_db()
    assert household.notes == "先保存的" and household.flags == ["特困"]
    assert len(_audits("household.edit")) == 1


def test_the_flags_form_moves_the_version_so_an_older_edit_page_is_refused(cast,
                                                                           make_household):
    household = make_household(cast.xiguan_grid)
    seen = household.version
    actions.set_household_flags(household, ["独居老人"], actor=cast.cadre_xiguan)
    stale = Household.objects.get(pk=household.pk)
    stale.version = seen
    with pytest.raises(actions.EditConflict):
        actions.edit_household(stale, actor=cast.grid_xiguan, version=seen, grid=stale.grid,
                               house_number=stale.house_number, head=stale.head, flags=[])
    assert Household.objects.get(pk=household.pk).flags == ["独居老人"]


# --- Members --------------------------------------------------------------------------
def _member_post(member, **over):
    data = {"name": member.name, "relation": member.relation, "sex": member.sex,
            "birth_date": member.birth_date.isoformat() if member.birth_date else "",
            "id_number": member.id_number or "", "phone": member.phone,
            "version": member.version}
    data.update(over)
    return data


def test_grid_worker_edits_a_member_but_never_sees_or_changes_the_id_number(
        login, cast, make_household):
    household = make_household(cast.xiguan_grid, phone="13912345678")
    head = household.head
    client = login(cast.grid_xiguan)
    html = client.get(reverse("grids:member_edit", args=[head.pk])).content.decode()
    assert head.id_number not in html
    assert mask_id_number(head.id_number) in html
    assert 'name="id_number"' not in html
    assert 'value="13912345678"' in html  # grid workers see phones in full
    response = client.post(reverse("grids:member_edit", args=[head.pk]),
                           _member_post(head, name="王建军", id_number=valid_id(),
                                        phone="13900000000"))
    assert response.status_code == 302
    before = head.id_number
    head.refresh_from_db()
    assert head.name == "王建军" and head.phone == "13900000000"
    assert head.id_number == before  # the posted number was not a field for them
    [event] = _audits("resident.edit")
    assert "姓名：王建国 → 王建军" in event.reason
    assert "13900000000" not in event.reason and "139****0000" in event.reason
    household.refresh_from_db()
    assert "王建军" in household.search_text
    assert AuditEvent.objects.filter(action="household.edit_member",
                                     object_id=str(household.pk)).exists()


def test_admin_sees_masked_numbers_so_gets_neither_number_in_the_form(login, cast,
                                                                     make_household):
    household = make_household(cast.xiguan_grid, phone="13912345678")
    html = login(cast.admin).get(reverse("grids:member_edit",
                                         args=[household.head_id])).content.decode()
    assert 'name="id_number"' not in html and 'name="phone"' not in html
    assert household.head.id_number not in html and "13912345678" not in html


@pytest.mark.parametrize("number, message", [
    ("62112119800517001", "身份证号应为18位"),
    ("621121198005170010", "校验位不正确"),
])
def test_a_malformed_id_number_is_refused_in_chinese(login, cast, make_household, number,
                                                    message):
    household = make_household(cast.xiguan_grid, members=[("李芳", "配偶")])
    wife = household.members.get(name="李芳")
    response = login(cast.cadre_xiguan).post(reverse("grids:member_edit", args=[wife.pk]),
                                             _member_post(wife, id_number=number))
    assert response.status_code == 200
    assert message in response.content.decode()
    wife.refresh_from_db()
    assert wife.version == 0


def test_an_id_number_belongs_to_one_person_only(login, cast, make_household):
    household = make_household(cast.xiguan_grid, members=[("李芳", "配偶")])
    other = make_household(cast.xiguan_grid)
    wife = household.members.get(name="李芳")
    response = login(cast.cadre_xiguan).post(
        reverse("grids:member_edit", args=[wife.pk]),
        _member_post(wife, id_number=other.head.id_number, birth_date="", sex=""))
    assert response.status_code == 200
    assert "该身份证号已是另一位居民的档案" in response.content.decode()
    wife.refresh_from_db()
    assert wife.id_number != other.head.id_number


def test_birth_date_must_agree_with_the_id_number(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    head = household.head
    response = login(cast.cadre_xiguan).post(
        reverse("grids:member_edit", args=[head.pk]),
        _member_post(head, birth_date="1999-01-01"))
    assert "出生日期与身份证号中的不一致" in response.content.decode()


def test_a_new_id_number_fills_sex_and_birth_date_and_is_masked_in_the_audit(
        login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    member = Resident.objects.create(name="无证人", household=household, relation="子")
    number = valid_id(born=dt.date(2001, 2, 3), male=False)
    response = login(cast.cadre_xiguan).post(
        reverse("grids:member_edit", args=[member.pk]),
        _member_post(member, id_number=number))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.id_number == number and member.sex == "女"
    assert member.birth_date == dt.date(2001, 2, 3) + dt.timedelta(
        days=int(number[12:14]) - 3)  # valid_id shifts the date by its sequence
    event = _audits("resident.edit")[-1]
    assert number not in event.reason and mask_id_number(number) in event.reason


def test_a_stale_member_page_is_refused(login, cast, make_household):
    household = make_household(cast.xiguan_grid)
    head = household.head
    page_version = head.version
    actions.edit_member(head, actor=cast.cadre_xiguan, version=page_version, name="先改",
                        relation="户主", sex=head.sex, birth_date=head.birth_date)
    stale = Resident.objects.get(pk=head.pk)
    stale.version = page_version
    stale.name = "王建国"
    response = login(cast.cadre_xiguan).post(reverse("grids:member_edit", args=[head.pk]),
                                             _member_post(stale, name="后改"))
    assert response.status_code == 200
    assert "刚刚已被他人修改" in response.content.decode()
    assert 'value="后改"' in response.content.decode()
    assert Resident.objects.get(pk=head.pk).name == "先改"


# --- Key places -------------------------------------------------------------------------
def _place_post(place, **over):
    data = {"kind": place.kind, "name": place.name, "address": place.address,
            "grid": place.grid_id, "responsible_person": place.responsible_person,
            "contact": place.contact, "version": place.version}
    data.update(over)
    return data


def test_a_key_place_can_be_created_and_corrected_from_the_pages(login, cast):
    client = login(cast.cadre_xiguan)
    response = client.post(reverse("grids:key_place_new"), {
        "grid": cast.xiguan_grid.pk, "kind": "物流企业", "name": "顺达物流",
        "address": "西关村1号", "responsible_person": "张三", "contact": "13800000001"})
    assert response.status_code == 302
    place = KeyPlace.objects.get(name="顺达物流")
    response = client.post(reverse("grids:key_place_edit", args=[place.pk]),
                           _place_post(place, kind="货运站", name="顺达货运站",
                                       contact="13800000002"))
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.kind, place.name, place.contact) == ("货运站", "顺达货运站", "13800000002")
    [event] = _audits("keyplace.edit")
    assert "类别：物流企业 → 货运站" in event.reason and "138****0002" in event.reason


def test_key_place_edit_refuses_duplicates_outsiders_and_stale_pages(login, cast):
    place = actions.create_key_place(grid=cast.xiguan_grid, kind="学校", name="西关小学")
    actions.create_key_place(grid=cast.xiguan_grid, kind="学校", name="西关中学")
    client = login(cast.cadre_xiguan)
    url = reverse("grids:key_place_edit", args=[place.pk])
    assert "该网格已有同名重点场所" in client.post(
        url, _place_post(place, name="西关中学")).content.decode()
    assert login(cast.grid_xiguan).get(url).status_code == 403  # grid workers inspect only
    assert login(cast.cadre_menghe).post(url, _place_post(place, name="改")).status_code == 404
    actions.edit_key_place(place, actor=cast.centre, version=0, kind="学校", name="西关一小",
                           grid=cast.xiguan_grid)
    place.version, place.name = 0, "西关小学"
    response = login(cast.cadre_xiguan).post(url, _place_post(place, address="新地址"))
    assert "刚刚已被他人修改" in response.content.decode()
    place.refresh_from_db()
    assert place.name == "西关一小" and place.address == ""


def test_admin_edits_a_key_place_without_its_contact_number(login, cast):
    place = actions.create_key_place(grid=cast.xiguan_grid, kind="学校", name="西关小学",
                                     contact="13812345678")
    client = login(cast.admin)
    html = client.get(reverse("grids:key_place_edit", args=[place.pk])).content.decode()
    assert "13812345678" not in html and 'name="contact"' not in html
    data = _place_post(place, address="新址")
    data.pop("contact")
    assert client.post(reverse("grids:key_place_edit", args=[place.pk]),
                       data).status_code == 302
    place.refresh_from_db()
    assert place.contact == "13812345678" and place.address == "新址"


# --- Key persons ------------------------------------------------------------------------
def _person_post(person, **over):
    data = {"categories": [c.pk for c in person.categories.all()],
            "risk_level": person.risk_level, "responsible": person.responsible_id or "",
            "visit_every_days": person.visit_every_days, "status": person.status,
            "reason": "", "notes": person.notes, "version": person.version}
    data.update(over)
    return data


@pytest.fixture
def key_person(cast, make_household):
    household = make_household(cast.xiguan_grid)
    return actions.register_key_person(
        household.head, categories=list(KeyPersonCategory.objects.all()[:1]),
        visit_every_days=30, today=timezone.localdate())


def test_key_person_frequency_risk_and_responsible_are_edited_and_the_deadline_moves(
        login, cast, key_person):
    url = reverse("grids:key_person_edit", args=[key_person.pk])
    response = login(cast.cadre_xiguan).post(url, _person_post(
        key_person, risk_level="红", visit_every_days=7, responsible=cast.grid_xiguan.pk,
        categories=[c.pk for c in KeyPersonCategory.objects.all()[:2]]))
    assert response.status_code == 302
    key_person.refresh_from_db()
    assert key_person.risk_level == "红" and key_person.visit_every_days == 7
    assert key_person.responsible_id == cast.grid_xiguan.pk
    assert key_person.next_visit_due == timezone.localdate() + dt.timedelta(days=7)
    assert key_person.categories.count() == 2
    [event] = _audits("keyperson.edit")
    assert "风险等级：蓝 → 红" in event.reason and "包联责任人：（空） → 王建国" in event.reason


def test_key_person_status_change_needs_a_reason_and_follows_the_transitions(
        login, cast, key_person):
    client = login(cast.cadre_xiguan)
    url = reverse("grids:key_person_edit", args=[key_person.pk])
    html = client.post(url, _person_post(key_person, status="解除")).content.decode()
    assert "变更管理状态须写明理由" in html
    assert client.post(url, _person_post(key_person, status="解除",
                                         reason="已稳定")).status_code == 302
    key_person.refresh_from_db()
    assert key_person.status == "解除"
    html = client.post(url, _person_post(key_person, status="迁出",
                                         reason="搬走")).content.decode()
    assert "不能从“解除”改为“迁出”" in html
    assert [e.to_state for e in _audits("keyperson.status")] == ["解除"]
    assert KeyPerson.objects.get(pk=key_person.pk).status == "解除"


def test_key_person_edit_is_refused_to_grid_workers_outsiders_and_stale_pages(
        login, cast, key_person):
    url = reverse("grids:key_person_edit", args=[key_person.pk])
    assert login(cast.grid_xiguan).get(url).status_code == 403
    assert login(cast.cadre_menghe).post(url, _person_post(key_person)).status_code == 404
    seen = key_person.version
    actions.change_key_person_status(key_person, status="迁出", actor=cast.centre,
                                     reason="迁往县城")
    key_person.version, key_person.status = seen, "在管"
    response = login(cast.cadre_xiguan).post(url, _person_post(key_person, risk_level="橙"))
    assert "刚刚已被他人修改" in response.content.decode()
    fresh = KeyPerson.objects.get(pk=key_person.pk)
    assert fresh.status == "迁出" and fresh.risk_level == "蓝"


def test_key_person_visit_frequency_is_checked_in_chinese(login, cast, key_person):
    response = login(cast.cadre_xiguan).post(
        reverse("grids:key_person_edit", args=[key_person.pk]),
        _person_post(key_person, visit_every_days=0))
    assert "走访频次至少为1天" in response.content.decode()
