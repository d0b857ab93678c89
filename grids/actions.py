"""Every write of the grids app: the area tree, who holds which role where, households and
their members, key persons, 包抓 responsibilities and the visit ledger."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from grids.access import forget
from grids.idcard import birth_date_of, sex_of, validate_id_number
from grids.models import (
    Area,
    Campaign,
    Household,
    KeyPerson,
    KeyPlace,
    Membership,
    Resident,
    Responsibility,
    Visit,
)
from grids.people import town_of, village_cadres, village_of
from grids.residents import find_or_create_resident
from grids.roles import group_for
from grids.textsearch import household_search_text
from pingxiang import audit
from pingxiang.masks import mask_birth_date, mask_id_number, mask_phone
from pingxiang.notify import notify
from pingxiang.people import display_name
from pingxiang.roles import Role
from pingxiang.uploads import validate_upload

CHILD_KIND = {
    None: Area.Kind.COUNTY,
    Area.Kind.CITY: Area.Kind.COUNTY,
    Area.Kind.COUNTY: Area.Kind.TOWN,
    Area.Kind.TOWN: Area.Kind.VILLAGE,
    Area.Kind.VILLAGE: Area.Kind.GROUP,
    Area.Kind.GROUP: Area.Kind.GRID,
}


class AreaError(ValueError):
    pass


class EditConflict(Exception):
    """Someone saved the record after the editor opened it: nothing was written. The view
    keeps the editor's input and tells them; `current` is the version now on file."""

    def __init__(self, message, *, current=None):
        super().__init__(message)
        self.current = current


class VisitKeyUsed(Exception):
    """The idempotency key was already spent on a visit that says something else (a draft
    restored with an old key, or a key reused by hand): nothing was written. The view keeps
    what was typed under a new key and tells the user; `visit` is the one on file."""

    def __init__(self, visit):
        super().__init__("这个提交编号已用于另一次走访。")
        self.visit = visit


# Marks a keyword the caller did not pass (a field the editor may not change).
UNCHANGED = object()


def _shown(value):
    if value is None or value == "":
        return "（空）"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) or "（空）"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if hasattr(value, "get_full_name"):  # a user: their name, as pages show it
        return display_name(value)
    return str(value)


def _check_version(obj, version, what):
    """First thing in every edit: a page older than the record is refused before its
    values are judged against a state the editor never saw."""
    if obj.version != version:
        raise EditConflict(f"{what}刚刚已被他人修改，您的修改未保存。", current=obj.version)


def _apply_edit(model, obj, *, version, changes, labels, what, actor, action, action_label,
                masked=(), extra=None):
    """Write `changes` (field → new value; only those that differ are kept) to obj if it is
    still the version the editor saw, bump the version and audit from → to per field.

    Returns the list of changed field names (empty: nothing to write, nothing audited)."""
    _check_version(obj, version, what)
    changed = {f: v for f, v in changes.items() if getattr(obj, f) != v}
    diff = dict(extra or {})
    for field, value in changed.items():
        old = getattr(obj, field)
        if field in masked:
            old, value = masked[field](old or ""), masked[field](value or "")
        diff[field] = (labels[field], _shown(old), _shown(value))
    if not diff:
        return []
    updated = model.objects.filter(pk=obj.pk, version=version).update(
        version=F("version") + 1, **changed)
    if updated != 1:
        current = model.objects.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise EditConflict(f"{what}刚刚已被他人修改，您的修改未保存。", current=current)
    for field, value in changed.items():
        setattr(obj, field, value)
    obj.version = version + 1
    lines = [f"{label}：{old} → {new}" for label, old, new in diff.values()]
    first = next(iter(diff.values()))
    audit.record(obj, actor=actor, action=action, action_label=action_label,
                 from_state=first[1][:64], to_state=first[2][:64], reason="\n".join(lines),
                 data={"changes": {f: {"label": lab, "from": o, "to": n}
                                   for f, (lab, o, n) in diff.items()}})
    return list(diff)


