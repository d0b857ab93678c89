"""People and grids for a town administrator (issue 19 §1, §6): accounts, posts, handover,
areas and household moves, bulk import. Each rule table-driven, allowed and refused; a
refusal says why in Chinese and changes nothing."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from grids import accounts, areas
from grids.actions import (
    assign_responsibility,
    create_area,
    ensure_user,
    grant_membership,
    record_visit,
    register_key_person,
)
from grids.coverage import coverage
from grids.imports import import_users
from grids.models import (
    Area,
    Household,
    HouseholdMove,
    KeyPerson,
    KeyPersonCategory,
    Membership,
    Responsibility,
)
from pingxiang.models import AuditEvent, Notification
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "Temp-2026-pass"


@pytest.fixture
def town_admin(cast):
    """A 系统管理员 of 平襄镇 (the cast's admin sits at the county)."""
    user = ensure_user("town_admin", full_name="郭管理", password="pw")
    grant_membership(user, cast.town, Role.ADMIN)
    return user


@pytest.fixture
def other_county(cast):
    county = create_area(parent=None, kind=Area.Kind.COUNTY, name="陇西县")
    town = create_area(parent=county, kind=Area.Kind.TOWN, name="文峰镇")
    return town


def _audit_count():
    return AuditEvent.objects.count()


# --- Creating accounts --------------------------------------------------------------------
@pytest.mark.parametrize("role,where,refusal", [
    (Role.GRID_WORKER, "xiguan_grid", None),
    (Role.VILLAGE_CADRE, "xiguan", None),
    (Role.CENTRE_STAFF, "town", None),
    (Role.LEADER, "town", None),
    (Role.ADMIN, "town", "只能由超级管理员任命"),
    (Role.AUDITOR, "town", "只能由超级管理员任命"),
    (Role.CENTRE_STAFF, "other", "只能在本人管辖的辖区内"),
])
def test_town_admin_creates_accounts_within_scope_and_rank(cast, town_admin, other_county,
                                                           role, where, refusal):
    area = other_county if where == "other" else getattr(cast, where)
    before = _audit_count()
    kwargs = dict(actor=town_admin, username="newbie", name="新 同事", password=PASSWORD,
                  role=role, area=area, mobile="13912345678", wecom_userid="newbie")
    if refusal:
        with pytest.raises(ValidationError) as exc:
            accounts.create_person(**kwargs)
        assert refusal in " ".join(exc.value.messages)
        assert not User.objects.filter(username="newbie").exists()
        assert _audit_count() == before
        return
    person = accounts.create_person(**kwargs)
    assert person.last_name + person.first_name == "新同事"
    assert Membership.objects.get(user=person).area == area
    assert accounts.must_change_password(person)
    # Mobile and WeCom account live where messaging keeps them (one copy).
    assert accounts.contacts_of([person])[person.pk] == ("newbie", "13912345678")


@pytest.mark.parametrize("field,value,message", [
    ("username", "grid_xiguan", "已被使用"),
    ("password", "123", "密码"),
    ("mobile", "12345", "手机号"),
    ("wecom_userid", "王 建国", "企业微信"),
])
def test_bad_account_input_is_refused_and_nothing_is_written(cast, town_admin, field, value,
                                                             message):
    kwargs = dict(actor=town_admin, username="newbie", name="新同事", password=PASSWORD,
                  role=Role.GRID_WORKER, area=cast.xiguan_grid, mobile="", wecom_userid="")
    kwargs[field] = value
    users, before = User.objects.count(), _audit_count()
    with pytest.raises(ValidationError) as exc:
        accounts.create_person(**kwargs)
    assert message in " ".join(exc.value.messages)
    assert User.objects.count() == users
    assert _audit_count() == before


# --- Posts --------------------------------------------------------------------------------
@pytest.mark.parametrize("who,role,where,refusal", [
    ("grid_menghe", Role.VILLAGE_CADRE, "menghe", None),
    ("grid_menghe", Role.CENTRE_STAFF, "town", None),
    ("self", Role.LEADER, "town", "不能给自己"),
    ("grid_menghe", Role.ADMIN, "town", "只能由超级管理员任命"),
    ("grid_menghe", Role.CENTRE_STAFF, "county", "只能在本人管辖的辖区内"),
    ("deactivated", Role.GRID_WORKER, "xiguan_grid", "已停用"),
])
def test_grants_follow_scope_rank_and_never_self(cast, town_admin, who, role, where, refusal):
    person = {"self": town_admin, "grid_menghe": cast.grid_menghe,
              "deactivated": cast.grid_xiguan}[who]
    if who == "deactivated":
        accounts.deactivate_person(person, actor=town_admin, reason="调离")
    area = getattr(cast, where)
    before = Membership.objects.count(), _audit_count()
    if refusal:
        with pytest.raises(ValidationError) as exc:
            accounts.grant_post(person, actor=town_admin, area=area, role=role)
        assert refusal in exc.value.messages[0]
        assert (Membership.objects.count(), _audit_count()) == before
        return
    membership = accounts.grant_post(person, actor=town_admin, area=area, role=role)
    assert membership.is_active
    assert AuditEvent.objects.filter(action="membership.grant",
                                     object_id=str(membership.pk)).exists()
    # ...and it is shown on the person's page, and revoking it is audited too.
    accounts.revoke_post(membership, actor=town_admin, reason="岗位调整")
    labels = [e.action_label for e in accounts.post_history(person)]
    assert labels[:2] == ["撤销岗位", "授予岗位"]


def test_revoking_a_post_of_ones_own_rank_is_refused(cast, town_admin):
    peer = ensure_user("peer_admin", full_name="同级", password="pw")
    post = grant_membership(peer, cast.town, Role.LEADER)
    grant_membership(peer, cast.xiguan, Role.GRID_WORKER)
    leader_post = Membership.objects.get(user=cast.leader)
    accounts.revoke_post(leader_post, actor=town_admin)  # below the administrator: allowed
    assert not Membership.objects.get(pk=leader_post.pk).is_active
    assert post.is_active


# --- Accounts: deactivate, reset, unlock ------------------------------------------------------
def test_deactivate_keeps_the_account_and_refuses_oneself(cast, town_admin):
    with pytest.raises(ValidationError, match="不能停用自己"):
        accounts.deactivate_person(town_admin, actor=town_admin, reason="x")
    accounts.deactivate_person(cast.grid_xiguan, actor=town_admin, reason="调离")
    person = User.objects.get(pk=cast.grid_xiguan.pk)
    assert not person.is_active
    assert Membership.objects.filter(user=person).exists()  # never deleted
    with pytest.raises(ValidationError, match="已经停用"):
        accounts.deactivate_person(person, actor=town_admin, reason="again")


def test_reset_password_forces_a_change_at_next_login(cast, town_admin, client):
    accounts.reset_password(cast.grid_xiguan, actor=town_admin, password=PASSWORD)
    response = client.post(reverse("login"), {"username": "grid_xiguan", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("grids:worklist"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Mine-own-2026", "new_password2":
        "Mine-own-2026"})
    assert response.status_code == 302
    assert client.get(reverse("grids:worklist")).status_code == 200
    assert not accounts.must_change_password(User.objects.get(pk=cast.grid_xiguan.pk))


def test_unlock_after_lockout(cast, town_admin, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "grid_xiguan", "password": "wrong"})
    assert accounts.is_locked(cast.grid_xiguan)
    accounts.unlock_person(cast.grid_xiguan, actor=town_admin)
    assert not accounts.is_locked(cast.grid_xiguan)
    assert client.post(reverse("login"), {"username": "grid_xiguan",
                                          "password": "pw"}).status_code == 302
    assert AuditEvent.objects.filter(action="user.unlock").count() == 1
    with pytest.raises(ValidationError, match="没有被锁定"):
        accounts.unlock_person(cast.grid_xiguan, actor=town_admin)


# --- Handover -----------------------------------------------------------------------------
@pytest.fixture
def workload(cast, town_admin):
    """grid_xiguan answers for a case, a hazard, a key person and a grid's 包抓."""
    from cases import actions as case_actions
    from cases.models import Case, Source
    from cases.models import Category as CaseCategory
    from rectification import actions as rx
    from rectification.models import Hazard, HazardCategory

    worker = cast.grid_xiguan
    case = case_actions.register_case(
        actor=cast.centre, area=cast.xiguan_grid, category=CaseCategory.objects.get(name="邻里"),
        description="邻里纠纷", source=Source.WALKIN, parties=[{"name": "甲"}])
    Case.objects.filter(pk=case.pk).update(handler=worker)
    hazard = rx.register_hazard(actor=worker, source=Hazard.Source.INSPECTION,
                                category=HazardCategory.objects.first(), area=cast.xiguan_grid,
                                description="电线老化", found_date=timezone.localdate())
    Hazard.objects.filter(pk=hazard.pk).update(handler=worker)
    from grids.actions import create_household

    household = create_household(grid=cast.xiguan_grid, house_number="9", head_name="赵重点",
                                 actor=cast.cadre_xiguan)
    key_person = register_key_person(household.head, categories=list(
        KeyPersonCategory.objects.all()[:1]), actor=cast.cadre_xiguan, responsible=worker)
    resp = assign_responsibility(worker, cast.xiguan_grid, Responsibility.Kind.GRID_WORKER,
                                 actor=town_admin)
    return {"case": case, "hazard": hazard, "key_person": key_person, "resp": resp}


def _successor(cast, town_admin, *, where=None):
    return accounts.create_person(actor=town_admin, username="successor", name="接班人",
                                  password=PASSWORD, role=Role.GRID_WORKER,
                                  area=where or cast.xiguan_grid)


def test_handover_moves_every_open_item_audits_each_and_notifies(cast, town_admin, workload):
    from cases.models import Case
    from rectification.models import Hazard

    successor = _successor(cast, town_admin)
    kinds = {source.code for source, _items in accounts.open_items(cast.grid_xiguan)}
    assert {"case_handler", "hazard_handler", "key_person", "responsibility"} <= kinds
    done = accounts.hand_over(cast.grid_xiguan, actor=town_admin, successor=successor,
                              reason="调离")
    assert sum(n for _label, n in done) == 4
    assert Case.objects.get(pk=workload["case"].pk).handler == successor
    assert Hazard.objects.get(pk=workload["hazard"].pk).handler == successor
    assert KeyPerson.objects.get(pk=workload["key_person"].pk).responsible == successor
    assert not Responsibility.objects.get(pk=workload["resp"].pk).is_active
    assert Responsibility.objects.get(user=successor, area=cast.xiguan_grid).is_active
    assert accounts.open_items(cast.grid_xiguan) == []
    for action in ("case_handler.handover", "hazard_handler.handover", "key_person.handover",
                   "responsibility.end", "user.handover"):
        assert AuditEvent.objects.filter(action=action).exists(), action
    note = Notification.objects.get(recipient=successor, kind="handover")
    assert "王建国" in note.title


def test_a_second_handover_of_the_same_worker_finds_nothing_left(cast, town_admin, workload):
    """Two administrators hand the same worker over at once: the worker's row is locked, the
    second finds the items gone and is told so; nothing is moved twice."""
    successor = _successor(cast, town_admin)
    accounts.hand_over(cast.grid_xiguan, actor=town_admin, successor=successor, reason="调离")
    before = _audit_count()
    with pytest.raises(ValidationError, match="没有需要移交的在办事项"):
        accounts.hand_over(cast.grid_xiguan, actor=town_admin, successor=cast.grid_menghe,
                           reason="调离")
    assert _audit_count() == before


@pytest.mark.parametrize("case,message", [
    ("deactivated", "已停用"),
    ("self", "不能是移交人本人"),
    ("outside", "须是您管辖辖区内的人员"),
    ("cannot_see", "看不到"),
])
def test_handover_refusals_change_nothing(cast, town_admin, workload, other_county, case,
                                          message):
    from cases.models import Case

    if case == "deactivated":
        successor = _successor(cast, town_admin)
        accounts.deactivate_person(successor, actor=town_admin, reason="离职")
    elif case == "self":
        successor = cast.grid_xiguan
    elif case == "outside":
        successor = ensure_user("far_one", full_name="外县人", password="pw")
        grant_membership(successor, other_county, Role.CENTRE_STAFF)
    else:
        successor = _successor(cast, town_admin, where=cast.menghe_grid)
    before = _audit_count()
    with pytest.raises(ValidationError) as exc:
        accounts.hand_over(cast.grid_xiguan, actor=town_admin, successor=successor,
                           reason="调离")
    assert message in " ".join(exc.value.messages)
    assert Case.objects.get(pk=workload["case"].pk).handler == cast.grid_xiguan
    assert Responsibility.objects.get(pk=workload["resp"].pk).is_active
    assert _audit_count() == before
    assert not Notification.objects.filter(kind="handover").exists()


# --- Areas and household moves ---------------------------------------------------------------
def test_add_rename_retire_a_grid(cast, town_admin, make_household):
    group = cast.xiguan_grid.parent
    grid = areas.add_area(actor=town_admin, parent=group, kind=Area.Kind.GRID, name="第三网格")
    with pytest.raises(ValidationError, match="已有"):
        areas.add_area(actor=town_admin, parent=group, kind=Area.Kind.GRID, name="第三网格")
    with pytest.raises(ValidationError, match="不能新建"):
        areas.add_area(actor=town_admin, parent=grid, kind=Area.Kind.GRID, name="子网格")
    household = make_household(grid, house=77)
    areas.rename_area(group, actor=town_admin, name="高家新社")
    household.refresh_from_db()
    assert household.address.startswith("西关村高家新社")
    with pytest.raises(ValidationError, match="还有1户"):
        areas.retire_area(grid, actor=town_admin, reason="合并")
    assert Area.objects.get(pk=grid.pk).retired_at is None
    areas.move_household(household, actor=town_admin, grid=cast.xiguan_grid, reason="合并网格")
    areas.retire_area(grid, actor=town_admin, reason="合并")
    assert Area.objects.get(pk=grid.pk).retired_at is not None
    with pytest.raises(ValidationError, match="已撤销"):
        areas.move_household(household, actor=town_admin, grid=grid, reason="回迁")


@pytest.mark.parametrize("target,refusal", [
    ("same_village", None),
    ("other_village", "不能把户调整到其他村(社区)的网格"),
    ("same_grid", "相同"),
    ("group", "只能调整到网格"),
])
def test_move_household_only_within_its_village(cast, town_admin, make_household, target,
                                                refusal):
    household = make_household(cast.xiguan_grid)
    other_grid = create_area(parent=cast.xiguan_grid.parent, kind=Area.Kind.GRID, name="第二格")
    grid = {"same_village": other_grid, "other_village": cast.menghe_grid,
            "same_grid": cast.xiguan_grid, "group": cast.xiguan_grid.parent}[target]
    before = _audit_count()
    if refusal:
        with pytest.raises(ValidationError) as exc:
            areas.move_household(household, actor=town_admin, grid=grid, reason="调整")
        assert refusal in " ".join(exc.value.messages)
        assert Household.objects.get(pk=household.pk).grid == cast.xiguan_grid
        assert not HouseholdMove.objects.exists() and _audit_count() == before
        return
    areas.move_household(household, actor=town_admin, grid=grid, reason="调整")
    moved = Household.objects.get(pk=household.pk)
    assert moved.grid == grid and moved.version == household.version + 1
    assert HouseholdMove.objects.get().from_grid == cast.xiguan_grid


def test_coverage_counts_a_moved_household_in_the_right_grid_for_each_period(
        cast, town_admin, make_household):
    import uuid

    group = cast.xiguan_grid.parent
    new_grid = create_area(parent=group, kind=Area.Kind.GRID, name="新网格")
    household = make_household(cast.xiguan_grid)
    march = dt.date(2026, 3, 10)
    record_visit(actor=cast.grid_xiguan, idempotency_key=uuid.uuid4(), visited_on=march,
                 visit_type="常规走访", findings=["无异常"], household=household)
    areas.move_household(household, actor=town_admin, grid=new_grid, reason="调整",
                         moved_on=dt.date(2026, 6, 1))

    def rows(start, end):
        _total, children = coverage(group, start, end)
        return {r.area.pk: (r.households, r.visited) for r in children}

    # March: before the move, in the old grid, visited there.
    spring = rows(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert spring[cast.xiguan_grid.pk] == (1, 1) and spring[new_grid.pk] == (0, 0)
    # A period after the move: in the new grid (not visited then).
    autumn = rows(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert autumn[cast.xiguan_grid.pk] == (0, 0) and autumn[new_grid.pk] == (1, 0)


# --- Bulk import ----------------------------------------------------------------------------
def _sheet(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["登录名*", "姓名*", "岗位*", "村(社区)", "社(小区)", "网格", "职务", "手机号",
               "企业微信账号"])
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    size = out.tell()
    out.seek(0)
    return out, size


def test_import_users_all_or_nothing(cast, town_admin):
    good = [("liwei", "李伟", "网格员", "西关村", "高家庄社", "高家庄社第一网格", "", "13900000001",
             "liwei"),
            ("liwei", "李伟", "走访人员", "孟河村", "", "", "", "", ""),
            ("zhoujie", "周杰", "综治中心工作人员", "", "", "", "干事", "", "")]
    bad = good + [("bad", "坏行", "系统管理员", "", "", "", "", "", ""),
                  ("x y", "空格", "网格员", "不存在村", "", "", "", "", "")]
    fileobj, size = _sheet(bad)
    result = import_users(fileobj, size=size, actor=town_admin, password=PASSWORD)
    assert not result.ok
    assert [row for row, _ in result.errors] == [5, 6]
    assert "超级管理员" in result.errors[0][1] and "不存在村" in result.errors[1][1]
    assert not User.objects.filter(username__in=["liwei", "zhoujie"]).exists()

    fileobj, size = _sheet(good)
    result = import_users(fileobj, size=size, actor=town_admin, password=PASSWORD)
    assert result.ok, result.errors
    assert (result.users, result.memberships) == (2, 3)
    liwei = User.objects.get(username="liwei")
    assert {(m.role, m.area.short_name) for m in liwei.memberships.select_related("area")} == {
        (Role.GRID_WORKER, "高家庄社第一网格"), (Role.VISITOR, "孟河村")}
    assert accounts.must_change_password(liwei)
    assert accounts.contacts_of([liwei])[liwei.pk] == ("liwei", "13900000001")
    # Same file again: every row is a post the person already holds.
    fileobj, size = _sheet(good)
    again = import_users(fileobj, size=size, actor=town_admin, password=PASSWORD)
    assert len(again.errors) == 3 and User.objects.filter(username="liwei").count() == 1


def test_import_records_users_runs_the_pages_import_from_the_command_line(
        cast, town_admin, tmp_path):
    from django.core.management import CommandError, call_command

    def write(name, rows):
        fileobj, _size = _sheet(rows)
        path = tmp_path / name
        path.write_bytes(fileobj.getvalue())
        return str(path)

    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    good = [("liwei", "李伟", "网格员", "西关村", "高家庄社", "高家庄社第一网格", "", "", ""),
            ("zhoujie", "周杰", "综治中心工作人员", "", "", "", "干事", "", "")]
    bad = write("bad.xlsx", good + [("bad", "坏行", "系统管理员", "", "", "", "", "", ""),
                                    ("x y", "空格", "网格员", "不存在村", "", "", "", "", "")])
    err = io.StringIO()
    with pytest.raises(CommandError, match="共 2 处错误，未导入任何数据"):
        call_command("import_records", "users", bad, "--user", "town_admin",
                     "--password-file", str(secret), stderr=err)
    assert "第4行：" in err.getvalue() and "第5行：" in err.getvalue()  # every bad row named
    assert "不存在村" in err.getvalue()
    assert not User.objects.filter(username__in=["liwei", "zhoujie"]).exists()  # none at all
    # Only an administrator, named, imports accounts, within their own areas.
    good_file = write("good.xlsx", good)
    for who, refusal in [((), "--user"), (("--user", "cadre_xiguan"), "系统管理员")]:
        with pytest.raises(CommandError, match=refusal):
            call_command("import_records", "users", good_file, *who,
                         "--password-file", str(secret))
    weak = tmp_path / "weak.txt"
    weak.write_text("123\n", encoding="utf-8")
    with pytest.raises(CommandError, match="临时密码不符合要求"):
        call_command("import_records", "users", good_file, "--user", "town_admin",
                     "--password-file", str(weak))
    out = io.StringIO()
    call_command("import_records", "users", good_file, "--user", "town_admin",
                 "--password-file", str(secret), stdout=out)
    assert "新建账号 2，授予岗位 2" in out.getvalue()
    liwei = User.objects.get(username="liwei")
    assert liwei.check_password(PASSWORD) and accounts.must_change_password(liwei)
    assert liwei.memberships.get().area == cast.xiguan_grid


# --- Pages ----------------------------------------------------------------------------------
def test_people_list_searches_by_name_role_and_village(cast, town_admin, login):
    client = login(town_admin)
    url = reverse("grids:user_list")
    body = client.get(url, {"q": "王建"}).content.decode()
    assert "grid_xiguan" in body and "grid_menghe" not in body
    body = client.get(url, {"role": Role.VILLAGE_CADRE}).content.decode()
    assert "cadre_xiguan" in body and "cadre_menghe" in body and "grid_xiguan" not in body
    body = client.get(url, {"village": cast.menghe.pk}).content.decode()
    assert "grid_menghe" in body and "cadre_menghe" in body and "grid_xiguan" not in body
    assert client.get(url, {"village": "abc"}).status_code == 200


def test_people_list_queries_stay_constant(cast, town_admin, login, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(town_admin)
    url = reverse("grids:user_list")
    client.get(url)  # the process's area tree and caches, once
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for n in range(5):
        accounts.create_person(actor=town_admin, username=f"extra{n}", name=f"新人{n}",
                               password=PASSWORD, role=Role.GRID_WORKER, area=cast.xiguan_grid,
                               mobile="1390000000" + str(n))
    with django_assert_num_queries(len(first)):
        client.get(url)


def test_people_pages_answer_403_to_non_admins_and_404_outside(cast, town_admin, login,
                                                               other_county):
    far = ensure_user("far_cadre", full_name="外县", password="pw")
    grant_membership(far, other_county, Role.CENTRE_STAFF)
    assert login(cast.centre).get(reverse("grids:user_list")).status_code == 403
    client = login(town_admin)
    assert client.get(reverse("grids:user_detail", args=[far.pk])).status_code == 404
    assert client.get(reverse("grids:user_detail", args=[cast.admin.pk])).status_code == 404
    assert client.get(reverse("grids:user_detail", args=[cast.grid_xiguan.pk])).status_code == 200


def test_grant_beyond_scope_on_the_page_is_refused_with_a_message(cast, town_admin, login,
                                                                  other_county):
    client = login(town_admin)
    response = client.post(reverse("grids:user_grant", args=[cast.grid_menghe.pk]),
                           {"role": Role.CENTRE_STAFF, "area": cast.county.pk}, follow=True)
    assert "该辖区不在您管辖的范围内，不能在此授予岗位。" in response.content.decode()
    assert not Membership.objects.filter(user=cast.grid_menghe, area=cast.county).exists()


def test_move_to_another_village_on_the_page_says_why(cast, town_admin, login, make_household):
    household = make_household(cast.xiguan_grid)
    response = login(town_admin).post(reverse("grids:household_move", args=[household.pk]),
                                      {"grid": cast.menghe_grid.pk, "reason": "搬家"})
    assert response.status_code == 200
    assert "不能把户调整到其他村(社区)的网格" in response.content.decode()
    assert Household.objects.get(pk=household.pk).grid == cast.xiguan_grid
