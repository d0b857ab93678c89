"""The hazard closed loop: 登记 → 交办 → 整改 → 验收 → 销号."""

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from grids.people import town_of, village_leaders, village_of
from pingxiang import audit
from pingxiang.notify import notify

from ..access import can_manage_hazard, can_regrade_hazard
from ..models import Hazard, HazardPhoto
from .common import (
    BACKFILL_AGE,
    ActionError,
    at_or_now,
    check_deadline,
    local_date,
    move,
    tell,
    validated,
)

HS = Hazard.Status
# action -> (allowed from-states, to-state)
HAZARD_TRANSITIONS = {
    "assign": ({HS.REGISTERED}, HS.ASSIGNED),
    "progress": ({HS.ASSIGNED, HS.RECTIFYING}, HS.RECTIFYING),
    "submit": ({HS.ASSIGNED, HS.RECTIFYING}, HS.SUBMITTED),
    "pass": ({HS.SUBMITTED}, HS.VERIFIED),
    "fail": ({HS.SUBMITTED}, HS.RECTIFYING),
    "close": ({HS.VERIFIED}, HS.CLOSED),
}
HAZARD_ACTION_LABELS = {
    "assign": "交办", "progress": "整改进展", "submit": "整改完成报验收",
    "pass": "验收通过", "fail": "验收不通过", "close": "销号",
}


@transaction.atomic
def register_hazard(*, actor, source, category, area, description, found_date,
                    grade=Hazard.Grade.GENERAL, place=None, location="", inspection=None,
                    campaign=None, source_ref="", source_visit_id=None, photos=(), position=None,
                    at=None):
    """登记. A 重大 hazard notifies the leaders assigned to its village at once. `position`
    (a pingxiang.geo.Position) is where the reporter's phone was, given with consent."""
    photos = validated(photos)
    now = at_or_now(at)
    if found_date > local_date(now):
        raise ActionError("发现日期不能晚于今天。")
    if place is not None:
        area = place.grid
    if inspection is not None:
        campaign = campaign or inspection.campaign
        place = place or inspection.place
    village = village_of(area)
    hazard = Hazard.objects.create(
        source=source, source_ref=source_ref, source_visit_id=source_visit_id,
        inspection=inspection, campaign=campaign, category=category, grade=grade, place=place,
        location=location, area=area, village=village, description=description,
        found_date=found_date, reported_by=actor, created_at=now,
        latitude=position.latitude if position else None,
        longitude=position.longitude if position else None,
        accuracy=position.accuracy if position else None)
    hazard.number = f"YH{found_date:%Y}{hazard.pk:05d}"
    hazard.save(update_fields=["number"])
    for upload in photos:
        HazardPhoto.objects.create(hazard=hazard, stage=HazardPhoto.Stage.BEFORE, file=upload,
                                   content_type=upload.content_type, uploaded_by=actor,
                                   uploaded_at=now)
    audit.record(hazard, actor=actor, action="hazard.register", action_label="登记隐患",
                 to_state=Hazard.Status.REGISTERED.label,
                 reason=f"{category.name} · {grade}")
    recent = at is None or at >= timezone.now() - BACKFILL_AGE  # backfilled history rings no one
    if grade == Hazard.Grade.MAJOR and village is not None and recent:
        # In this transaction, not on commit: the message and its 企业微信/SMS deliveries
        # (messaging's outbox) commit with the hazard or not at all. Urgent: at once, by
        # every channel, quiet hours or not, and to the village's and centre's work groups.
        notify(village_leaders(village), key=f"rectification:hazard:{hazard.pk}:major",
               title=f"重大隐患：{village} {category.name}", body=description[:200],
               url=reverse("rectification:hazard_detail", args=[hazard.pk]),
               kind="hazard_major", urgent=True, area=village)
    return hazard