@transaction.atomic
def create_area(*, parent, kind, name, short_name="", code="", is_community=False,
                sort_order=0, actor=None):
    """Add a node under parent. Returns the existing node when one of that name is there
    already (so seeding twice changes nothing)."""
    kind = Area.Kind(kind)
    expected = CHILD_KIND[parent.kind if parent else None]
    # A grid may hang directly under a village that has no 社/小区 level; a city may stand
    # at the top above its counties.
    if kind != expected and not (kind == Area.Kind.GRID and parent and
                                 parent.kind == Area.Kind.VILLAGE) \
            and not (kind == Area.Kind.CITY and parent is None):
        raise AreaError(f"{parent or '顶层'}下只能建立“{expected.label}”，不能建立“{kind.label}”。")
    existing = Area.objects.filter(parent=parent, name=name).first()
    if existing:
        return existing
    area = Area.objects.create(
        parent=parent, kind=kind, name=name, short_name=short_name or name, code=code,
        is_community=is_community, sort_order=sort_order,
        path=f"tmp-{name}-{parent.pk if parent else 0}",
        depth=(parent.depth + 1) if parent else 0,
    )
    prefix = parent.path if parent else "/"
    Area.objects.filter(pk=area.pk).update(path=f"{prefix}{area.pk}/")
    area.refresh_from_db(fields=["path"])
    audit.record(area, actor=actor, action="area.create", action_label="新建辖区",
                 to_state=kind.label)
    return area


@transaction.atomic
def grant_membership(user, area, role, *, title="", actor=None):
    """Attach user to area with role (idempotent) and put them in the role's group."""
    role = Role(role)
    membership, created = Membership.objects.get_or_create(
        user=user, area=area, role=role, defaults={"title": title}
    )
    if not created and not membership.is_active:
        Membership.objects.filter(pk=membership.pk).update(is_active=True)
        created = True
    user.groups.add(group_for(role))
    forget(user)
    if created:
        audit.record(membership, actor=actor, action="membership.grant",
                     action_label="授予岗位", to_state=role.label)
    return membership


@transaction.atomic
def revoke_membership(membership, *, actor, reason=""):
    updated = Membership.objects.filter(pk=membership.pk, is_active=True).update(is_active=False)
    if updated:
        audit.record(membership, actor=actor, action="membership.revoke",
                     action_label="撤销岗位", from_state="有效", to_state="撤销", reason=reason)
        still = Membership.objects.filter(user=membership.user, role=membership.role,
                                          is_active=True).exists()
        if not still:
            membership.user.groups.remove(group_for(membership.role))
        forget(membership.user)
    return bool(updated)


