"""Every change to a petition. Each action is atomic, checks the transition (TRANSITIONS)
and who acts, changes the row with a conditional UPDATE (a second user who got there
first gets a clear Chinese error and nothing changes), writes the audit row and sends
notifications after commit. `at=` lets seeds and imports record past events."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.actions import CaseActionError
from grids.access import area_paths, has_role
from grids.idcard import validate_id_number
from grids.models import Area
from grids.people import centre_staff, grid_workers, town_of, village_cadres, village_of
from grids.residents import find_or_create_resident, find_or_create_residents
from petitions.access import can_handle, can_register, registrable_paths
from petitions.models import (
    SATISFIED_VALUES,
    Attachment,
    CoPetitioner,
    Petition,
    Rating,
    ReceptionDay,
    Satisfaction,
    TimeLimit,
)
from pingxiang import audit
from pingxiang.bulk import copy_insert, reserve_ids
from pingxiang.deadlines import deadline_text
from pingxiang.masks import mask_id_number, mask_phone
from pingxiang.models import AuditEvent
from pingxiang.notify import notify
from pingxiang.people import display_name
from pingxiang.roles import Role
from pingxiang.uploads import validate_upload

S = Petition.Status
C = Petition.Clock

# action -> (statuses it may start from, status it leads to; None = unchanged)
TRANSITIONS = {
    "accept": ({S.REGISTERED}, S.ACCEPTED),
    "decline": ({S.REGISTERED}, S.NOT_ACCEPTED),
    "transfer": ({S.REGISTERED}, S.TRANSFERRED),
    "extend": ({S.ACCEPTED}, None),
    "close": ({S.ACCEPTED}, S.CLOSED),
    "request_review": ({S.CLOSED}, S.REVIEW),
    "answer_review": ({S.REVIEW}, S.REVIEWED),
    "request_recheck": ({S.REVIEWED}, S.RECHECK),
    "answer_recheck": ({S.RECHECK}, S.FINAL),
    "rate": ({S.CLOSED, S.REVIEWED, S.FINAL}, None),
}


class PetitionError(ValueError):
    """A refused action; the message is shown to the user as is."""


def limit(code):
    row = TimeLimit.objects.filter(code=code).first()
    if row is None:
        raise PetitionError(f"未设置“{TimeLimit.Code(code).label}”时限，请管理员在后台补充。")
    return row


def deadline_after(start, days):
    """Calendar days: the end (23:59:59 local) of the day `days` days after start's day.
    Received 2026-03-01 with 15 days → due 2026-03-16 23:59:59."""
    local = timezone.localtime(start).date() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(local, dt.time(23, 59, 59)))


def _clock(clock, due, remind_days):
    return {
        "clock": clock, "due_at": due,
        "remind_at": due - dt.timedelta(days=remind_days) if due and remind_days else due,
        "reminded_clock": "", "overdue_clock": "",
    }


_NO_CLOCK = {"clock": "", "due_at": None, "remind_at": None}


def _allowed(petition, action, label):
    """Refuse early (before any computation) when the status does not allow the action."""
    if petition.status not in TRANSITIONS[action][0]:
        raise PetitionError(f"信访件当前状态为“{S(petition.status).label}”，不能{label}。")


def _check_actor(actor, petition):
    if not can_handle(actor, petition):
        raise PetitionError("这不是您负责的信访件，不能办理。")


def _check_at(petition, at, after=None, what="该操作"):
    earliest = after or petition.received_at
    if at < earliest - dt.timedelta(minutes=1):
        raise PetitionError(f"{what}时间不能早于{timezone.localtime(earliest):%Y-%m-%d %H:%M}。")
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise PetitionError(f"{what}时间不能晚于现在。")


def _move(petition, action, *, actor, label, at=None, reason="", data=None,
          extra_filter=None, **fields):
    """The conditional update every transition goes through."""
    sources, target = TRANSITIONS[action]
    if petition.withdrawn_at:
        raise PetitionError(f"信访件已撤销，不能{label}。")
    if petition.status not in sources:
        raise PetitionError(
            f"信访件当前状态为“{S(petition.status).label}”，不能{label}。")
    if target is not None:
        fields["status"] = target
    updated = Petition.objects.filter(pk=petition.pk, status=petition.status,
                                      withdrawn_at__isnull=True,
                                      **(extra_filter or {})).update(**fields)
    if not updated:
        current = Petition.objects.filter(pk=petition.pk).values_list("status", flat=True).first()
        raise PetitionError(
            f"信访件已被他人处理（当前状态：“{S(current).label if current else '已删除'}”），"
            f"未{label}，请刷新后查看。")
    old = petition.status
    for name, value in fields.items():
        setattr(petition, name, value)
    _audit(petition, at=at, actor=actor, action=f"petition.{action}", action_label=label,
           from_state=S(old).label, to_state=S(petition.status).label, reason=reason,
           data=data)
    return petition


def _people_for(petition):
    """Who is told about deadlines: the town's centre staff and the leader in charge."""
    people = centre_staff(petition.town)
    if petition.leader_id:
        people.append(petition.leader)
    return people