@transaction.atomic
def assign_hazard(hazard, *, actor, responsible_unit, responsible_person, measures, deadline,
                  handler=None, order_no="", at=None):
    """交办: responsible unit and person, measures, deadline (not before today), order no."""
    now = at_or_now(at)
    check_deadline(deadline, now)
    if not responsible_unit or not responsible_person:
        raise ActionError("请填写责任单位和责任人。")
    order_no = order_no or f"平综交〔{local_date(now):%Y}〕{hazard.pk}号"
    move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "assign", actor=actor,
          reason=f"{responsible_unit} {responsible_person}，限 {deadline:%Y-%m-%d} 前完成。{measures}",
          responsible_unit=responsible_unit, responsible_person=responsible_person,
          handler=handler, measures=measures, deadline=deadline, order_no=order_no,
          assigned_at=now, assigned_by=actor)
    tell(
        [handler] if handler and handler != actor else [],
        key=f"rectification:hazard:{hazard.pk}:assigned", title=f"隐患交办：{hazard.number}",
        body=f"请于 {deadline:%Y-%m-%d} 前完成整改。{hazard.description[:100]}",
        url=reverse("rectification:hazard_detail", args=[hazard.pk]), kind="hazard", at=at)
    return hazard


def _add_hazard_photos(hazard, photos, stage, actor, now):
    for upload in photos:
        HazardPhoto.objects.create(hazard=hazard, stage=stage, file=upload,
                                   content_type=upload.content_type, uploaded_by=actor,
                                   uploaded_at=now)


@transaction.atomic
def note_hazard_progress(hazard, *, actor, note, photos=(), at=None):
    """整改进展: a note (and photos after), moving 已交办 to 整改中."""
    photos = validated(photos)
    if not note.strip():
        raise ActionError("请填写整改进展。")
    now = at_or_now(at)
    move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "progress", actor=actor,
          reason=note)
    _add_hazard_photos(hazard, photos, HazardPhoto.Stage.AFTER, actor, now)
    return hazard


@transaction.atomic
def submit_hazard_rectification(hazard, *, actor, note, photos=(), at=None):
    """整改完成, asking for 验收."""
    photos = validated(photos)
    if not note.strip():
        raise ActionError("请填写整改情况。")
    now = at_or_now(at)
    move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "submit", actor=actor, reason=note,
          rectification_note=note, rectified_at=now, rectified_by=actor)
    _add_hazard_photos(hazard, photos, HazardPhoto.Stage.AFTER, actor, now)
    tell(
        [hazard.assigned_by] if hazard.assigned_by and hazard.assigned_by != actor else [],
        key=f"rectification:hazard:{hazard.pk}:submitted:{hazard.failed_verifications}",
        title=f"隐患待验收：{hazard.number}", body=note[:200],
        url=reverse("rectification:hazard_detail", args=[hazard.pk]), kind="hazard", at=at)
    return hazard


def rectifiers_of(hazard):
    return {pk for pk in (hazard.rectified_by_id, hazard.handler_id) if pk}


@transaction.atomic
def verify_hazard(hazard, *, actor, passed, note="", at=None):
    """验收 by someone other than the rectifier: passed → 验收通过 (then 销号);
    failed → back to 整改中 with the reason; the deadline does not move."""
    current = Hazard.objects.select_for_update().get(pk=hazard.pk)
    if actor is not None and actor.pk in rectifiers_of(current):
        raise ActionError("验收人不能是整改人本人，请由其他人员验收。")
    now = at_or_now(at)
    if passed:
        move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "pass", actor=actor,
              reason=note, verified_at=now, verified_by=actor, verification_note=note)
    else:
        if not note.strip():
            raise ActionError("验收不通过时请写明原因。")
        move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "fail", actor=actor,
              reason=note, verification_note=note,
              failed_verifications=current.failed_verifications + 1)
        tell(
            [hazard.handler or hazard.rectified_by],
            key=f"rectification:hazard:{hazard.pk}:failed:{hazard.failed_verifications}",
            title=f"隐患验收未通过：{hazard.number}", body=note[:200],
            url=reverse("rectification:hazard_detail", args=[hazard.pk]), kind="hazard", at=at)
    return hazard


@transaction.atomic
def close_hazard(hazard, *, actor, at=None):
    """销号: only after 验收 passed."""
    current = Hazard.objects.filter(pk=hazard.pk).values_list("status", flat=True).first()
    if current != HS.VERIFIED:
        raise ActionError("未通过验收的隐患不能销号。")
    return move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "close", actor=actor,
                 closed_at=at_or_now(at))


@transaction.atomic
def add_hazard_photo(hazard, *, actor, upload, stage, at=None):
    [upload] = validated([upload])
    photo = HazardPhoto.objects.create(hazard=hazard, stage=stage, file=upload,
                                       content_type=upload.content_type, uploaded_by=actor,
                                       uploaded_at=at_or_now(at))
    audit.record(hazard, actor=actor, action="hazard.photo",
                 action_label=f"上传{HazardPhoto.Stage(stage).label}照片")
    return photo