def ensure_user(username, *, full_name, password, actor=None):
    """Find or create a login. The password is set only when the user is created."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"last_name": full_name[:1], "first_name": full_name[1:]},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user




# --- Households and members -----------------------------------------------------------
def local_address(grid, house_number):
    """西关村高家庄社45号: village → 社/小区 → house number (the grid is not in addresses)."""
    parts = [a.short_name for a in Area.objects.filter(pk__in=grid.ancestor_ids(),
                                                      kind__in=[Area.Kind.VILLAGE,
                                                                Area.Kind.GROUP])
             .order_by("depth")]
    return "".join(parts) + f"{house_number}号"


def refresh_search_text(household):
    names = list(Resident.objects.filter(household=household).values_list("name", flat=True))
    Household.objects.filter(pk=household.pk).update(
        search_text=household_search_text(household.address, household.house_number, names),
        member_count=len(names))


@transaction.atomic
def create_household(*, grid, house_number, head_name, head_id_number="", head_phone="",
                     flags=(), notes="", actor=None):
    """A new household with its head as first member. Raises ValidationError in Chinese."""
    if grid.kind != Area.Kind.GRID:
        raise ValidationError("户只能建在网格下。")
    if grid.retired_at is not None:
        raise ValidationError({"grid": f"{grid.name}已撤销，不能再登记新户。"})
    house_number = house_number.strip()
    if Household.objects.filter(grid=grid, house_number=house_number).exists():
        raise ValidationError({"house_number": f"{grid}已有门牌号为{house_number}的户。"})
    household = Household.objects.create(
        grid=grid, house_number=house_number, address=local_address(grid, house_number),
        flags=list(flags), notes=notes)
    match = add_member(household, name=head_name, id_number=head_id_number, phone=head_phone,
                       relation="户主", actor=actor)
    Household.objects.filter(pk=household.pk).update(head=match.resident)
    household.head = match.resident
    audit.record(household, actor=actor, action="household.create", action_label="登记户",
                 to_state=household.address)
    return household


@transaction.atomic
def add_member(household, *, name, id_number="", phone="", relation="", sex="",
               birth_date=None, actor=None):
    """Attach a person to the household through 一人一档 (find-or-create by ID number).
    A person already living in another household is refused, not moved silently."""
    match = find_or_create_resident(name=name, id_number=id_number, phone=phone,
                                    area=household.grid, actor=actor)
    resident = match.resident
    if resident.household_id and resident.household_id != household.pk:
        raise ValidationError({"id_number": f"此人（{resident.name}）已登记在"
                               f"{resident.household}，请先办理迁出。"})
    updates = {"household": household, "relation": relation or resident.relation}
    if sex and not resident.sex:
        updates["sex"] = sex
    if birth_date and not resident.birth_date:
        updates["birth_date"] = birth_date
    for field, value in updates.items():
        setattr(resident, field, value)
    resident.save(update_fields=list(updates))
    refresh_search_text(household)
    audit.record(household, actor=actor, action="household.add_member",
                 action_label="添加家庭成员", to_state=f"{resident.name}（{resident.relation}）")
    return match


@transaction.atomic
def set_household_flags(household, flags, *, actor):
    old = list(household.flags)
    # Bumps the version: an edit page opened before this change must not undo it.
    Household.objects.filter(pk=household.pk).update(flags=list(flags),
                                                     version=F("version") + 1)
    household.version += 1
    household.flags = list(flags)
    audit.record(household, actor=actor, action="household.flags", action_label="修改户标签",
                 from_state="、".join(old), to_state="、".join(flags))


HOUSEHOLD_LABELS = {"grid": "网格", "house_number": "门牌号", "address": "住址", "head": "户主",
                    "flags": "户标签", "notes": "备注"}


@transaction.atomic
def edit_household(household, *, actor, version, grid, house_number, head, flags, notes=""):
    """Correct a household: its grid (and so its 社 in the address), house number, head,
    flags and notes. Refuses when someone else saved it since `version` (EditConflict).
    Moving it to another grid moves its members' key-person records with it; its past
    visits keep the grid they were made in."""
    _check_version(household, version, f"户“{household.address}”")
    if grid.kind != Area.Kind.GRID:
        raise ValidationError({"grid": "户只能建在网格下。"})
    house_number = house_number.strip()
    if not house_number:
        raise ValidationError({"house_number": "请填写门牌号。"})
    if Household.objects.filter(grid=grid, house_number=house_number).exclude(
            pk=household.pk).exists():
        raise ValidationError({"house_number": f"{grid}已有门牌号为{house_number}的户。"})
    if head is not None and head.household_id != household.pk:
        raise ValidationError({"head": "户主须是本户成员。"})
    old_grid = household.grid
    changed = _apply_edit(
        Household, household, version=version, what=f"户“{household.address}”",
        changes={"grid": grid, "house_number": house_number,
                 "address": local_address(grid, house_number), "head": head,
                 "flags": list(flags), "notes": notes},
        labels=HOUSEHOLD_LABELS, actor=actor, action="household.edit",
        action_label="修改户信息")
    if "grid" in changed:
        members = Resident.objects.filter(household=household)
        members.filter(area=old_grid).update(area=grid)
        KeyPerson.objects.filter(resident__household=household).update(grid=grid)
    if {"address", "house_number"} & set(changed):
        refresh_search_text(household)
    return changed


MEMBER_LABELS = {"name": "姓名", "relation": "与户主关系", "sex": "性别", "birth_date": "出生日期",
                 "id_number": "身份证号", "phone": "联系电话"}


@transaction.atomic
def edit_member(member, *, actor, version, name, relation, sex="", birth_date=UNCHANGED,
                id_number=UNCHANGED, phone=UNCHANGED):
    """Correct a household member. id_number / phone / birth_date are left out by the caller
    when the editor may not see them in full, and then stay as stored. An ID number belongs
    to one person only; sex and birth date must agree with it. Audit rows carry masked
    numbers and the birth year only: the household's timeline is shown to every role."""
    _check_version(member, version, f"成员“{member.name}”的信息")
    keep_birth = birth_date is UNCHANGED
    changes = {"name": name.strip(), "relation": relation.strip(), "sex": sex,
               "birth_date": member.birth_date if keep_birth else birth_date}
    number = member.id_number if id_number is UNCHANGED else (id_number or "")
    if id_number is not UNCHANGED:
        number = validate_id_number(id_number) if id_number else ""
        if number and Resident.objects.filter(id_number=number).exclude(
                pk=member.pk).exists():
            raise ValidationError({"id_number": "该身份证号已是另一位居民的档案（一人一档），"
                                                "请核对；如确为同一人，请联系综治中心合并档案。"})
        changes["id_number"] = number or None
    checked = (number != (member.id_number or "") or changes["birth_date"] != member.birth_date
               or changes["sex"] != member.sex)
    if number and checked:
        if keep_birth:
            pass  # an editor who never saw the date neither fills nor checks it
        elif not changes["birth_date"]:
            changes["birth_date"] = birth_date_of(number)
        elif changes["birth_date"] != birth_date_of(number):
            raise ValidationError({"birth_date": "出生日期与身份证号中的不一致，请核对。"})
        if not changes["sex"]:
            changes["sex"] = sex_of(number)
        elif changes["sex"] != sex_of(number):
            raise ValidationError({"sex": "性别与身份证号不一致，请核对。"})
    if phone is not UNCHANGED:
        changes["phone"] = (phone or "").strip()
    household = member.household
    changed = _apply_edit(
        Resident, member, version=version, what=f"成员“{member.name}”的信息",
        changes=changes, labels=MEMBER_LABELS, actor=actor, action="resident.edit",
        action_label="修改成员信息",
        masked={"id_number": mask_id_number, "phone": mask_phone, "birth_date": mask_birth_date})
    if changed:
        # The household's own timeline shows the change too (numbers masked there as well).
        last = audit.timeline(member).last()
        audit.record(household, actor=actor, action="household.edit_member",
                     action_label="修改家庭成员", to_state=member.name[:64],
                     reason=last.reason, data=last.data)
    if "name" in changed and household is not None:
        refresh_search_text(household)
    return changed