def _url(petition):
    return f"/petitions/{petition.pk}/"


def _final_predecessor(petition):
    """The earlier petition on the same matter that has been through 复核, if any."""
    seen = set()
    current = petition.repeat_of
    while current is not None and current.pk not in seen:
        if current.status == S.FINAL:
            return current
        seen.add(current.pk)
        current = current.repeat_of
    return None


def same_matter_chain(petition):
    """Earlier petitions on the same matter, newest first."""
    out, seen, current = [], set(), petition.repeat_of
    while current is not None and current.pk not in seen:
        out.append(current)
        seen.add(current.pk)
        current = current.repeat_of
    return out


@transaction.atomic
def register_petition(*, actor, channel, area, received_at, petitioner, title, content,
                      category, order_type="", channel_ref="", co_petitioners=(),
                      headcount=None, repeat_of=None, reception=None, attachments=(),
                      at=None):
    """登记. `petitioner` and each of `co_petitioners` is a dict name/id_number/phone;
    the resident is found or created by ID number (一人一档). Starts the 15-day clock.
    A same-matter petition after 复核 is registered and at once not accepted (条例第36条)."""
    at = at or timezone.now()
    channel = Petition.Channel(channel)
    if not can_register(actor) or not any(area.path.startswith(p)
                                          for p in registrable_paths(actor)):
        raise PetitionError("只有本镇综治中心工作人员可以登记信访件。")
    if channel == Petition.Channel.LIVELIHOOD and not order_type:
        raise PetitionError("民生信息平台工单须选择工单类型（求助、咨询、建议、投诉）。")
    if channel != Petition.Channel.LIVELIHOOD:
        order_type = ""
    if received_at > at + dt.timedelta(minutes=5):
        raise PetitionError("收到时间不能晚于现在。")
    village = village_of(area)
    if village is None:
        raise PetitionError("请选择信访事项所在的村(社区)或网格。")
    town = town_of(area)
    if reception is not None:
        if reception.town_id != town.pk:
            raise PetitionError("所选公开接访日不属于本镇。")
        if timezone.localtime(received_at).date() != reception.date:
            raise PetitionError(f"公开接访日为{reception.date:%Y-%m-%d}，收到时间应为当天。")
    main = find_or_create_resident(actor=actor, area=area, **petitioner).resident
    others = []
    for person in co_petitioners:
        resident = find_or_create_resident(actor=actor, area=area, **person).resident
        if resident.pk != main.pk and resident not in others:
            others.append(resident)
    earlier = (Petition.objects.filter(petitioner=main).exists()
               or CoPetitioner.objects.filter(resident=main).exists())
    decide = limit(TimeLimit.Code.DECIDE)
    due = deadline_after(received_at, decide.days)
    try:
        with transaction.atomic():
            petition = Petition.objects.create(
                channel=channel, order_type=order_type, channel_ref=channel_ref.strip(),
                area=area, village=village, town=town, received_at=received_at,
                petitioner=main, headcount=max(headcount or 0, 1 + len(others)),
                title=title, content=content, category=category, repeat_of=repeat_of,
                is_repeat_petitioner=earlier, registered_by=actor, reception=reception,
                decide_due_at=due, created_at=at, **_clock(C.DECIDE, due,
                                                            decide.remind_days_before),
            )
    except IntegrityError as exc:
        raise PetitionError(
            f"{channel.label}编号“{channel_ref}”已经登记过，请勿重复登记。") from exc
    petition.number = f"XF{timezone.localtime(received_at):%Y}-{petition.pk:05d}"
    Petition.objects.filter(pk=petition.pk).update(number=petition.number)
    CoPetitioner.objects.bulk_create(
        [CoPetitioner(petition=petition, resident=r) for r in others])
    for upload in attachments:
        _store_attachment(petition, upload, actor, at)
    _audit(petition, at=at, actor=actor, action="petition.register", action_label="登记",
                 to_state=S.REGISTERED.label,
                 data={"channel": channel.label, "order_type": order_type,
                       "channel_ref": channel_ref})
    final = _final_predecessor(petition) if repeat_of else None
    if final is not None:
        _move(petition, "decline", actor=actor, at=at, label="不予受理",
              reason=f"同一事项已于{timezone.localtime(final.recheck_answered_at):%Y-%m-%d}"
                     f"复核终结（{final.number}），依照《信访工作条例》第三十六条不再受理。",
              decided_at=at, decided_by=actor, **_NO_CLOCK,
              decision_reason=f"同一事项已复核终结（{final.number}），不再受理。")
    _tell_area(petition)
    return petition


