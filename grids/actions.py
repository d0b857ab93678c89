"""Every write of the grids app: the area tree, who holds which role where, households and
their members, key persons, 包抓 responsibilities and the visit ledger."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from grids.access import forget
from grids.models import (
    Area,
    Campaign,
    Household,
    KeyPerson,
    KeyPlace,
    Membership,
    Resident,
    Responsibility,
    Role,
    Visit,
)
from grids.residents import find_or_create_resident
from grids.roles import group_for
from grids.textsearch import household_search_text
from pingxiang import audit

CHILD_KIND = {
    None: Area.Kind.COUNTY,
    Area.Kind.COUNTY: Area.Kind.TOWN,
    Area.Kind.TOWN: Area.Kind.VILLAGE,
    Area.Kind.VILLAGE: Area.Kind.GROUP,
    Area.Kind.GROUP: Area.Kind.GRID,
}


class AreaError(ValueError):
    pass


@transaction.atomic
def create_area(*, parent, kind, name, short_name="", code="", is_community=False,
                sort_order=0, actor=None):
    """Add a node under parent. Returns the existing node when one of that name is there
    already (so seeding twice changes nothing)."""
    kind = Area.Kind(kind)
    expected = CHILD_KIND[parent.kind if parent else None]
    # A grid may hang directly under a village that has no 社/小区 level.
    if kind != expected and not (kind == Area.Kind.GRID and parent and
                                 parent.kind == Area.Kind.VILLAGE):
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
    Household.objects.filter(pk=household.pk).update(flags=list(flags))
    household.flags = list(flags)
    audit.record(household, actor=actor, action="household.flags", action_label="修改户标签",
                 from_state="、".join(old), to_state="、".join(flags))


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
    if not KeyPerson.objects.filter(pk=person.pk, status=old).update(status=status):
        raise ValidationError("该重点人员的状态刚被他人修改，请刷新后再试。")
    person.status = status
    audit.record(person, actor=actor, action="keyperson.status", action_label="变更管理状态",
                 from_state=old, to_state=status, reason=reason)
    return person


@transaction.atomic
def create_key_place(*, grid, kind, name, address="", responsible_person="", contact="",
                     actor=None):
    place, created = KeyPlace.objects.get_or_create(
        grid=grid, name=name, defaults={"kind": kind, "address": address,
                                        "responsible_person": responsible_person,
                                        "contact": contact})
    if created:
        audit.record(place, actor=actor, action="keyplace.create", action_label="登记重点场所",
                     to_state=kind)
    return place


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
                 notes="", photo=None, today=None):
    """Write one entry of the visit ledger. Returns (visit, created).

    The caller has checked the actor may visit the household or place (access module).
    A repeated idempotency_key (double submit, resend after a dropped connection) returns
    the visit saved the first time and writes nothing."""
    existing = Visit.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    if (household is None) == (key_place is None):
        raise ValidationError("走访须针对一户或一处重点场所。")
    today = today or timezone.localdate()
    if visited_on > today:
        raise ValidationError({"visited_on": "走访日期不能晚于今天。"})
    findings = clean_findings(findings)
    grid = household.grid if household else key_place.grid
    village = Area.objects.filter(pk__in=grid.ancestor_ids(), kind=Area.Kind.VILLAGE).first()
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
                campaign=campaign_for(grid, visited_on), visited_on=visited_on,
                visit_type=visit_type, findings=[str(f) for f in findings], notes=notes,
                persons_met_text=met_text, visitor=actor, companions=companions,
                idempotency_key=idempotency_key)
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
    from grids.people import village_cadres
    from pingxiang.notify import notify

    recipients = [u for u in village_cadres(visit.village) if u.pk != visit.visitor_id]
    if recipients:
        notify(recipients, key=f"grids.visit.{visit.pk}.finding",
               title=f"走访发现{visit.findings_text}：{visit.subject}",
               body=visit.notes[:200], url=reverse("grids:visit_detail", args=[visit.pk]),
               kind="grids.visit")