# --- Key persons and places -------------------------------------------------------------
KEY_PERSON_TRANSITIONS = {
    KeyPerson.Status.ACTIVE: {KeyPerson.Status.RELEASED, KeyPerson.Status.MOVED},
    KeyPerson.Status.RELEASED: {KeyPerson.Status.ACTIVE},
    KeyPerson.Status.MOVED: {KeyPerson.Status.ACTIVE},
}


@transaction.atomic
def register_key_person(resident, *, categories, risk_level=KeyPerson.Risk.BLUE,
                        responsible=None, visit_every_days=None, notes="", actor=None,
                        today=None):
    """Put a resident (who lives in a household) under watch. The first visit is due
    visit_every_days after today (default: the shortest of the categories' frequencies)."""
    if resident.household_id is None:
        raise ValidationError("重点人员须先登记在某一户中。")
    if KeyPerson.objects.filter(resident=resident).exists():
        raise ValidationError(f"{resident.name}已是重点人员。")
    categories = list(categories)
    if not categories:
        raise ValidationError({"categories": "请至少选择一个类别。"})
    every = visit_every_days or min(c.visit_every_days for c in categories)
    today = today or timezone.localdate()
    person = KeyPerson.objects.create(
        resident=resident, grid=resident.household.grid, risk_level=risk_level,
        responsible=responsible, visit_every_days=every, notes=notes,
        next_visit_due=today + dt.timedelta(days=every))
    person.categories.set(categories)
    audit.record(person, actor=actor, action="keyperson.register", action_label="列为重点人员",
                 to_state=KeyPerson.Status.ACTIVE,
                 reason="、".join(c.name for c in categories))
    return person


