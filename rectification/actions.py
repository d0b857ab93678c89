"""Every state change of the rectification app. Each action is atomic, checks the transition
against a map, changes status with a conditional UPDATE (the loser of a race gets a clear
Chinese error and nothing changes), writes the audit row and notifies after commit.

`at=` lets seed data and imports record past events; it defaults to now.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from grids.models import Area, KeyPlace
from grids.people import village_leaders, village_of
from pingxiang import audit
from pingxiang.notify import notify
from pingxiang.uploads import validate_upload

from .models import (
    Campaign,
    Centre,
    CentreCheck,
    CentrePhoto,
    ExportJob,
    Hazard,
    HazardPhoto,
    Inspection,
    IssueEvidence,
    IssueItem,
    LegalActivity,
    SupervisionRound,
    SupervisionTeam,
    SupervisionVisit,
    TeamMember,
)


class ActionError(Exception):
    """A refused action; the message is shown to the user as is."""


def _now(at):
    return at or timezone.now()


def _local_date(at):
    return timezone.localdate(at) if isinstance(at, dt.datetime) else at


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

IS = IssueItem.Status
ISSUE_TRANSITIONS = {
    "assign": ({IS.OPEN}, IS.ASSIGNED),
    "report": ({IS.ASSIGNED}, IS.REPORTED),
    "pass": ({IS.REPORTED}, IS.PASSED),
    "fail": ({IS.REPORTED}, IS.ASSIGNED),
    "close": ({IS.PASSED}, IS.CLOSED),
}
ISSUE_ACTION_LABELS = {
    "assign": "交办", "report": "报送整改情况", "pass": "复核通过", "fail": "复核不通过",
    "close": "销号",
}


def allowed(transitions, action, status):
    return status in transitions[action][0]


def _move(obj, transitions, labels, action, *, actor, reason="", data=None, **fields):
    """Conditional status update: acts only if obj is still in an allowed state."""
    model = type(obj)
    sources, target = transitions[action]
    current = model.objects.filter(pk=obj.pk).values_list("status", flat=True).first()
    if current not in sources:
        label = model.Status(current).label if current else "不存在"
        raise ActionError(f"当前状态为“{label}”，不能{labels[action]}。"
                          "可能已被他人处理，请刷新页面后再试。")
    updated = model.objects.filter(pk=obj.pk, status=current).update(status=target, **fields)
    if not updated:
        raise ActionError(f"该事项刚被他人处理，不能{labels[action]}。请刷新页面后再试。")
    obj.refresh_from_db()
    audit.record(obj, actor=actor, action=f"{model._meta.model_name}.{action}",
                 action_label=labels[action], from_state=model.Status(current).label,
                 to_state=model.Status(target).label, reason=reason, data=data)
    return obj


def _check_deadline(deadline, at):
    if deadline is None:
        raise ActionError("请填写整改时限。")
    start = _local_date(_now(at))
    if deadline < start:
        raise ActionError(f"整改时限（{deadline:%Y-%m-%d}）不能早于交办日期"
                          f"（{start:%Y-%m-%d}）。")


def _validated(files, kinds=("image",)):
    """The files as they are to be stored: checked by content, images re-encoded and renamed
    (pingxiang.uploads.validate_upload)."""
    checked = []
    for upload in files or ():
        try:
            checked.append(validate_upload(upload, kinds=kinds))
        except Exception as exc:  # ValidationError carries the Chinese message
            raise ActionError("；".join(getattr(exc, "messages", [str(exc)]))) from exc
    return checked


# Events recorded with an `at=` older than this (backfilled history, e.g. seed data or a
# paper ledger typed in later) go into the audit trail but do not ring anyone's inbox.
BACKFILL_AGE = dt.timedelta(days=3)


def _on_commit_notify(recipients, *, at=None, **kwargs):
    if at is not None and at < timezone.now() - BACKFILL_AGE:
        return
    recipients = [u for u in recipients if u is not None]
    if recipients:
        transaction.on_commit(lambda: notify(recipients, **kwargs))


# --- Campaigns and inspections ---------------------------------------------------------------

@transaction.atomic
def create_campaign(*, actor, name, scope, start_date, end_date=None, focus="", at=None):
    if end_date and end_date < start_date:
        raise ActionError("结束日期不能早于开始日期。")
    campaign, created = Campaign.objects.get_or_create(
        scope=scope, name=name, start_date=start_date,
        defaults={"end_date": end_date, "focus": focus, "created_by": actor,
                  "created_at": _now(at)})
    if created:
        audit.record(campaign, actor=actor, action="campaign.create", action_label="新建专项整治")
    return campaign


@transaction.atomic
def record_inspection(*, actor, date, members, campaign=None, place=None, road_section="",
                      area=None, target=Inspection.Target.ROAD, findings="", at=None):
    """Record one inspection of a key place, or of a road section / area.

    Repeat inspections of the same place in the same campaign are numbered (sequence), so
    "3 schools inspected twice each" is 3 places and 6 inspections."""
    if place is None and not road_section:
        raise ActionError("请选择重点场所，或填写检查的路段/区域。")
    if date > _local_date(_now(at)):
        raise ActionError("检查日期不能晚于今天。")
    if place is not None:
        # Lock the place row so two concurrent inspections get distinct sequence numbers.
        place = KeyPlace.objects.select_for_update().select_related("grid").get(pk=place.pk)
        area = place.grid
        previous = Inspection.objects.filter(place=place, campaign=campaign).count()
        target, sequence = Inspection.Target.PLACE, previous + 1
    else:
        if area is None:
            raise ActionError("请选择路段/区域所在的村(社区)。")
        target, sequence = Inspection.Target(target or Inspection.Target.ROAD), 1
    inspection = Inspection.objects.create(
        campaign=campaign, target=target, place=place,
        place_kind=place.kind if place else "", sequence=sequence,
        road_section=road_section if place is None else "", area=area,
        village=village_of(area), date=date, members=members, findings=findings,
        created_by=actor, created_at=_now(at))
    audit.record(inspection, actor=actor, action="inspection.create", action_label="登记检查",
                 data={"sequence": sequence})
    return inspection


# --- Hazards -----------------------------------------------------------------------------------

@transaction.atomic
def register_hazard(*, actor, source, category, area, description, found_date,
                    grade=Hazard.Grade.GENERAL, place=None, location="", inspection=None,
                    campaign=None, source_ref="", source_visit_id=None, photos=(), at=None):
    """登记. A 重大 hazard notifies the leaders assigned to its village at once."""
    photos = _validated(photos)
    now = _now(at)
    if found_date > _local_date(now):
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
        found_date=found_date, reported_by=actor, created_at=now)
    hazard.number = f"YH{found_date:%Y}{hazard.pk:05d}"
    hazard.save(update_fields=["number"])
    for upload in photos:
        HazardPhoto.objects.create(hazard=hazard, stage=HazardPhoto.Stage.BEFORE, file=upload,
                                   content_type=upload.content_type, uploaded_by=actor,
                                   uploaded_at=now)
    audit.record(hazard, actor=actor, action="hazard.register", action_label="登记隐患",
                 to_state=Hazard.Status.REGISTERED.label,
                 reason=f"{category.name} · {grade}")
    if grade == Hazard.Grade.MAJOR and village is not None:
        _on_commit_notify(
            village_leaders(village), key=f"rectification:hazard:{hazard.pk}:major",
            title=f"重大隐患：{village} {category.name}", body=description[:200],
            url=reverse("rectification:hazard_detail", args=[hazard.pk]), kind="hazard", at=at)
    return hazard


@transaction.atomic
def assign_hazard(hazard, *, actor, responsible_unit, responsible_person, measures, deadline,
                  handler=None, order_no="", at=None):
    """交办: responsible unit and person, measures, deadline (not before today), order no."""
    now = _now(at)
    _check_deadline(deadline, now)
    if not responsible_unit or not responsible_person:
        raise ActionError("请填写责任单位和责任人。")
    order_no = order_no or f"平综交〔{_local_date(now):%Y}〕{hazard.pk}号"
    _move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "assign", actor=actor,
          reason=f"{responsible_unit} {responsible_person}，限 {deadline:%Y-%m-%d} 前完成。{measures}",
          responsible_unit=responsible_unit, responsible_person=responsible_person,
          handler=handler, measures=measures, deadline=deadline, order_no=order_no,
          assigned_at=now, assigned_by=actor)
    _on_commit_notify(
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
    photos = _validated(photos)
    if not note.strip():
        raise ActionError("请填写整改进展。")
    now = _now(at)
    _move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "progress", actor=actor,
          reason=note)
    _add_hazard_photos(hazard, photos, HazardPhoto.Stage.AFTER, actor, now)
    return hazard


@transaction.atomic
def submit_hazard_rectification(hazard, *, actor, note, photos=(), at=None):
    """整改完成, asking for 验收."""
    photos = _validated(photos)
    if not note.strip():
        raise ActionError("请填写整改情况。")
    now = _now(at)
    _move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "submit", actor=actor, reason=note,
          rectification_note=note, rectified_at=now, rectified_by=actor)
    _add_hazard_photos(hazard, photos, HazardPhoto.Stage.AFTER, actor, now)
    _on_commit_notify(
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
    now = _now(at)
    if passed:
        _move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "pass", actor=actor,
              reason=note, verified_at=now, verified_by=actor, verification_note=note)
    else:
        if not note.strip():
            raise ActionError("验收不通过时请写明原因。")
        _move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "fail", actor=actor,
              reason=note, verification_note=note,
              failed_verifications=current.failed_verifications + 1)
        _on_commit_notify(
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
    return _move(hazard, HAZARD_TRANSITIONS, HAZARD_ACTION_LABELS, "close", actor=actor,
                 closed_at=_now(at))


@transaction.atomic
def add_hazard_photo(hazard, *, actor, upload, stage, at=None):
    [upload] = _validated([upload])
    photo = HazardPhoto.objects.create(hazard=hazard, stage=stage, file=upload,
                                       content_type=upload.content_type, uploaded_by=actor,
                                       uploaded_at=_now(at))
    audit.record(hazard, actor=actor, action="hazard.photo",
                 action_label=f"上传{HazardPhoto.Stage(stage).label}照片")
    return photo


# --- Supervision -----------------------------------------------------------------------------

@transaction.atomic
def create_team(*, actor, town, name, members=()):
    """members: iterable of (name, unit, user or None, is_leader)."""
    team, created = SupervisionTeam.objects.get_or_create(town=town, name=name)
    if created:
        audit.record(team, actor=actor, action="team.create", action_label="组建督导组")
    for member_name, unit, user, is_leader in members:
        add_team_member(team, actor=actor, name=member_name, unit=unit, user=user,
                        is_leader=is_leader)
    return team


@transaction.atomic
def add_team_member(team, *, actor, name, unit, user=None, is_leader=False):
    member, created = TeamMember.objects.get_or_create(
        team=team, name=name, defaults={"unit": unit, "user": user, "is_leader": is_leader})
    if created:
        audit.record(team, actor=actor, action="team.member", action_label="增加成员",
                     reason=f"{name}（{unit}）")
    return member


@transaction.atomic
def create_round(team, *, actor, name, start_date, end_date=None, campaign=None, focus="",
                 at=None):
    if end_date and end_date < start_date:
        raise ActionError("结束日期不能早于开始日期。")
    rnd, created = SupervisionRound.objects.get_or_create(
        team=team, name=name, defaults={"start_date": start_date, "end_date": end_date,
                                        "campaign": campaign, "focus": focus,
                                        "created_at": _now(at)})
    if created:
        audit.record(rnd, actor=actor, action="round.create", action_label="新建督导轮次")
    return rnd


@transaction.atomic
def record_visit(rnd, *, actor, area, date, members, department="", summary="", at=None):
    if date > _local_date(_now(at)):
        raise ActionError("督导日期不能晚于今天。")
    visit = SupervisionVisit.objects.create(
        round=rnd, area=area, department=department, date=date, members=members,
        summary=summary, created_by=actor, created_at=_now(at))
    audit.record(visit, actor=actor, action="visit.create", action_label="开展督导检查")
    return visit


@transaction.atomic
def add_issue(visit, *, actor, category, description, requirement="", evidence=(), at=None):
    """Add an item to the visit's issue list (待交办), with evidence (photos, PDF)."""
    evidence = _validated(evidence, kinds=("image", "pdf"))
    if not description.strip():
        raise ActionError("请填写问题描述。")
    visit = SupervisionVisit.objects.select_for_update().get(pk=visit.pk)
    number = (visit.items.aggregate(n=Max("number"))["n"] or 0) + 1
    village = village_of(visit.area)
    centre = None
    if category.concerns_centre:
        centre = Centre.objects.filter(area=village or visit.area).first()
    now = _now(at)
    item = IssueItem.objects.create(
        visit=visit, number=number, area=visit.area, village=village, category=category,
        centre=centre, description=description, requirement=requirement, created_by=actor,
        created_at=now)
    for upload in evidence:
        IssueEvidence.objects.create(item=item, stage=IssueEvidence.Stage.FOUND, file=upload,
                                     content_type=upload.content_type,
                                     original_name=upload.name[:120],
                                     uploaded_by=actor, uploaded_at=now)
    audit.record(item, actor=actor, action="issueitem.create", action_label="列入问题清单",
                 to_state=IS.OPEN.label, reason=description)
    return item