# --- Corrections and withdrawal (issue 19) ---------------------------------------------------
class HazardChanged(ActionError):
    """Someone else corrected the hazard first."""


def _bump(hazard, **fields):
    """Apply `fields` if the hazard is still the version the actor saw."""
    if not Hazard.objects.filter(pk=hazard.pk, version=hazard.version).update(
            version=F("version") + 1, **fields):
        raise HazardChanged(f"隐患 {hazard.number} 刚刚已被他人更正，您的更正未保存，"
                            "请查看最新内容后再更正。")
    for name, value in fields.items():
        setattr(hazard, name, value)
    hazard.version += 1


def _place_text(hazard):
    where = hazard.place.name if hazard.place_id else str(hazard.area)
    return f"{where} {hazard.location}".strip()


@transaction.atomic
def correct_hazard(hazard, *, actor, reason, category, grade, area=None, place=None,
                   location="", at=None):
    """更正 the category, grade (等级; the town's centre staff alone) and place of a
    hazard, within the town it was registered in. A hazard made 重大 tells the village's
    leaders, as at registration."""
    now = at_or_now(at)
    if hazard.withdrawn_at:
        raise ActionError("隐患已撤销，不能更正。")
    if not can_manage_hazard(actor, hazard):
        raise ActionError("您的岗位不能更正此隐患。")
    if grade != hazard.grade and not can_regrade_hazard(actor, hazard):
        raise ActionError("只有镇综治中心工作人员可以调整隐患等级。")
    if not (reason or "").strip():
        raise ActionError("请写明更正的原因（将记入办理记录）。")
    if place is not None:
        area = place.grid
    if area is None:
        raise ActionError("请选择隐患所在的村(社区)或重点场所。")
    if town_of(area).pk != town_of(hazard.area).pk:
        raise ActionError("隐患只能更正到本镇的村(社区)或场所。")
    if not can_manage_hazard(actor, Hazard(area=area)):
        raise ActionError("所选地点不在您负责的辖区内。")
    labels = {"category": "类别", "grade": "等级", "place": "地点"}
    before = {"category": hazard.category.name, "grade": hazard.grade,
              "place": _place_text(hazard)}
    fields = {"category": category, "grade": grade, "area": area, "village": village_of(area),
              "place": place, "location": location}
    probe = Hazard(area=area, place=place, location=location)
    after = {"category": category.name, "grade": grade, "place": _place_text(probe)}
    changed = [k for k in labels if before[k] != after[k]]
    if not changed:
        raise ActionError("没有需要更正的内容：填写的与现有信息相同。")
    _bump(hazard, **fields)
    audit.record(hazard, actor=actor, action="hazard.correct", action_label="更正隐患信息",
                 from_state="；".join(f"{labels[k]}：{before[k]}" for k in changed),
                 to_state="；".join(f"{labels[k]}：{after[k]}" for k in changed),
                 reason=reason.strip(), data={"fields": changed})
    if "grade" in changed and grade == Hazard.Grade.MAJOR and hazard.village is not None \
            and hazard.status != HS.CLOSED:
        tell(village_leaders(hazard.village),
             key=f"rectification:hazard:{hazard.pk}:major:{hazard.version}",
             title=f"隐患调整为重大：{hazard.village} {category.name}",
             body=reason.strip()[:200], url=reverse("rectification:hazard_detail",
                                                    args=[hazard.pk]),
             kind="hazard_major", urgent=True, area=hazard.village, at=now)
    return hazard


@transaction.atomic
def withdraw_hazard(hazard, *, actor, reason, at=None):
    """撤销 a hazard registered by mistake: kept and marked, no more reminders, counted
    in no figure and no default list (Hazard.objects.counted)."""
    now = at_or_now(at)
    if not can_regrade_hazard(actor, hazard):
        raise ActionError("只有镇综治中心工作人员可以撤销隐患。")
    if hazard.withdrawn_at:
        raise ActionError("隐患已撤销。")
    if not (reason or "").strip():
        raise ActionError("请写明撤销的原因（将记入办理记录）。")
    _bump(hazard, withdrawn_at=now, withdrawn_reason=reason.strip())
    audit.record(hazard, actor=actor, action="hazard.withdraw", action_label="撤销",
                 from_state=hazard.get_status_display(), to_state="已撤销",
                 reason=reason.strip())
    return hazard