@transaction.atomic
def change_key_person_status(person, *, status, actor, reason=""):
    status = KeyPerson.Status(status)
    old = KeyPerson.Status(person.status)
    if status not in KEY_PERSON_TRANSITIONS[old]:
        raise ValidationError(f"重点人员状态不能从“{old.label}”改为“{status.label}”。")
    if not KeyPerson.objects.filter(pk=person.pk, status=old).update(
            status=status, version=F("version") + 1):
        raise ValidationError("该重点人员的状态刚被他人修改，请刷新后再试。")
    person.status = status
    person.version += 1
    audit.record(person, actor=actor, action="keyperson.status", action_label="变更管理状态",
                 from_state=old, to_state=status, reason=reason)
    return person


@transaction.atomic
def create_key_place(*, grid, kind, name, address="", responsible_person="", contact="",
                     responsible_unit="", actor=None):
    place, created = KeyPlace.objects.get_or_create(
        grid=grid, name=name, defaults={"kind": kind, "address": address,
                                        "responsible_unit": responsible_unit,
                                        "responsible_person": responsible_person,
                                        "contact": contact})
    if created:
        audit.record(place, actor=actor, action="keyplace.create", action_label="登记重点场所",
                     to_state=kind)
    return place


KEY_PLACE_LABELS = {"kind": "类别", "name": "名称", "address": "地址", "grid": "所属网格",
                    "responsible_unit": "责任单位",
                    "responsible_person": "负责人", "contact": "联系电话"}


@transaction.atomic
def edit_key_place(place, *, actor, version, kind, name, address="", grid,
                   responsible_person="", contact=UNCHANGED, responsible_unit=UNCHANGED):
    """Correct a key place (contact left out when the editor sees it masked; the
    responsible unit when the form does not carry it)."""
    _check_version(place, version, f"重点场所“{place.name}”")
    if grid.kind != Area.Kind.GRID:
        raise ValidationError({"grid": "重点场所须归属某一网格。"})
    name = name.strip()
    if KeyPlace.objects.filter(grid=grid, name=name).exclude(pk=place.pk).exists():
        raise ValidationError({"name": "该网格已有同名重点场所。"})
    changes = {"kind": kind, "name": name, "address": address.strip(), "grid": grid,
               "responsible_person": responsible_person.strip()}
    if contact is not UNCHANGED:
        changes["contact"] = (contact or "").strip()
    if responsible_unit is not UNCHANGED:
        changes["responsible_unit"] = (responsible_unit or "").strip()
    return _apply_edit(KeyPlace, place, version=version, what=f"重点场所“{place.name}”",
                       changes=changes, labels=KEY_PLACE_LABELS, actor=actor,
                       action="keyplace.edit", action_label="修改重点场所",
                       masked={"contact": mask_phone})


KEY_PERSON_LABELS = {"risk_level": "风险等级", "responsible": "包联责任人",
                     "visit_every_days": "走访频次（天）", "next_visit_due": "下次走访期限",
                     "notes": "情况说明", "categories": "类别"}