def _audit(obj, *, at=None, **kwargs):
    """pingxiang.audit.record at the action's own time (seeded history keeps its dates)."""
    return audit.record(obj, at=at, **kwargs)


def _store_attachment(petition, upload, actor, at):
    try:
        upload = validate_upload(upload)  # re-encoded if an image, named by its content
    except ValidationError as exc:
        raise PetitionError(exc.messages[0]) from exc
    return Attachment.objects.create(
        petition=petition, file=upload, name=upload.name[:200],
        content_type=upload.content_type, uploaded_by=actor, uploaded_at=at)


def _tell_area(petition):
    """Grid workers and cadres learn that a petition exists in their area (no details); only
    those who may know it exists (a village's petition is not a grid worker's of that village)."""
    village = petition.village
    recipients = [user for user in grid_workers(petition.area) + village_cadres(village)
                  if Petition.objects.visible_to(user).filter(pk=petition.pk).exists()]
    channel = Petition.Channel(petition.channel).label
    notify(recipients, key=f"petition:{petition.pk}:area", kind="petition",
           title=f"{village}新登记一件信访（{channel}）", url=_url(petition),
           body="信访内容由镇综治中心办理，如需配合将另行通知。")


@transaction.atomic
def add_attachments(petition, *, actor, files, at=None):
    _check_actor(actor, petition)
    at = at or timezone.now()
    stored = [_store_attachment(petition, f, actor, at) for f in files]
    _audit(petition, at=at, actor=actor, action="petition.attach", action_label="上传附件",
                 data={"files": [a.name for a in stored]})
    return stored


@transaction.atomic
def accept_petition(petition, *, actor, note="", at=None):
    """受理: starts the 60-day handling clock."""
    _check_actor(actor, petition)
    final = _final_predecessor(petition)
    if final is not None:
        raise PetitionError(f"同一事项已经复核终结（{final.number}），依照《信访工作条例》"
                            "第三十六条不再受理。")
    _allowed(petition, "accept", "受理")
    at = at or timezone.now()
    _check_at(petition, at, what="受理")
    handle = limit(TimeLimit.Code.HANDLE)
    due = deadline_after(at, handle.days)
    _move(petition, "accept", actor=actor, at=at, label="受理", reason=note,
          accepted_at=at, decided_at=at, decided_by=actor, handle_due_at=due,
          **_clock(C.HANDLE, due, handle.remind_days_before))
    if petition.leader_id:
        notify([petition.leader], key=f"petition:{petition.pk}:accepted", kind="petition",
               title=f"包案信访件{petition.number}已受理，{deadline_text(due)}前办结",
               url=_url(petition))
    return petition


@transaction.atomic
def decline_petition(petition, *, actor, reason, at=None):
    """不予受理 (with the reason the petitioner is told)."""
    _check_actor(actor, petition)
    _allowed(petition, "decline", "不予受理")
    if not (reason or "").strip():
        raise PetitionError("不予受理须写明理由。")
    at = at or timezone.now()
    _check_at(petition, at, what="不予受理")
    return _move(petition, "decline", actor=actor, at=at, label="不予受理", reason=reason,
                 decided_at=at, decided_by=actor, decision_reason=reason, **_NO_CLOCK)


@transaction.atomic
def transfer_petition(petition, *, actor, to_body, reason="", at=None):
    """转送 to the body with authority over the matter."""
    _check_actor(actor, petition)
    _allowed(petition, "transfer", "转送")
    if not (to_body or "").strip():
        raise PetitionError("请填写转送的机关、单位。")
    at = at or timezone.now()
    _check_at(petition, at, what="转送")
    return _move(petition, "transfer", actor=actor, at=at, label="转送", reason=reason,
                 decided_at=at, decided_by=actor, transferred_to=to_body,
                 decision_reason=reason, data={"to": to_body}, **_NO_CLOCK)