@transaction.atomic
def assign_issue(item, *, actor, responsible_unit, responsible_person, deadline, handler=None,
                 requirement=None, at=None):
    now = _now(at)
    _check_deadline(deadline, now)
    if not responsible_unit or not responsible_person:
        raise ActionError("请填写责任单位和责任人。")
    fields = dict(responsible_unit=responsible_unit, responsible_person=responsible_person,
                  handler=handler, deadline=deadline, assigned_at=now, assigned_by=actor)
    if requirement is not None:
        fields["requirement"] = requirement
    _move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "assign", actor=actor,
          reason=f"{responsible_unit} {responsible_person}，限 {deadline:%Y-%m-%d} 前完成。",
          **fields)
    _on_commit_notify(
        [handler] if handler and handler != actor else [],
        key=f"rectification:issue:{item.pk}:assigned", title=f"督导问题交办：{item.visit.area}",
        body=f"请于 {deadline:%Y-%m-%d} 前整改：{item.description[:100]}",
        url=reverse("rectification:issue_detail", args=[item.pk]), kind="supervision", at=at)
    return item


@transaction.atomic
def report_issue(item, *, actor, report, evidence=(), at=None):
    """The responsible unit reports its rectification (整改情况报告)."""
    evidence = _validated(evidence, kinds=("image", "pdf"))
    if not report.strip():
        raise ActionError("请填写整改情况。")
    now = _now(at)
    _move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "report", actor=actor, reason=report,
          report=report, reported_at=now, reported_by=actor)
    for upload in evidence:
        IssueEvidence.objects.create(item=item, stage=IssueEvidence.Stage.REPORT, file=upload,
                                     content_type=upload.content_type,
                                     original_name=upload.name[:120],
                                     uploaded_by=actor, uploaded_at=now)
    return item