@transaction.atomic
def edit_key_person(person, *, actor, version, categories, risk_level, responsible,
                    visit_every_days, notes="", status=None, reason="", today=None):
    """Correct a key person's categories, risk, responsible cadre and visit frequency, and
    change their status (在管/解除/迁出, along KEY_PERSON_TRANSITIONS). A new frequency
    moves the deadline: last visit (or registration) plus the new number of days."""
    _check_version(person, version, f"重点人员“{person.resident.name}”的信息")
    categories = list(categories)
    if not categories:
        raise ValidationError({"categories": "请至少选择一个类别。"})
    status = KeyPerson.Status(status or person.status)
    old_status = KeyPerson.Status(person.status)
    if status != old_status:
        if status not in KEY_PERSON_TRANSITIONS[old_status]:
            raise ValidationError({"status": f"重点人员状态不能从“{old_status.label}”改为"
                                             f"“{status.label}”。"})
        if not reason.strip():
            raise ValidationError({"reason": "变更管理状态须写明理由。"})
    changes = {"risk_level": risk_level, "responsible": responsible,
               "visit_every_days": visit_every_days, "notes": notes}
    if visit_every_days != person.visit_every_days:
        since = person.last_visited_on or timezone.localtime(person.created_at).date()
        changes["next_visit_due"] = since + dt.timedelta(days=visit_every_days)
    old_cats = sorted(c.name for c in person.categories.all())
    new_cats = sorted(c.name for c in categories)
    extra = ({"categories": ("类别", _shown(old_cats), _shown(new_cats))}
             if old_cats != new_cats else {})
    if status != old_status:
        changes["status"] = status
        labels = {**KEY_PERSON_LABELS, "status": "状态"}
    else:
        labels = KEY_PERSON_LABELS
    changed = _apply_edit(KeyPerson, person, version=version,
                          what=f"重点人员“{person.resident.name}”的信息", changes=changes,
                          labels=labels, actor=actor, action="keyperson.edit",
                          action_label="修改重点人员", extra=extra)
    if extra:
        person.categories.set(categories)
    if "status" in changed:
        audit.record(person, actor=actor, action="keyperson.status", action_label="变更管理状态",
                     from_state=old_status, to_state=status, reason=reason)
    return changed


# --- 包抓 -------------------------------------------------------------------------------
_LEVEL_KIND = {"village": Area.Kind.VILLAGE, "group": Area.Kind.GROUP, "grid": Area.Kind.GRID}
# The membership a responsibility brings, so the person can see and visit what they answer for.
_RESPONSIBILITY_ROLE = {
    Responsibility.Kind.VILLAGE_LEADER: Role.LEADER,
    Responsibility.Kind.GRID_WORKER: Role.GRID_WORKER,
}


@transaction.atomic
def assign_responsibility(user, area, kind, *, actor=None):
    kind = Responsibility.Kind(kind)
    wanted = _LEVEL_KIND[Responsibility.LEVEL[kind]]
    if area.kind != wanted and not (wanted == Area.Kind.GROUP and area.kind == Area.Kind.GRID):
        raise ValidationError(f"“{kind.label}”应包抓{Area.Kind(wanted).label}，"
                              f"不能包抓{area.get_kind_display()}。")
    resp, created = Responsibility.objects.get_or_create(user=user, area=area, kind=kind)
    if not created and not resp.is_active:
        Responsibility.objects.filter(pk=resp.pk).update(is_active=True)
        resp.is_active = created = True
    grant_membership(user, area, _RESPONSIBILITY_ROLE.get(kind, Role.VISITOR), title=kind.label,
                     actor=actor)
    if created:
        audit.record(resp, actor=actor, action="responsibility.assign", action_label="落实包抓",
                     to_state=kind.label)
    return resp


@transaction.atomic
def end_responsibility(resp, *, actor, reason=""):
    if Responsibility.objects.filter(pk=resp.pk, is_active=True).update(is_active=False):
        audit.record(resp, actor=actor, action="responsibility.end", action_label="解除包抓",
                     from_state="有效", to_state="解除", reason=reason)
        return True
    return False


# --- Campaigns and visits ---------------------------------------------------------------
@transaction.atomic
def create_campaign(*, name, area, start_date, end_date, mode=Campaign.Mode.FULL, focus="",
                    description="", actor=None):
    campaign, created = Campaign.objects.get_or_create(
        name=name, defaults={"area": area, "start_date": start_date, "end_date": end_date,
                             "mode": mode, "focus": focus, "description": description})
    if created:
        audit.record(campaign, actor=actor, action="campaign.create", action_label="发起专项活动",
                     to_state=f"{start_date:%Y-%m-%d} 至 {end_date:%Y-%m-%d}")
    return campaign