@transaction.atomic
def extend_petition(petition, *, actor, days, reason, approver, notice_method,
                    notified_at=None, at=None):
    """延期: once, by at most TimeLimit 'extend' days, with a reason, approved by a leader,
    and the petitioner told (how and when)."""
    _check_actor(actor, petition)
    _allowed(petition, "extend", "延期")
    at = at or timezone.now()
    maximum = limit(TimeLimit.Code.EXTEND).days
    if petition.extended_at is not None:
        raise PetitionError("该信访件已经延期过一次，不能再次延期。")
    if not isinstance(days, int) or days < 1 or days > maximum:
        raise PetitionError(f"延期天数应为1至{maximum}日。")
    if not (reason or "").strip():
        raise PetitionError("延期须写明理由。")
    if approver is None or not has_role(approver, Role.LEADER):
        raise PetitionError("延期须经本机关负责人（领导）批准，请选择批准人。")
    if not notice_method:
        raise PetitionError("延期须告知信访人，请选择告知方式。")
    if petition.status == S.ACCEPTED and petition.handle_due_at and at > petition.handle_due_at:
        raise PetitionError("办理期限已过，不能再延期。")
    notified_at = notified_at or at
    due = petition.handle_due_at + dt.timedelta(days=days)
    handle = limit(TimeLimit.Code.HANDLE)
    _move(petition, "extend", actor=actor, at=at, label=f"延期{days}日", reason=reason,
          extra_filter={"extended_at__isnull": True},
          data={"approver": approver.get_full_name() or approver.username,
                "notice_method": notice_method, "new_due": f"{due:%Y-%m-%d}"},
          extended_at=at, extension_days=days, extension_reason=reason,
          extension_approver=approver, extension_notified_at=notified_at,
          extension_notice_method=notice_method, handle_due_at=due,
          **_clock(C.HANDLE, due, handle.remind_days_before))
    return petition


@transaction.atomic
def close_petition(petition, *, actor, reply, at=None):
    """办结 with the written reply (处理意见书); opens the 复查 window."""
    _check_actor(actor, petition)
    _allowed(petition, "close", "办结")
    if not (reply or "").strip():
        raise PetitionError("办结须填写处理意见（将打印为处理意见书）。")
    at = at or timezone.now()
    _check_at(petition, at, after=petition.accepted_at, what="办结")
    until = deadline_after(at, limit(TimeLimit.Code.REVIEW_REQUEST).days)
    return _move(petition, "close", actor=actor, at=at, label="办结", reason=reply,
                 closed_at=at, closed_on_time=at <= petition.handle_due_at, reply=reply,
                 reply_by=actor, review_request_until=until, **_NO_CLOCK)


@transaction.atomic
def rate_petition(petition, *, actor, handling, result, method, note="", at=None):
    """满意度: handling and result separately; 不满意 needs a note (and 复查 is offered)."""
    _check_actor(actor, petition)
    if petition.closed_at is None:
        raise PetitionError("信访件尚未办结，不能评价满意度。")
    _allowed(petition, "rate", "评价满意度")
    at = at or timezone.now()
    handling, result = Satisfaction(handling), Satisfaction(result)
    method = Rating.Method(method)
    if Satisfaction.UNSATISFIED in (handling, result) and not (note or "").strip():
        raise PetitionError("评价为“不满意”时须记录信访人的意见。")
    _check_at(petition, at, after=petition.closed_at, what="评价")
    _move(petition, "rate", actor=actor, at=at, label="满意度评价", reason=note,
          data={"handling": handling, "result": result, "method": method},
          rating_handling=handling, rating_result=result, rated_at=at)
    return Rating.objects.create(petition=petition, handling=handling, result=result,
                                 method=method, note=note, recorded_by=actor, recorded_at=at)


def is_double_satisfied(petition):
    return (petition.rating_handling in SATISFIED_VALUES
            and petition.rating_result in SATISFIED_VALUES)