@transaction.atomic
def recheck_issue(item, *, actor, passed, note="", at=None):
    current = IssueItem.objects.select_for_update().get(pk=item.pk)
    if actor is not None and actor.pk in {current.reported_by_id, current.handler_id}:
        raise ActionError("复核人不能是报送整改情况的人本人。")
    now = _now(at)
    if passed:
        _move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "pass", actor=actor, reason=note,
              rechecked_at=now, rechecked_by=actor, recheck_note=note)
    else:
        if not note.strip():
            raise ActionError("复核不通过时请写明原因。")
        _move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "fail", actor=actor, reason=note,
              recheck_note=note, failed_rechecks=current.failed_rechecks + 1)
    return item


@transaction.atomic
def close_issue(item, *, actor, at=None):
    current = IssueItem.objects.filter(pk=item.pk).values_list("status", flat=True).first()
    if current != IS.PASSED:
        raise ActionError("未通过复核的问题不能销号。")
    return _move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "close", actor=actor,
                 closed_at=_now(at))


@transaction.atomic
def add_issue_evidence(item, *, actor, upload, stage=IssueEvidence.Stage.FOUND, at=None):
    [upload] = _validated([upload], kinds=("image", "pdf"))
    evidence = IssueEvidence.objects.create(item=item, stage=stage, file=upload,
                                            content_type=upload.content_type,
                                            original_name=upload.name[:120],
                                            uploaded_by=actor, uploaded_at=_now(at))
    audit.record(item, actor=actor, action="issueitem.evidence", action_label="上传佐证材料",
                 reason=upload.name[:120])
    return evidence