CAMPAIGN_LABELS = {"name": "活动名称", "area": "范围", "start_date": "开始日期",
                   "end_date": "结束日期", "mode": "排查方式", "focus": "排查重点",
                   "description": "说明"}


def _check_campaign(name, start_date, end_date, *, exclude=None):
    if end_date < start_date:
        raise ValidationError({"end_date": "结束日期不能早于开始日期。"})
    same = Campaign.objects.filter(name=name)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        raise ValidationError({"name": "已有同名的专项活动，请换一个名称。"})


@transaction.atomic
def launch_campaign(*, actor, name, area, start_date, end_date, mode=Campaign.Mode.FULL,
                    focus="", description=""):
    """A new campaign from the page: unlike create_campaign (idempotent for seeding), a
    name already in use is refused."""
    name = name.strip()
    _check_campaign(name, start_date, end_date)
    campaign = Campaign.objects.create(name=name, area=area, start_date=start_date,
                                       end_date=end_date, mode=mode, focus=focus,
                                       description=description)
    audit.record(campaign, actor=actor, action="campaign.create", action_label="发起专项活动",
                 to_state=f"{start_date:%Y-%m-%d} 至 {end_date:%Y-%m-%d}")
    return campaign


@transaction.atomic
def edit_campaign(campaign, *, actor, version, name, area, start_date, end_date, mode,
                  focus="", description=""):
    """Correct a campaign. Visits keep the campaign they were filed under; coverage is
    counted from the dates, so new dates change the figures at once."""
    _check_version(campaign, version, f"专项活动“{campaign.name}”")
    name = name.strip()
    _check_campaign(name, start_date, end_date, exclude=campaign)
    return _apply_edit(Campaign, campaign, version=version, what=f"专项活动“{campaign.name}”",
                       changes={"name": name, "area": area, "start_date": start_date,
                                "end_date": end_date, "mode": mode, "focus": focus,
                                "description": description},
                       labels=CAMPAIGN_LABELS, actor=actor, action="campaign.edit",
                       action_label="修改专项活动")


def campaign_for(area, day):
    """The campaign over area running on day (the most recently started), or None."""
    for campaign in Campaign.objects.current(day).select_related("area"):
        if area.path.startswith(campaign.area.path):
            return campaign
    return None


def clean_findings(findings):
    findings = [Visit.Finding(f) for f in dict.fromkeys(findings or [])]
    if not findings:
        raise ValidationError({"findings": "请选择发现的问题；没有问题请选“无异常”。"})
    if Visit.Finding.NONE in findings and len(findings) > 1:
        raise ValidationError({"findings": "“无异常”不能与其他问题同时选择。"})
    return findings