@transaction.atomic
def request_review(petition, *, actor, reason, at=None):
    """复查: within 30 days of the reply; answered within 30 days."""
    _check_actor(actor, petition)
    _allowed(petition, "request_review", "申请复查")
    at = at or timezone.now()
    if petition.status == S.CLOSED and at > petition.review_request_until:
        raise PetitionError(
            f"已超过申请复查期限（{timezone.localtime(petition.review_request_until):%Y-%m-%d}"
            "前），不能再申请复查。")
    if not (reason or "").strip():
        raise PetitionError("请填写申请复查的理由。")
    answer = limit(TimeLimit.Code.REVIEW_ANSWER)
    due = deadline_after(at, answer.days)
    return _move(petition, "request_review", actor=actor, at=at, label="申请复查", reason=reason,
                 review_requested_at=at, review_reason=reason, review_due_at=due,
                 **_clock(C.REVIEW, due, answer.remind_days_before))


@transaction.atomic
def answer_review(petition, *, actor, opinion, at=None):
    _check_actor(actor, petition)
    _allowed(petition, "answer_review", "复查答复")
    if not (opinion or "").strip():
        raise PetitionError("请填写复查意见。")
    at = at or timezone.now()
    _check_at(petition, at, after=petition.review_requested_at, what="复查答复")
    until = deadline_after(at, limit(TimeLimit.Code.RECHECK_REQUEST).days)
    return _move(petition, "answer_review", actor=actor, at=at, label="复查答复", reason=opinion,
                 review_answered_at=at, review_opinion=opinion,
                 recheck_request_until=until, **_NO_CLOCK)


@transaction.atomic
def request_recheck(petition, *, actor, reason, at=None):
    """复核: within 30 days of the 复查 opinion; answered within 30 days."""
    _check_actor(actor, petition)
    _allowed(petition, "request_recheck", "申请复核")
    at = at or timezone.now()
    if petition.status == S.REVIEWED and at > petition.recheck_request_until:
        raise PetitionError(
            f"已超过申请复核期限（{timezone.localtime(petition.recheck_request_until):%Y-%m-%d}"
            "前），不能再申请复核。")
    if not (reason or "").strip():
        raise PetitionError("请填写申请复核的理由。")
    answer = limit(TimeLimit.Code.RECHECK_ANSWER)
    due = deadline_after(at, answer.days)
    return _move(petition, "request_recheck", actor=actor, at=at, label="申请复核", reason=reason,
                 recheck_requested_at=at, recheck_reason=reason, recheck_due_at=due,
                 **_clock(C.RECHECK, due, answer.remind_days_before))


@transaction.atomic
def answer_recheck(petition, *, actor, opinion, at=None):
    """复核意见: the matter is final; the same matter is not accepted again."""
    _check_actor(actor, petition)
    _allowed(petition, "answer_recheck", "复核答复")
    if not (opinion or "").strip():
        raise PetitionError("请填写复核意见。")
    at = at or timezone.now()
    _check_at(petition, at, after=petition.recheck_requested_at, what="复核答复")
    return _move(petition, "answer_recheck", actor=actor, at=at, label="复核答复（终结）",
                 reason=opinion, recheck_answered_at=at, recheck_opinion=opinion, **_NO_CLOCK)


@transaction.atomic
def assign_leader(petition, *, actor, leader, at=None):
    """领导包案: a leader of the petition's town takes charge (centre staff assign one,
    or a leader takes it on themselves)."""
    at = at or timezone.now()
    if leader is None or not _leads_area(leader, petition.area):
        raise PetitionError("包案领导须是本镇的领导。")
    if not (can_handle(actor, petition) or actor.pk == leader.pk):
        raise PetitionError("这不是您负责的信访件，不能指定包案领导。")
    if petition.leader_id == leader.pk:
        raise PetitionError(f"{leader.get_full_name() or leader.username}已经是包案领导。")
    updated = Petition.objects.filter(pk=petition.pk, leader_id=petition.leader_id).update(
        leader=leader, leader_assigned_at=at)
    if not updated:
        raise PetitionError("包案领导已被他人更改，请刷新后查看。")
    previous = petition.leader
    petition.leader, petition.leader_assigned_at = leader, at
    name = display_name(leader)
    _audit(petition, at=at, actor=actor, action="petition.assign_leader",
                 action_label="领导包案", reason=f"包案领导：{name}",
                 data={"leader": leader.pk, "previous": previous.pk if previous else None})
    notify([leader], key=f"petition:{petition.pk}:leader:{leader.pk}", kind="petition",
           title=f"您包案信访件{petition.number}", url=_url(petition))
    return petition