# --- Centres ---------------------------------------------------------------------------------------

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
    now = _now(at)
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
    if upgraded_on and upgraded_on > _local_date(_now(at)):
        raise ActionError("完成提升日期不能晚于今天。")
    current = Centre.objects.select_for_update().get(pk=centre.pk)
    if current.upgrade_status == status and current.upgraded_on == upgraded_on:
        return centre
    Centre.objects.filter(pk=centre.pk).update(
        upgrade_status=status, updated_at=_now(at),
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
        is_demonstration=flag, demonstration_on=(on or _local_date(_now(at))) if flag else None,
        updated_at=_now(at))
    audit.record(centre, actor=actor, action="centre.demonstration",
                 action_label="评为示范综治中心" if flag else "取消示范",
                 to_state="示范" if flag else "非示范")
    centre.refresh_from_db()
    return centre


@transaction.atomic
def add_centre_photo(centre, *, actor, upload, caption="", at=None):
    [upload] = _validated([upload])
    photo = CentrePhoto.objects.create(centre=centre, file=upload,
                                       content_type=upload.content_type,
                                       caption=caption, uploaded_by=actor, uploaded_at=_now(at))
    audit.record(centre, actor=actor, action="centre.photo", action_label="上传照片",
                 reason=caption)
    return photo


# --- Legal-awareness activities -----------------------------------------------------------------

@transaction.atomic
def record_legal_activity(*, actor, area, date, form, title, campaign=None, materials=0,
                          people_reached=0, organiser="", note="", at=None):
    if date > _local_date(_now(at)):
        raise ActionError("活动日期不能晚于今天。")
    activity = LegalActivity.objects.create(
        area=area, village=village_of(area), date=date, form=form, title=title,
        campaign=campaign, materials=materials, people_reached=people_reached,
        organiser=organiser, note=note, created_by=actor, created_at=_now(at))
    audit.record(activity, actor=actor, action="legal.create", action_label="登记普法宣传")
    return activity


# --- Exports ---------------------------------------------------------------------------------------

@transaction.atomic
def start_export(kind, *, actor, filters, total):
    """Queue a background export; the task is sent only after this transaction commits."""
    from pingxiang.tasks import send_on_commit

    from .tasks import run_export

    job = ExportJob.objects.create(kind=kind, requested_by=actor, filters=filters, total=total)
    send_on_commit(run_export, job.pk)  # Redis down: the job stays queued; the sweep re-sends
    return job
