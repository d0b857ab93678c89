"""Changing the area tree below a village on the pages: add, rename and retire 社/小区 and
grids, and move a household from one grid to another (the move is kept as history, so
coverage counts the household in the right grid for each period: grids.coverage).
Each write is atomic and audited; a refusal is a ValidationError in Chinese, nothing written."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from grids.actions import create_area, local_address, refresh_search_text
from grids.models import (
    Area,
    Household,
    HouseholdMove,
    KeyPerson,
    KeyPlace,
    Membership,
    Resident,
    Responsibility,
)
from grids.people import village_of
from pingxiang import audit

# What may be added, renamed and retired here: the levels a town keeps itself.
EDITABLE_KINDS = (Area.Kind.GROUP, Area.Kind.GRID)


def child_kinds(parent):
    """The kinds that may be added under `parent` on the pages."""
    if parent.retired_at is not None:
        return []
    if parent.kind == Area.Kind.VILLAGE:
        return [Area.Kind.GROUP, Area.Kind.GRID]
    if parent.kind == Area.Kind.GROUP:
        return [Area.Kind.GRID]
    return []


def _clean_name(name):
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "请填写名称。"})
    return name


@transaction.atomic
def add_area(*, actor, parent, kind, name, short_name=""):
    if Area.Kind(kind) not in child_kinds(parent):
        raise ValidationError({"kind": f"{parent.name}下不能新建“{Area.Kind(kind).label}”。"})
    name = _clean_name(name)
    if Area.objects.filter(parent=parent, name=name).exists():
        raise ValidationError({"name": f"{parent.name}下已有“{name}”。"})
    return create_area(parent=parent, kind=kind, name=name,
                       short_name=(short_name or "").strip() or name, actor=actor)


@transaction.atomic
def rename_area(area, *, actor, name, short_name=""):
    """Rename a 社/小区 or grid. A 社's short name is part of its households' addresses
    (西关村高家庄社45号), so they are rewritten with it."""
    if area.kind not in EDITABLE_KINDS:
        raise ValidationError("这里只能修改社/小区和网格的名称。")
    area = Area.objects.select_for_update().get(pk=area.pk)
    name = _clean_name(name)
    short_name = (short_name or "").strip() or name
    if Area.objects.filter(parent_id=area.parent_id, name=name).exclude(pk=area.pk).exists():
        raise ValidationError({"name": f"同一上级下已有“{name}”。"})
    if (area.name, area.short_name) == (name, short_name):
        return False
    old = area.name
    Area.objects.filter(pk=area.pk).update(name=name, short_name=short_name)
    area.name, area.short_name = name, short_name
    audit.record(area, actor=actor, action="area.rename", action_label="修改辖区名称",
                 from_state=old[:64], to_state=name[:64], reason=f"名称：{old} → {name}")
    if area.kind == Area.Kind.GROUP:
        for household in Household.objects.filter(grid__path__startswith=area.path).select_related(
                "grid"):
            household.address = local_address(household.grid, household.house_number)
            Household.objects.filter(pk=household.pk).update(address=household.address)
            refresh_search_text(household)
    return True


@transaction.atomic
def retire_area(area, *, actor, reason):
    """撤销 a 社/小区 or grid: it keeps its history but takes no new records. Refused while
    anything still hangs on it (households, places, posts, 包抓, live grids below)."""
    if area.kind not in EDITABLE_KINDS:
        raise ValidationError("这里只能撤销社/小区和网格。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请写明撤销原因。"})
    area = Area.objects.select_for_update().get(pk=area.pk)
    if area.retired_at is not None:
        raise ValidationError(f"{area.name}已经撤销。")
    under = {"grid__path__startswith": area.path}
    left = [
        (Area.objects.filter(parent=area, retired_at__isnull=True).count(), "个下级辖区"),
        (Household.objects.filter(**under).count(), "户"),
        (KeyPlace.objects.filter(**under).count(), "个重点场所"),
        (Membership.objects.filter(area__path__startswith=area.path, is_active=True).count(),
         "个岗位"),
        (Responsibility.objects.filter(area__path__startswith=area.path, is_active=True).count(),
         "项包抓责任"),
    ]
    left = [f"{n}{what}" for n, what in left if n]
    if left:
        raise ValidationError(f"{area.name}还有{'、'.join(left)}，请先调整到其他辖区再撤销。")
    Area.objects.filter(pk=area.pk).update(retired_at=timezone.now())
    audit.record(area, actor=actor, action="area.retire", action_label="撤销辖区",
                 from_state="在用", to_state="撤销", reason=reason)


def move_refusal(household, grid):
    """Why the household may not move to `grid`, or None."""
    if grid.kind != Area.Kind.GRID:
        return "户只能调整到网格。"
    if grid.retired_at is not None:
        return f"{grid.name}已撤销，不能调入。"
    if grid.pk == household.grid_id:
        return "新网格与原网格相同。"
    here, there = village_of(household.grid), village_of(grid)
    if here is None or there is None or here.pk != there.pk:
        return (f"不能把户调整到其他村(社区)的网格：{household.address}属于"
                f"{here.name if here else '—'}，{grid.name}属于{there.name if there else '—'}。")
    return None


@transaction.atomic
def move_household(household, *, actor, grid, reason, moved_on=None):
    """Move a household to another grid of the same village from `moved_on` (today). Its
    members and key persons go with it; its past visits keep the grid they were made in."""
    household = Household.objects.select_for_update().select_related("grid").get(pk=household.pk)
    grid = Area.objects.get(pk=grid.pk)  # as it is now (retired since the page was drawn?)
    refusal = move_refusal(household, grid)
    if refusal:
        raise ValidationError({"grid": refusal})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请写明调整原因。"})
    moved_on = moved_on or timezone.localdate()
    old_grid = household.grid
    address = local_address(grid, household.house_number)
    if Household.objects.filter(grid=grid, house_number=household.house_number).exists():
        raise ValidationError({"grid": f"{grid.name}已有门牌号为{household.house_number}的户。"})
    HouseholdMove.objects.create(household=household, from_grid=old_grid, to_grid=grid,
                                 moved_on=moved_on, reason=reason, moved_by=actor)
    Household.objects.filter(pk=household.pk).update(grid=grid, address=address,
                                                     version=F("version") + 1)
    Resident.objects.filter(household=household, area=old_grid).update(area=grid)
    KeyPerson.objects.filter(resident__household=household).update(grid=grid)
    old_address = household.address
    household.grid, household.address = grid, address
    refresh_search_text(household)
    audit.record(household, actor=actor, action="household.move", action_label="调整网格",
                 from_state=old_grid.name[:64], to_state=grid.name[:64],
                 reason=f"{reason}（{moved_on:%Y-%m-%d}起；住址：{old_address} → {address}）")
    return household