def _leads_area(user, area):
    return any(area.path.startswith(p) for p in area_paths(user, roles=[Role.LEADER]))


def case_new_url(petition):
    """The cases app's intake form, prefilled (访调对接). A plain string: the cases URL
    name does not exist in this branch."""
    params = [("source", "petition"), ("petition", petition.pk),
              ("area", petition.village_id),
              ("description", f"{petition.number} {petition.title}：{petition.content}"[:500])]
    params += [("party", petition.petitioner_id)]
    params += [("party", link.resident_id) for link in petition.co_petitioner_links.all()]
    return "/cases/new/?" + urlencode(params)


@transaction.atomic
def transfer_to_case(petition, *, actor, at=None):
    """访调对接: record that the petition is being turned into a dispute case. The
    petition keeps its own status and clock: closing one never closes the other."""
    _check_actor(actor, petition)
    at = at or timezone.now()
    if petition.dispute_case_id or petition.dispute_case_ref:
        raise PetitionError(f"已转为矛盾纠纷案件{petition.dispute_case_ref}，请勿重复转办。")
    Petition.objects.filter(pk=petition.pk).update(transferred_to_case_at=at)
    petition.transferred_to_case_at = at
    _audit(petition, at=at, actor=actor, action="petition.to_case",
                 action_label="访调对接：转矛盾纠纷调处", data={"at": at.isoformat()})
    return case_new_url(petition)


@transaction.atomic
def link_case_from_petition(petition_id, case, *, actor):
    """访调对接, called inside cases' register_case: the petition records the case it became,
    so both pages show the link. Closing one never closes the other."""
    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None:
        raise CaseActionError("关联的信访件不存在。")
    try:
        link_dispute_case(petition, actor=actor, case_id=case.pk, case_ref=case.number)
    except PetitionError as exc:
        raise CaseActionError(str(exc)) from None


def link_dispute_case(petition, *, actor, case_id, case_ref):
    """Called by the cases app once the case exists: both records show the link."""
    updated = Petition.objects.filter(pk=petition.pk, dispute_case_id__isnull=True).update(
        dispute_case_id=case_id, dispute_case_ref=case_ref,
        transferred_to_case_at=petition.transferred_to_case_at or timezone.now())
    if not updated:
        raise PetitionError("该信访件已关联矛盾纠纷案件。")
    petition.dispute_case_id, petition.dispute_case_ref = case_id, case_ref
    _audit(petition, actor=actor, action="petition.link_case",
                 action_label="关联矛盾纠纷案件", reason=case_ref, data={"case_id": case_id})
    return petition


@transaction.atomic
def schedule_reception(*, actor, town, leader, date, place, time_range="09:00-12:00",
                       topic=""):
    """公开接访: put a leader's public reception day on the schedule (idempotent per
    leader and day)."""
    if not has_role(actor, Role.CENTRE_STAFF, Role.LEADER):
        raise PetitionError("只有综治中心工作人员或领导可以安排公开接访。")
    if town.kind != Area.Kind.TOWN or not _leads_area(leader, town):
        raise PetitionError("接访领导须是本镇的领导。")
    day, created = ReceptionDay.objects.get_or_create(
        town=town, leader=leader, date=date,
        defaults={"place": place, "time_range": time_range, "topic": topic,
                  "created_by": actor})
    if created:
        _audit(day, actor=actor, action="reception.schedule", action_label="安排公开接访",
                     reason=f"{date:%Y-%m-%d} {place}")
    return day


def remind_overdue_people(petition):
    return _people_for(petition)