def record_visit(*, actor, idempotency_key, visited_on, visit_type, findings, household=None,
                 key_place=None, persons_met=(), persons_met_other="", companions="",
                 notes="", photo=None, position=None, today=None):
    """Write one entry of the visit ledger. Returns (visit, created).

    The caller has checked the actor may visit the household or place (access module).
    A repeated idempotency_key (double submit, resend after a dropped connection) returns
    the visit saved the first time and writes nothing; if what was sent under it differs from
    that visit, it is another visit under a spent key: VisitKeyUsed, nothing written."""
    # A repeated key is caught by its unique constraint when the visit is saved (below):
    # no lookup first, which every first submission would pay for.
    if (household is None) == (key_place is None):
        raise ValidationError("走访须针对一户或一处重点场所。")
    today = today or timezone.localdate()
    if visited_on > today:
        raise ValidationError({"visited_on": "走访日期不能晚于今天。"})
    findings = clean_findings(findings)
    if photo:
        try:
            photo = validate_upload(photo, kinds=("image",))  # as the form did: re-encoded
        except ValidationError as exc:
            raise ValidationError({"photo": exc.messages}) from exc
    grid = household.grid if household else key_place.grid
    village = village_of(grid)
    town = town_of(grid)
    persons_met = list(persons_met)
    if household is not None and any(p.household_id != household.pk for p in persons_met):
        raise ValidationError({"persons_met": "见到的人须是本户成员。"})
    met_text = "、".join([f"{p.name}（{p.relation}）" if p.relation else p.name
                         for p in persons_met] + ([persons_met_other] if persons_met_other
                                                  else []))[:200]
    try:
        with transaction.atomic():
            visit = Visit(
                household=household, key_place=key_place, area=grid, village=village or grid,
                town=town or village or grid,
                campaign=campaign_for(grid, visited_on), visited_on=visited_on,
                visit_type=visit_type, findings=[str(f) for f in findings], notes=notes,
                persons_met_text=met_text, visitor=actor, companions=companions,
                idempotency_key=idempotency_key)
            if position is not None:  # a pingxiang.geo.Position, given with consent
                visit.latitude, visit.longitude = position.latitude, position.longitude
                visit.accuracy = position.accuracy
            if photo:
                visit.photo = photo
            visit.save()
            if persons_met:
                visit.persons_met.set(persons_met)
            if household is not None:
                _key_persons_visited(household, visited_on)
            audit.record(visit, actor=actor, action="visit.record", action_label="记录走访",
                         to_state=visit.findings_text)
            if {Visit.Finding.DISPUTE, Visit.Finding.HAZARD} & set(findings):
                transaction.on_commit(lambda: _notify_finding(visit))
    except IntegrityError:
        existing = Visit.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        sent = (household.pk if household else None, key_place.pk if key_place else None,
                visited_on, str(visit_type), sorted(str(f) for f in findings), notes, met_text,
                companions)
        on_file = (existing.household_id, existing.key_place_id, existing.visited_on,
                   existing.visit_type, sorted(existing.findings), existing.notes,
                   existing.persons_met_text, existing.companions)
        if sent != on_file:
            raise VisitKeyUsed(existing) from None
        return existing, False
    return visit, True


def _key_persons_visited(household, visited_on):
    people = KeyPerson.objects.select_for_update().filter(
        resident__household=household, status=KeyPerson.Status.ACTIVE)
    for person in people:
        if person.last_visited_on and person.last_visited_on >= visited_on:
            continue
        person.last_visited_on = visited_on
        person.next_visit_due = visited_on + dt.timedelta(days=person.visit_every_days)
        person.save(update_fields=["last_visited_on", "next_visit_due"])


def _notify_finding(visit):
    recipients = [u for u in village_cadres(visit.village) if u.pk != visit.visitor_id]
    if recipients:
        notify(recipients, key=f"grids.visit.{visit.pk}.finding",
               title=f"走访发现{visit.findings_text}：{visit.subject}",
               body=visit.notes[:200], url=reverse("grids:visit_detail", args=[visit.pk]),
               kind="grids.visit")


@transaction.atomic
def confirm_reference_position(visit, *, actor):
    """Take the position recorded with `visit` as its household's (or key place's) reference
    position. The caller has checked the actor may (access.can_see_positions over the grid).
    The audit row names the visit, not the coordinates: a household's timeline is shown to
    roles that may not see positions."""
    if visit.latitude is None or visit.longitude is None:
        raise ValidationError("这次走访没有记录位置，不能作为参考位置。")
    model = Household if visit.household_id else KeyPlace
    subject = model.objects.select_for_update().get(pk=visit.household_id or visit.key_place_id)
    had = subject.ref_latitude is not None
    subject.ref_latitude, subject.ref_longitude = visit.latitude, visit.longitude
    subject.ref_accuracy = visit.accuracy
    subject.ref_confirmed_at, subject.ref_confirmed_by = timezone.now(), actor
    subject.save(update_fields=["ref_latitude", "ref_longitude", "ref_accuracy",
                                "ref_confirmed_at", "ref_confirmed_by"])
    accuracy = f"，精度约 {visit.accuracy:.0f} 米" if visit.accuracy is not None else ""
    audit.record(subject, actor=actor, action="position.confirm", action_label="确认参考位置",
                 from_state="已有参考位置" if had else "无参考位置",
                 to_state=f"采用 {visit.visited_on:%Y-%m-%d} 走访时的位置{accuracy}",
                 data={"visit": visit.pk})
    return subject
