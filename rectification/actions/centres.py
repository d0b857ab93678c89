"""Centre standardisation: the centre records, 对标检查, 巩固提升 and 示范."""

from django.db import transaction

from grids.models import Area
from pingxiang import audit

from ..models import Centre, CentreCheck, CentrePhoto
from .common import ActionError, at_or_now, local_date, validated


@transaction.atomic
def ensure_centre(area, *, actor, name=None):
    if area.kind not in (Area.Kind.TOWN, Area.Kind.VILLAGE):
        raise ActionError("综治中心只能建在镇或村(社区)。")
    centre, created = Centre.objects.get_or_create(
        area=area, defaults={"name": name or f"{area.short_name or area.name}综治中心"})
    if created:
        audit.record(centre, actor=actor, action="centre.create", action_label="建立阵地档案")
    return centre


@transaction.atomic
def record_centre_checks(centre, *, actor, results, at=None):
    """results: {StandardItem: (met, note)}. Records only what changed."""
    now = at_or_now(at)
    existing = {c.item_id: c for c in centre.checks.all()}
    changed = []
    for item, (met, note) in results.items():
        check = existing.get(item.pk)
        if check is None:
            CentreCheck.objects.create(centre=centre, item=item, met=met, note=note,
                                       checked_by=actor, checked_at=now)
            changed.append(item)
        elif check.met != met or check.note != note:
            CentreCheck.objects.filter(pk=check.pk).update(met=met, note=note, checked_by=actor,
                                                           checked_at=now)
            changed.append(item)
    if changed:
        audit.record(centre, actor=actor, action="centre.check", action_label="对标检查",
                     reason="、".join(f"{i.name}{'达标' if results[i][0] else '未达标'}"
                                     for i in changed))
    return len(changed)


@transaction.atomic
def set_centre_upgrade(centre, *, actor, status, upgraded_on=None, at=None):
    status = Centre.Upgrade(status)
    if status == Centre.Upgrade.DONE and upgraded_on is None:
        raise ActionError("请填写完成提升日期。")
    if upgraded_on and upgraded_on > local_date(at_or_now(at)):
        raise ActionError("完成提升日期不能晚于今天。")
    current = Centre.objects.select_for_update().get(pk=centre.pk)
    if current.upgrade_status == status and current.upgraded_on == upgraded_on:
        return centre
    Centre.objects.filter(pk=centre.pk).update(
        upgrade_status=status, updated_at=at_or_now(at),
        upgraded_on=upgraded_on if status == Centre.Upgrade.DONE else None)
    audit.record(centre, actor=actor, action="centre.upgrade", action_label="巩固提升",
                 from_state=Centre.Upgrade(current.upgrade_status).label, to_state=status.label)
    centre.refresh_from_db()
    return centre


@transaction.atomic
def set_centre_demonstration(centre, *, actor, flag, on=None, at=None):
    current = Centre.objects.select_for_update().get(pk=centre.pk)
    if flag and current.upgrade_status != Centre.Upgrade.DONE:
        raise ActionError("完成巩固提升后才能评为示范综治中心。")
    if current.is_demonstration == flag:
        return centre
    Centre.objects.filter(pk=centre.pk).update(
        is_demonstration=flag, demonstration_on=(on or local_date(at_or_now(at))) if flag else None,
        updated_at=at_or_now(at))
    audit.record(centre, actor=actor, action="centre.demonstration",
                 action_label="评为示范综治中心" if flag else "取消示范",
                 to_state="示范" if flag else "非示范")
    centre.refresh_from_db()
    return centre


@transaction.atomic
def add_centre_photo(centre, *, actor, upload, caption="", at=None):
    [upload] = validated([upload])
    photo = CentrePhoto.objects.create(centre=centre, file=upload,
                                       content_type=upload.content_type,
                                       caption=caption, uploaded_by=actor, uploaded_at=at_or_now(at))
    audit.record(centre, actor=actor, action="centre.photo", action_label="上传照片",
                 reason=caption)
    return photo