@transaction.atomic
def import_work_orders(*, actor, orders, channel=Petition.Channel.LIVELIHOOD):
    """Bulk-load work orders already handled on the 民生信息平台 (or another channel):
    each dict has channel_ref, order_type, area, received_at, title, content, category,
    petitioner (name/id_number/phone), and optionally accepted_at, closed_at + reply,
    rating (handling, result, method, at). The same rules as the one-by-one actions
    (order of times, time limits from TimeLimit, on-time flag, audit rows with their own
    times), in a handful of queries. Orders whose reference is already there are skipped.
    Returns the new petitions."""


    if not can_register(actor):
        raise PetitionError("只有本镇综治中心工作人员可以登记信访件。")
    refs = [o["channel_ref"] for o in orders]
    done = set(Petition.objects.filter(channel=channel, channel_ref__in=refs)
               .values_list("channel_ref", flat=True))
    orders = [o for o in orders if o["channel_ref"] not in done]
    if not orders:
        return []
    days = {row.code: row.days for row in TimeLimit.objects.all()}
    # 一人一档 through the one resident lookup by ID number, for all the orders at once.
    # (find_or_create_residents: the people on file read in one query, the new ones
    # created in batches; one by one, 10,000 new petitioners were 50,000 round trips.)
    people = find_or_create_residents([{**o["petitioner"], "area": o["area"]}
                                       for o in orders], actor=actor)
    places = {}
    petitions = []
    for o in orders:
        area = o["area"]
        if area.pk not in places:
            places[area.pk] = (village_of(area), town_of(area))
        village, town = places[area.pk]
        received, accepted, closed = o["received_at"], o.get("accepted_at"), o.get("closed_at")
        if (accepted and accepted < received) or (closed and (not accepted or closed < accepted)):
            raise PetitionError(f"工单{o['channel_ref']}的收到、受理、办结时间顺序不对。")
        handle_due = deadline_after(accepted, days["handle"]) if accepted else None
        rating = o.get("rating")
        status = S.CLOSED if closed else (S.ACCEPTED if accepted else S.REGISTERED)
        clock = {} if closed else (
            _clock(C.HANDLE, handle_due, 0) if accepted else
            _clock(C.DECIDE, deadline_after(received, days["decide"]), 0))
        petitions.append(Petition(
            channel=channel, order_type=o.get("order_type", ""), channel_ref=o["channel_ref"],
            area=area, village=village, town=town, received_at=received,
            petitioner=people[validate_id_number(o["petitioner"]["id_number"])],
            title=o["title"], content=o["content"], category=o["category"],
            registered_by=actor, created_at=received, status=status,
            decide_due_at=deadline_after(received, days["decide"]),
            decided_at=accepted, decided_by=actor if accepted else None, accepted_at=accepted,
            handle_due_at=handle_due, closed_at=closed,
            closed_on_time=(closed <= handle_due) if closed else None,
            reply=o.get("reply", "") if closed else "", reply_by=actor if closed else None,
            review_request_until=deadline_after(closed, days["review_request"]) if closed
            else None,
            rating_handling=rating[0] if rating else "", rating_result=rating[1] if rating else "",
            rated_at=rating[3] if rating else None, **clock))
    # The numbers register_petition gives (XF2026-00042) are made of the id: the ids are
    # taken from the table's sequence first, so each row is inserted with its number (an
    # UPDATE afterwards rewrote every row and its 28 index entries).
    for p, pk in zip(petitions, reserve_ids(Petition, len(petitions)), strict=True):
        p.pk = pk
        p.number = f"XF{timezone.localtime(p.received_at):%Y}-{pk:05d}"
    copy_insert(petitions)
    copy_insert([
        Rating(petition=p, handling=o["rating"][0], result=o["rating"][1],
               method=o["rating"][2], recorded_by=actor, recorded_at=o["rating"][3])
        for p, o in zip(petitions, orders, strict=True) if o.get("rating")])
    ct_p = ContentType.objects.get_for_model(Petition)
    name = audit.actor_name(actor)

    def event(obj, ct, at, action, label, to_state="", from_state="", reason=""):
        return AuditEvent(at=at, actor=actor, actor_name=name, action=action,
                          action_label=label, content_type=ct, object_id=str(obj.pk),
                          object_repr=str(obj)[:200], from_state=from_state,
                          to_state=to_state, reason=reason, data={"import": True})

    events = []
    for p, o in zip(petitions, orders, strict=True):
        events.append(event(p, ct_p, p.received_at, "petition.register", "登记（批量导入）",
                            to_state=S.REGISTERED.label))
        if p.accepted_at:
            events.append(event(p, ct_p, p.accepted_at, "petition.accept", "受理",
                                S.ACCEPTED.label, S.REGISTERED.label))
        if p.closed_at:
            events.append(event(p, ct_p, p.closed_at, "petition.close", "办结",
                                S.CLOSED.label, S.ACCEPTED.label, p.reply))
        if o.get("rating"):
            events.append(event(p, ct_p, p.rated_at, "petition.rate", "满意度评价",
                                S.CLOSED.label, S.CLOSED.label))
    copy_insert(events)
    return petitions


# --- Corrections and withdrawal (issue 19) -------------------------------------------------------
def may_correct(user, petition):
    """Corrections and withdrawal: the centre staff over the petition (who alone may read
    who filed it); a leader in charge handles it but does not rewrite what was registered."""
    return any(petition.area.path.startswith(p)
               for p in area_paths(user, roles=[Role.CENTRE_STAFF]))


