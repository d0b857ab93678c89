"""Supervision: teams, rounds, visits and their issue lists (列入 → 交办 → 报送 → 复核 → 销号)."""

from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from grids.people import village_of
from pingxiang import audit

from ..models import (
    Centre,
    IssueEvidence,
    IssueItem,
    SupervisionRound,
    SupervisionTeam,
    SupervisionVisit,
    TeamMember,
)
from .common import (
    ActionError,
    at_or_now,
    check_deadline,
    local_date,
    move,
    tell,
    validated,
)

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
                                        "created_at": at_or_now(at)})
    if created:
        audit.record(rnd, actor=actor, action="round.create", action_label="新建督导轮次")
    return rnd


@transaction.atomic
def record_visit(rnd, *, actor, area, date, members, department="", summary="", at=None):
    if date > local_date(at_or_now(at)):
        raise ActionError("督导日期不能晚于今天。")
    visit = SupervisionVisit.objects.create(
        round=rnd, area=area, department=department, date=date, members=members,
        summary=summary, created_by=actor, created_at=at_or_now(at))
    audit.record(visit, actor=actor, action="visit.create", action_label="开展督导检查")
    return visit


@transaction.atomic
def add_issue(visit, *, actor, category, description, requirement="", evidence=(), at=None):
    """Add an item to the visit's issue list (待交办), with evidence (photos, PDF)."""
    evidence = validated(evidence, kinds=("image", "pdf"))
    if not description.strip():
        raise ActionError("请填写问题描述。")
    visit = SupervisionVisit.objects.select_for_update().get(pk=visit.pk)
    number = (visit.items.aggregate(n=Max("number"))["n"] or 0) + 1
    village = village_of(visit.area)
    centre = None
    if category.concerns_centre:
        centre = Centre.objects.filter(area=village or visit.area).first()
    now = at_or_now(at)
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
    now = at_or_now(at)
    check_deadline(deadline, now)
    if not responsible_unit or not responsible_person:
        raise ActionError("请填写责任单位和责任人。")
    fields = dict(responsible_unit=responsible_unit, responsible_person=responsible_person,
                  handler=handler, deadline=deadline, assigned_at=now, assigned_by=actor)
    if requirement is not None:
        fields["requirement"] = requirement
    move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "assign", actor=actor,
          reason=f"{responsible_unit} {responsible_person}，限 {deadline:%Y-%m-%d} 前完成。",
          **fields)
    tell(
        [handler] if handler and handler != actor else [],
        key=f"rectification:issue:{item.pk}:assigned", title=f"督导问题交办：{item.visit.area}",
        body=f"请于 {deadline:%Y-%m-%d} 前整改：{item.description[:100]}",
        url=reverse("rectification:issue_detail", args=[item.pk]), kind="supervision", at=at)
    return item


@transaction.atomic
def report_issue(item, *, actor, report, evidence=(), at=None):
    """The responsible unit reports its rectification (整改情况报告)."""
    evidence = validated(evidence, kinds=("image", "pdf"))
    if not report.strip():
        raise ActionError("请填写整改情况。")
    now = at_or_now(at)
    move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "report", actor=actor, reason=report,
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
    now = at_or_now(at)
    if passed:
        move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "pass", actor=actor, reason=note,
              rechecked_at=now, rechecked_by=actor, recheck_note=note)
    else:
        if not note.strip():
            raise ActionError("复核不通过时请写明原因。")
        move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "fail", actor=actor, reason=note,
              recheck_note=note, failed_rechecks=current.failed_rechecks + 1)
    return item


@transaction.atomic
def close_issue(item, *, actor, at=None):
    current = IssueItem.objects.filter(pk=item.pk).values_list("status", flat=True).first()
    if current != IS.PASSED:
        raise ActionError("未通过复核的问题不能销号。")
    return move(item, ISSUE_TRANSITIONS, ISSUE_ACTION_LABELS, "close", actor=actor,
                 closed_at=at_or_now(at))


@transaction.atomic
def add_issue_evidence(item, *, actor, upload, stage=IssueEvidence.Stage.FOUND, at=None):
    [upload] = validated([upload], kinds=("image", "pdf"))
    evidence = IssueEvidence.objects.create(item=item, stage=stage, file=upload,
                                            content_type=upload.content_type,
                                            original_name=upload.name[:120],
                                            uploaded_by=actor, uploaded_at=at_or_now(at))
    audit.record(item, actor=actor, action="issueitem.evidence", action_label="上传佐证材料",
                 reason=upload.name[:120])
    return evidence