def _check_corrector(actor, petition):
    if not may_correct(actor, petition):
        raise PetitionError("只有本镇综治中心工作人员可以更正或撤销信访件。")


def _bump(petition, **fields):
    """Apply `fields` if the petition is still the version the actor saw."""
    updated = Petition.objects.filter(pk=petition.pk, version=petition.version).update(
        version=F("version") + 1, **fields)
    if updated != 1:
        raise PetitionChanged(f"信访件 {petition.number} 刚刚已被他人更正，您的更正未保存，"
                              "请查看最新内容后再更正。")
    for name, value in fields.items():
        setattr(petition, name, value)
    petition.version += 1


class PetitionChanged(PetitionError):
    """Someone else corrected the petition first."""


def _person(resident):
    """A petitioner as the trail names them: name and masked numbers, never the full ID."""
    parts = [resident.name]
    if resident.id_number:
        parts.append(mask_id_number(resident.id_number))
    if resident.phone:
        parts.append(mask_phone(resident.phone))
    return " ".join(parts)


@transaction.atomic
def correct_petition(petition, *, actor, reason, channel, category, order_type="",
                     petitioner=None, at=None):
    """更正 the channel, category and the petitioner (a dict name/id_number/phone: the
    person found or created by ID number, 一人一档; their own record is not rewritten)."""
    at = at or timezone.now()
    _check_corrector(actor, petition)
    if petition.withdrawn_at:
        raise PetitionError("信访件已撤销，不能更正。")
    if not (reason or "").strip():
        raise PetitionError("请写明更正的原因（将记入办理记录）。")
    channel = Petition.Channel(channel)
    if channel == Petition.Channel.LIVELIHOOD and not order_type:
        raise PetitionError("民生信息平台工单须选择工单类型（求助、咨询、建议、投诉）。")
    if channel != Petition.Channel.LIVELIHOOD:
        order_type = ""
    labels = {"channel": "来源渠道", "order_type": "工单类型", "category": "类别",
              "petitioner": "信访人"}
    before = {"channel": petition.get_channel_display(), "order_type": petition.order_type,
              "category": str(petition.category), "petitioner": _person(petition.petitioner)}
    fields = {"channel": channel, "order_type": order_type, "category": category}
    after = {"channel": channel.label, "order_type": order_type, "category": str(category),
             "petitioner": before["petitioner"]}
    if petitioner and petitioner.get("name"):
        try:
            resident = find_or_create_resident(actor=actor, area=petition.area,
                                               **petitioner).resident
        except ValidationError as exc:
            raise PetitionError(f"信访人：{exc.messages[0]}") from exc
        if resident.pk != petition.petitioner_id:
            fields["petitioner"] = resident
            after["petitioner"] = _person(resident)
    changed = [k for k in labels if before[k] != after[k]]
    if not changed:
        raise PetitionError("没有需要更正的内容：填写的与现有信息相同。")
    try:
        with transaction.atomic():
            _bump(petition, **fields)
    except IntegrityError as exc:
        raise PetitionError(f"{channel.label}编号“{petition.channel_ref}”已有登记，"
                            "不能改为该渠道。") from exc
    _audit(petition, at=at, actor=actor, action="petition.correct", action_label="更正",
           from_state="；".join(f"{labels[k]}：{before[k] or '—'}" for k in changed),
           to_state="；".join(f"{labels[k]}：{after[k] or '—'}" for k in changed),
           reason=reason.strip(), data={"fields": changed})
    return petition


@transaction.atomic
def withdraw_petition(petition, *, actor, reason, at=None):
    """撤销 a petition registered by mistake: kept and marked, its clock stopped, counted
    in no figure and no default list (Petition.objects.counted)."""
    at = at or timezone.now()
    _check_corrector(actor, petition)
    if petition.withdrawn_at:
        raise PetitionError("信访件已撤销。")
    if not (reason or "").strip():
        raise PetitionError("请写明撤销的原因（将记入办理记录）。")
    _bump(petition, withdrawn_at=at, withdrawn_reason=reason.strip(), **_NO_CLOCK)
    _audit(petition, at=at, actor=actor, action="petition.withdraw", action_label="撤销",
           from_state=S(petition.status).label, to_state="已撤销", reason=reason.strip())
    return petition
