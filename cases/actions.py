"""Every change of a dispute case's state. Each action is atomic, checks the transition,
changes the case with a conditional update on its version (the loser of a race gets
CaseChanged and nothing changes), writes the audit row and sends inbox messages.

Inbox messages are rows in the same database and transaction (pingxiang.notify), so they
are written inline: a rolled-back action leaves no message behind.

`at=` lets seed data and tests act at an explicit moment; it defaults to now.
"""

import contextlib
import contextvars
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.urls import reverse
from django.utils import timezone

from cases import sources, workdays
from cases.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    PUSHED_SOURCES,
    UNCOUNTED_STATUSES,
    Agreement,
    Attachment,
    Case,
    CaseCounter,
    CaseParty,
    FollowUp,
    HandlerKind,
    Level,
    LevelStint,
    MediationSession,
    PauseRequest,
    Policy,
    RecipientKind,
    Referral,
    ReferralReceipt,
    ReferralRoute,
    Risk,
    Status,
)
from grids import people
from grids.models import Area
from grids.residents import find_or_create_resident
from pingxiang import audit
from pingxiang.deadlines import deadline_text
from pingxiang.notify import notify
from pingxiang.uploads import validate_upload


class CaseActionError(Exception):
    """A refused action, with a message for the user (in Chinese)."""


class CaseChanged(CaseActionError):
    """Someone else changed the case first."""


# action -> statuses it may start from
TRANSITIONS = {
    "accept": {Status.REGISTERED},
    "record_session": set(OPEN_STATUSES),
    "resolve": set(OPEN_STATUSES),
    "close_unresolved": set(OPEN_STATUSES),
    "escalate": set(OPEN_STATUSES),
    "send_down": set(OPEN_STATUSES),
    "request_pause": set(OPEN_STATUSES),
    "decide_pause": set(OPEN_STATUSES),
    "resume": set(OPEN_STATUSES),
    "follow_up": {Status.RESOLVED},
    "archive": {Status.FOLLOWED_UP, Status.UNRESOLVED},
    "take_charge": set(ACTIVE_STATUSES),
    "confirm_judicially": {Status.RESOLVED, Status.FOLLOWED_UP, Status.ARCHIVED},
    # Corrections (issue 19): any case that still counts; a withdrawn or merged one is only
    # kept on file.
    "correct": set(Status) - set(UNCOUNTED_STATUSES),
    "correct_parties": set(Status) - set(UNCOUNTED_STATUSES),
    "regrade": set(Status) - set(UNCOUNTED_STATUSES),
    "withdraw": set(Status) - set(UNCOUNTED_STATUSES),
    "merge": set(Status) - set(UNCOUNTED_STATUSES),
}

ACTION_LABELS = {
    "register": "登记", "accept": "受理", "record_session": "记录调解", "resolve": "化解",
    "close_unresolved": "未化解转出", "escalate": "上报上一级", "auto_escalate": "超时自动上报",
    "send_down": "交办下级", "request_pause": "申请暂停计时", "decide_pause": "审批暂停计时",
    "resume": "恢复计时", "follow_up": "回访", "archive": "归档", "take_charge": "领导包案",
    "confirm_judicially": "司法确认", "acknowledge": "签收推送", "attach": "上传附件",
    "correct": "更正案件信息", "correct_parties": "更正当事人", "regrade": "调整风险等级",
    "withdraw": "撤销", "merge": "合并重复案件",
}


def _now(at):
    return at or timezone.now()


def _refuse_transition(case, action):
    if case.status not in TRANSITIONS[action]:
        raise CaseActionError(
            f"案件当前状态为“{case.get_status_display()}”，不能{ACTION_LABELS[action]}。")


def _commit(case, **changes):
    """Apply changes if the case is still the version the actor saw."""
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        version=F("version") + 1, **changes)
    if updated != 1:
        current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
        label = Status(current).label if current else "已删除"
        raise CaseChanged(f"案件 {case.number} 刚刚已被他人办理（当前状态：{label}），"
                          "您的操作未保存，请查看最新情况后再办理。")
    for name, value in changes.items():
        setattr(case, name, value)
    case.version += 1


def _audit(obj, *, at, actor, action, action_label="", from_state="", to_state="",
           reason="", data=None):
    """pingxiang.audit.record at the action's own time (seeded history keeps its dates)."""
    return audit.record(obj, at=at, actor=actor, action=action, action_label=action_label,
                        from_state=from_state, to_state=to_state, reason=reason, data=data)


def _record(case, *, at, actor, action, from_state="", reason="", data=None):
    return _audit(case, at=at, actor=actor, action=f"case.{action}",
                        action_label=ACTION_LABELS[action],
                        from_state=from_state, to_state=_state_label(case), reason=reason,
                        data=data)


def _state_label(case):
    label = case.get_status_display()
    if case.status in OPEN_STATUSES and case.level:
        label = f"{label}（{case.level}级）"
    return label


def levels():
    return {rung.number: rung for rung in Level.ladder()}


def max_level():
    return max((rung.number for rung in Level.ladder()), default=5)


def highest_start(case):
    """The highest level a case may be accepted at: any rung when its risk is red, else
    up to the policy's red threshold (a red case alone may go straight above it)."""
    if case.risk == Risk.RED:
        return max_level()
    return Policy.current().red_min_level


def escalation_levels(case):
    """Where escalate_case may send the case: the next rung, and for a red case any rung
    from the policy's red threshold up."""
    above = sorted(n for n in levels() if n > (case.level or 0))
    if not above or case.risk != Risk.RED:
        return above[:1]
    red_min = Policy.current().red_min_level
    return [n for n in above if n == above[0] or n >= red_min]


def send_down_levels(case):
    return sorted(n for n in levels() if n < (case.level or 0))


def level_deadline(rung, start, *, area=None):
    """When a level started at `start` must be finished: in working days of the calendar of
    the county `area` lies in (the case's town), or in calendar days."""
    if rung.working_days:
        return workdays.deadline_after(start, rung.day_limit, area=area)
    return workdays.end_of_day(workdays.local_date(start) + dt.timedelta(days=rung.day_limit))


def level_handlers(case, number):
    """Who receives the case at level `number`: the rung's handlers as the case's county has
    them (Level.rung_for: its named receivers, or its kind of handler, else the
    installation's), plus the leader who took charge of it."""
    rung = Level.rung_for(case.town, number)
    if rung is None:
        return []
    kind = rung.handler_kind
    if rung.named_recipient_ids:
        users = people.active_users(rung.named_recipient_ids)
    elif kind == HandlerKind.GRID_WORKERS:
        users = people.grid_workers(case.grid or case.village)
    elif kind == HandlerKind.VILLAGE_CADRES:
        users = people.village_cadres(case.village)
    elif kind == HandlerKind.CENTRE_STAFF:
        users = people.centre_staff(case.town)
    elif kind == HandlerKind.VILLAGE_LEADERS:
        users = people.village_leaders(case.village) or people.town_leaders(case.town)
    elif kind == HandlerKind.TOWN_LEADERS:
        users = people.town_leaders(case.town)
    else:
        county = people.county_of(case.town)
        users = people.county_staff(county) if county else []
    if case.took_charge_by_id:
        users = [*users, case.took_charge_by]
    return users


def referral_recipients(case, source):
    """(kind, user) pairs for a push, from the ReferralRoute rows for the source."""
    kinds = ReferralRoute.objects.filter(source=source, is_active=True).values_list(
        "recipient", flat=True)
    finders = {
        RecipientKind.CENTRE_STAFF: lambda: people.centre_staff(case.town),
        RecipientKind.VILLAGE_CADRES: lambda: people.village_cadres(case.village),
        RecipientKind.GRID_WORKERS: lambda: people.grid_workers(case.grid or case.village),
        RecipientKind.VILLAGE_LEADERS: lambda: (people.village_leaders(case.village)
                                                or people.town_leaders(case.town)),
        RecipientKind.TOWN_LEADERS: lambda: people.town_leaders(case.town),
    }
    pairs, seen = [], set()
    for kind in kinds:
        for user in finders[RecipientKind(kind)]():
            if user.pk not in seen:
                seen.add(user.pk)
                pairs.append((kind, user))
    return pairs


def _url(case):
    return reverse("cases:case_detail", args=[case.pk])


_quiet = contextvars.ContextVar("cases_quiet", default=False)


@contextlib.contextmanager
def quietly():
    """No inbox messages (seeding history: nobody needs to act on last spring's cases)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def _tell(users, case, *, key, title, body="", kind="case", urgent=False):
    if _quiet.get():
        return
    if callable(users):
        users = users()
    notify(users, key=f"case:{case.pk}:{key}", title=title, body=body, url=_url(case), kind=kind,
           urgent=urgent, area=case.village)


def _mark_acted(case, actor, at):
    if actor is not None and case.source in PUSHED_SOURCES:
        ReferralReceipt.objects.filter(referral__case=case, recipient=actor,
                                       acted_at__isnull=True).update(acted_at=at)


def _open_stint(case, number, start, deadline):
    LevelStint.objects.create(case=case, level=number, started_at=start, deadline=deadline)


def _close_stint(case, at, outcome):
    """Freeze whether the level finished in time."""
    LevelStint.objects.filter(case=case, ended_at__isnull=True).update(
        ended_at=at, outcome=outcome,
        on_time=ExpressionWrapper(Q(deadline__gte=at), output_field=BooleanField()))


def _next_number(town, year):
    counter, _ = CaseCounter.objects.get_or_create(town=town, year=year)
    counter = CaseCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    prefix = (town.short_name or town.name).removesuffix("镇")
    return f"{prefix}-{year}-{counter.last:04d}"


# --- Intake ----------------------------------------------------------------------------------
@transaction.atomic
def register_case(*, actor, area, category, description, risk=Risk.BLUE, source,
                  source_ref="", source_visit_id=None, source_petition_id=None, parties=(),
                  residents=(), received_at=None, position=None, at=None):
    """登记 a dispute. `area` is the most specific place known (grid, 社 or village);
    `parties` are dicts (name, id_number, phone, address) found or created as residents, so one
    person keeps one record; `residents` are Resident rows already known."""
    at = _now(at)
    received_at = received_at or at
    if received_at > at + dt.timedelta(minutes=5):
        raise CaseActionError("登记时间不能晚于当前时间。")
    village = people.village_of(area)
    if village is None:
        raise CaseActionError("请选择案件所在的村(社区)。")
    town = people.town_of(village)
    grid = area if area.kind == Area.Kind.GRID else None
    case = Case.objects.create(
        number=_next_number(town, timezone.localtime(received_at).year),
        town=town, village=village, area=area, grid=grid, category=category,
        description=description, risk=risk, source=source, source_ref=source_ref,
        source_visit_id=source_visit_id, source_petition_id=source_petition_id,
        received_at=received_at, registered_by=actor, status=Status.REGISTERED,
        latitude=position.latitude if position else None,  # a pingxiang.geo.Position
        longitude=position.longitude if position else None,
        accuracy=position.accuracy if position else None,
    )
    found = {r.pk: "" for r in residents}  # resident pk → address typed for them
    for party in parties:
        try:
            resident = find_or_create_resident(
                name=party["name"], id_number=party.get("id_number", ""),
                phone=party.get("phone", ""), area=area, actor=actor).resident
        except ValidationError as exc:
            raise CaseActionError(f"当事人“{party['name']}”：{exc.messages[0]}") from exc
        found[resident.pk] = (party.get("address") or "").strip() or found.get(resident.pk, "")
    if not found:
        raise CaseActionError("请至少填写一名当事人。")
    CaseParty.objects.bulk_create(
        [CaseParty(case=case, resident_id=pk, address=address) for pk, address in found.items()])
    _record(case, at=at, actor=actor, action="register",
            data={"source": source, "source_ref": source_ref})
    if source in PUSHED_SOURCES:
        referral = Referral.objects.create(case=case, source=source, reference=source_ref,
                                           pushed_at=received_at)
        pairs = referral_recipients(case, source)
        ReferralReceipt.objects.bulk_create(
            [ReferralReceipt(referral=referral, recipient=u, as_kind=k) for k, u in pairs])
        _tell([u for _, u in pairs], case, key="pushed",
              title=f"{case.get_source_display()}：{case.number}（{village}）待签收",
              body=description[:120], kind="case_push")
    else:
        _tell(lambda: people.centre_staff(town), case, key="registered",
              title=f"新登记矛盾纠纷 {case.number}（{village}）待受理", body=description[:120])
    if risk == Risk.RED:
        # The leader assigned to the village hears of a red-risk dispute at once, by every
        # channel they can be reached on (messaging: 企业微信 and SMS, quiet hours or not).
        _tell(lambda: people.village_leaders(village) or people.town_leaders(town), case,
              key="red", kind="case_red", urgent=True,
              title=f"红色风险矛盾纠纷 {case.number}（{village}），请立即关注",
              body=description[:120])
    if source_petition_id:
        # 访调对接: the petition records the case it became (petitions registers how).
        sources.link_record("petition", source_petition_id, case, actor=actor)
    return case


# --- The ladder -------------------------------------------------------------------------------
def _start_level(case, number, at, *, actor, action, from_state, reason="", outcome=None,
                 extra=None, data=None):
    """Move the case to a level and start that level's clock (shared by accept, escalate,
    send-down and reopen)."""
    rung = levels().get(number)
    if rung is None:
        raise CaseActionError(f"没有第{number}级，请检查化解层级设置。")
    deadline = level_deadline(rung, at, area=case.town)
    _commit(case, status=Status.ACCEPTED, level=number, level_started_at=at,
            deadline=deadline, warned_deadline=None, paused_at=None, pause_ends_at=None,
            **(extra or {}))
    if outcome:
        _close_stint(case, at, outcome)
    _open_stint(case, number, at, deadline)
    if action != "accept":  # a registered case has no pause requests yet
        PauseRequest.objects.filter(case=case, state__in=[PauseRequest.State.PENDING,
                                                          PauseRequest.State.APPROVED]).update(
            state=PauseRequest.State.ENDED, resumed_at=at)
    _record(case, at=at, actor=actor, action=action, from_state=from_state, reason=reason,
            data={"level": number, "deadline": deadline.isoformat(), **(data or {})})
    _tell(lambda: level_handlers(case, number), case,
          key=f"level:{number}:{deadline.isoformat()}",
          title=f"{case.number} 转到您处（{rung}），请在"
                f"{deadline_text(deadline)}前办结",
          body=reason or case.description[:120])
    return deadline


@transaction.atomic
def accept_case(case, *, actor, level, note="", at=None):
    """受理: start mediation at `level` (above the policy's red threshold only if red)."""
    at = _now(at)
    _refuse_transition(case, "accept")
    top = max_level()
    if not 1 <= level <= top:
        raise CaseActionError(f"层级应在1到{top}之间。")
    if level > highest_start(case):
        raise CaseActionError(f"只有红色风险的纠纷可以直接交由第{highest_start(case) + 1}级"
                              f"及以上受理。")
    from_state = _state_label(case)
    _start_level(case, level, at, actor=actor, action="accept", from_state=from_state,
                 reason=note, extra={"handler": actor})
    _mark_acted(case, actor, at)
    return case


@transaction.atomic
def record_session(case, *, actor, notes, held_at=None, place="", participants="", at=None):
    """调解记录: a mediation session at the current level."""
    at = _now(at)
    _refuse_transition(case, "record_session")
    held_at = held_at or at
    if held_at > at + dt.timedelta(minutes=5):
        raise CaseActionError("调解时间不能晚于当前时间。")
    if held_at < case.received_at:
        raise CaseActionError(f"调解时间不能早于案件登记时间"
                              f"（{timezone.localtime(case.received_at):%Y-%m-%d %H:%M}）。")
    from_state = _state_label(case)
    _commit(case, status=Status.MEDIATING, handler=case.handler or actor)
    MediationSession.objects.create(case=case, level=case.level, held_at=held_at, place=place,
                                    participants=participants, notes=notes, mediator=actor)
    _record(case, at=at, actor=actor, action="record_session", from_state=from_state, reason=notes)
    _mark_acted(case, actor, at)
    return case


@transaction.atomic
def resolve_case(case, *, actor, method, kind, facts, terms, performance,
                 responsibilities="", perform_by=None, reached_on=None, at=None):
    """化解: record the way and the agreement; schedule the follow-up visit."""
    at = _now(at)
    _refuse_transition(case, "resolve")
    today = workdays.local_date(at)
    reached_on = reached_on or today
    if reached_on > today:
        raise CaseActionError("协议达成日期不能晚于今天。")
    if reached_on < workdays.local_date(case.received_at):
        raise CaseActionError("协议达成日期不能早于案件登记日期。")
    if perform_by and perform_by < reached_on:
        raise CaseActionError("履行期限不能早于协议达成日期。")
    policy = Policy.current()
    from_state = _state_label(case)
    followup_on = today + dt.timedelta(days=policy.followup_days)
    jc_due = (reached_on + dt.timedelta(days=policy.jc_limit_days)
              if kind == Agreement.Kind.WRITTEN else None)
    level = case.level
    _commit(case, status=Status.RESOLVED, resolved_at=at, resolved_level=level,
            resolution_method=method, deadline=None, paused_at=None, pause_ends_at=None,
            followup_due_on=followup_on, followup_notified=False, jc_due_on=jc_due,
            jc_reminded=False, handler=case.handler or actor)
    _close_stint(case, at, LevelStint.Outcome.RESOLVED)
    PauseRequest.objects.filter(case=case, state__in=["pending", "approved"]).update(
        state=PauseRequest.State.ENDED, resumed_at=at)
    Agreement.objects.create(case=case, kind=kind, method=method, level=level, facts=facts,
                             responsibilities=responsibilities, terms=terms,
                             performance=performance, perform_by=perform_by,
                             reached_on=reached_on, mediator=actor)
    _record(case, at=at, actor=actor, action="resolve", from_state=from_state,
            reason=f"{case.get_resolution_method_display()}，"
                   f"{Agreement.Kind(kind).label}；回访日期 {followup_on:%Y-%m-%d}",
            data={"level": level, "followup_due_on": followup_on.isoformat()})
    _mark_acted(case, actor, at)
    return case


@transaction.atomic
def close_unresolved(case, *, actor, route, reason, at=None):
    """未化解: refer to court, arbitration or a department."""
    at = _now(at)
    _refuse_transition(case, "close_unresolved")
    if not reason.strip():
        raise CaseActionError("请写明未化解的原因。")
    from_state = _state_label(case)
    _commit(case, status=Status.UNRESOLVED, resolved_at=at, resolved_level=case.level,
            unresolved_route=route, deadline=None, paused_at=None, pause_ends_at=None)
    _close_stint(case, at, LevelStint.Outcome.UNRESOLVED)
    _record(case, at=at, actor=actor, action="close_unresolved", from_state=from_state,
            reason=f"转{route}：{reason}")
    _mark_acted(case, actor, at)
    return case


@transaction.atomic
def escalate_case(case, *, actor, reason, to_level=None, at=None):
    """上报: mediation failed here. One level up, or (red risk) straight to level 3+."""
    at = _now(at)
    _refuse_transition(case, "escalate")
    if not (reason or "").strip():
        raise CaseActionError("请写明调处不成、需要上报的原因。")
    top = max_level()
    if case.level >= top:
        raise CaseActionError(f"案件已在最高的第{top}级，不能再上报。")
    to_level = to_level or case.level + 1
    if to_level <= case.level or to_level > top:
        raise CaseActionError(f"只能上报到第{case.level + 1}到第{top}级。")
    if to_level > case.level + 1:
        policy = Policy.current()
        if case.risk != Risk.RED:
            raise CaseActionError("只有红色风险的纠纷可以越级上报。")
        if to_level < policy.red_min_level:
            raise CaseActionError(f"越级上报应直接到第{policy.red_min_level}级或以上。")
    _start_level(case, to_level, at, actor=actor, action="escalate",
                 from_state=_state_label(case), reason=reason,
                 outcome=LevelStint.Outcome.ESCALATED, extra={"handler": None,
                                                              "instructions": ""})
    _mark_acted(case, actor, at)
    return case


@transaction.atomic
def auto_escalate(case_id, *, level, deadline, at):
    """The sweep's escalation: only if the case is still at `level` with `deadline`
    (so it happens exactly once, however often or late the sweep runs)."""
    case = Case.objects.select_related("village", "town", "grid", "took_charge_by").filter(
        pk=case_id, level=level, deadline=deadline, status__in=OPEN_STATUSES,
        paused_at__isnull=True).first()
    if case is None or level >= max_level():
        return None
    passed = level_handlers(case, level)
    try:
        _start_level(case, level + 1, at, actor=None, action="auto_escalate",
                     from_state=_state_label(case),
                     reason=f"第{level}级超过办理期限"
                            f"（{deadline_text(deadline)}），自动上报",
                     outcome=LevelStint.Outcome.AUTO_ESCALATED,
                     extra={"handler": None, "instructions": ""})
    except CaseChanged:
        return None
    # The new level was told by _start_level; the level it passed hears that it is gone.
    _tell(passed, case, key=f"overdue:{level}:{deadline.isoformat()}", kind="case_overdue",
          title=f"{case.number} 第{level}级超过办理期限（{deadline_text(deadline)}），"
                f"已自动上报至第{level + 1}级")
    return case


@transaction.atomic
def send_down(case, *, actor, to_level, instructions, at=None):
    """交办: a higher level sends the case back down with instructions; the lower level's
    clock starts again."""
    at = _now(at)
    _refuse_transition(case, "send_down")
    if not (instructions or "").strip():
        raise CaseActionError("交办时请写明交办意见。")
    if not 1 <= to_level < case.level:
        raise CaseActionError("只能交办给比当前层级低的层级。")
    _start_level(case, to_level, at, actor=actor, action="send_down",
                 from_state=_state_label(case), reason=instructions,
                 outcome=LevelStint.Outcome.SENT_DOWN,
                 extra={"handler": None, "instructions": instructions})
    _mark_acted(case, actor, at)
    return case


# --- Pausing the clock -------------------------------------------------------------------------
@transaction.atomic
def request_pause(case, *, actor, reason, days, at=None):
    at = _now(at)
    _refuse_transition(case, "request_pause")
    if case.is_paused:
        raise CaseActionError("案件已在暂停计时中。")
    if not (reason or "").strip():
        raise CaseActionError("请写明暂停计时的理由。")
    limit = Policy.current().max_pause_days
    if not 1 <= days <= limit:
        raise CaseActionError(f"暂停天数应在1到{limit}个工作日之间。")
    _commit(case)
    try:
        with transaction.atomic():
            PauseRequest.objects.create(case=case, reason=reason, days=days,
                                        requested_by=actor, requested_at=at)
    except IntegrityError as exc:
        raise CaseActionError("此案件已有待审批的暂停申请。") from exc
    _record(case, at=at, actor=actor, action="request_pause", from_state=_state_label(case),
            reason=f"{reason}（申请暂停{days}个工作日）")
    _tell(people.centre_staff(case.town), case, key=f"pause:{case.version}",
          title=f"{case.number} 申请暂停计时，待您审批", body=reason)
    return case


@transaction.atomic
def decide_pause(case, *, actor, approve, note="", at=None):
    at = _now(at)
    _refuse_transition(case, "decide_pause")
    pending = PauseRequest.objects.filter(case=case, state=PauseRequest.State.PENDING).first()
    if pending is None:
        raise CaseActionError("没有待审批的暂停申请。")
    from_state = _state_label(case)
    if approve:
        ends = workdays.deadline_after(at, pending.days, area=case.town)
        _commit(case, paused_at=at, pause_ends_at=ends)
    else:
        _commit(case)
    PauseRequest.objects.filter(pk=pending.pk).update(
        state=PauseRequest.State.APPROVED if approve else PauseRequest.State.REFUSED,
        decided_by=actor, decided_at=at)
    _audit(case, at=at, actor=actor, action="case.decide_pause",
                 action_label="批准暂停计时" if approve else "不批准暂停计时",
                 from_state=from_state, to_state="暂停计时" if approve else from_state,
                 reason=note or pending.reason)
    _tell([pending.requested_by], case, key=f"pause-decided:{pending.pk}",
          title=f"{case.number} 暂停计时申请{'已批准' if approve else '未获批准'}", body=note)
    return case


@transaction.atomic
def resume_case(case, *, actor, at=None, note=""):
    """恢复计时: the deadline moves on by the working days the case was paused."""
    at = _now(at)
    _refuse_transition(case, "resume")
    if not case.is_paused:
        raise CaseActionError("案件没有暂停计时。")
    end = min(at, case.pause_ends_at) if case.pause_ends_at else at
    # A pause that ran to its end stops at midnight: that day itself was not paused.
    last_paused_day = workdays.local_date(end - dt.timedelta(microseconds=1))
    paused_days = workdays.working_days_between(workdays.local_date(case.paused_at),
                                                last_paused_day, area=case.town)
    new_deadline = workdays.extend_deadline(case.deadline, paused_days, area=case.town)
    _commit(case, paused_at=None, pause_ends_at=None, deadline=new_deadline,
            warned_deadline=None)
    LevelStint.objects.filter(case=case, ended_at__isnull=True).update(
        deadline=new_deadline, paused_days=F("paused_days") + paused_days)
    PauseRequest.objects.filter(case=case, state=PauseRequest.State.APPROVED).update(
        state=PauseRequest.State.ENDED, resumed_at=at)
    _audit(case, at=at, actor=actor, action="case.resume", action_label="恢复计时",
                 from_state="暂停计时", to_state=_state_label(case),
                 reason=note or f"暂停{paused_days}个工作日，期限顺延至"
                                f"{deadline_text(new_deadline)}",
                 data={"paused_days": paused_days})
    return case


# --- After resolution --------------------------------------------------------------------------
@transaction.atomic
def follow_up(case, *, actor, visited_on, carried_out, satisfaction, notes="", at=None):
    """回访: a failed follow-up (not carried out, or dissatisfied) reopens the case at the
    level that resolved it, with a new clock; earlier levels' on-time records stay."""
    at = _now(at)
    _refuse_transition(case, "follow_up")
    if visited_on > workdays.local_date(at):
        raise CaseActionError("回访日期不能晚于今天。")
    if visited_on < workdays.local_date(case.resolved_at):
        raise CaseActionError("回访日期不能早于化解日期。")
    failed = (not carried_out) or satisfaction == FollowUp.Satisfaction.DISSATISFIED
    from_state = _state_label(case)
    FollowUp.objects.create(case=case, visited_on=visited_on, carried_out=carried_out,
                            satisfaction=satisfaction, notes=notes, visitor=actor,
                            reopened=failed)
    if failed:
        _start_level(case, case.resolved_level or 1, at, actor=actor, action="follow_up",
                     from_state=from_state,
                     reason=f"回访：协议{'已' if carried_out else '未'}履行，"
                            f"{FollowUp.Satisfaction(satisfaction).label}，重新调处。{notes}",
                     extra={"resolved_at": None, "resolved_level": None,
                            "resolution_method": "", "followup_due_on": None,
                            "handler": None})
    else:
        _commit(case, status=Status.FOLLOWED_UP)
        _record(case, at=at, actor=actor, action="follow_up", from_state=from_state,
                reason=f"协议已履行，当事人{FollowUp.Satisfaction(satisfaction).label}。{notes}")
    return case


@transaction.atomic
def archive_case(case, *, actor, at=None):
    at = _now(at)
    _refuse_transition(case, "archive")
    from_state = _state_label(case)
    _commit(case, status=Status.ARCHIVED, archived_at=at)
    _record(case, at=at, actor=actor, action="archive", from_state=from_state)
    return case


@transaction.atomic
def take_charge(case, *, actor, note="", at=None):
    """领导包案: the leader takes personal charge until the case is resolved."""
    at = _now(at)
    _refuse_transition(case, "take_charge")
    if case.took_charge_by_id:
        raise CaseActionError(f"此案件已由{case.took_charge_by.last_name}"
                              f"{case.took_charge_by.first_name}包案。")
    _commit(case, took_charge_by=actor, took_charge_at=at)
    _record(case, at=at, actor=actor, action="take_charge", from_state=_state_label(case),
            reason=note)
    _mark_acted(case, actor, at)
    return case


@transaction.atomic
def confirm_judicially(case, *, actor, court, confirmed_on, at=None):
    """司法确认: applied for within the 30 days after a written agreement."""
    at = _now(at)
    _refuse_transition(case, "confirm_judicially")
    agreement = case.agreements.filter(kind=Agreement.Kind.WRITTEN).first()
    if agreement is None:
        raise CaseActionError("只有书面调解协议可以申请司法确认。")
    if case.jc_applied:
        raise CaseActionError("已登记过司法确认。")
    if not (court or "").strip():
        raise CaseActionError("请填写受理司法确认的法院。")
    if confirmed_on > workdays.local_date(at) or confirmed_on < agreement.reached_on:
        raise CaseActionError("司法确认日期应在协议达成日期和今天之间。")
    limit = Policy.current().jc_limit_days
    if confirmed_on > agreement.reached_on + dt.timedelta(days=limit):
        raise CaseActionError(f"司法确认须在协议生效后{limit}日内申请。")
    _commit(case, jc_applied=True, jc_court=court, jc_date=confirmed_on)
    _record(case, at=at, actor=actor, action="confirm_judicially", from_state=_state_label(case),
            reason=f"{court}，{confirmed_on:%Y-%m-%d}")
    return case


@transaction.atomic
def acknowledge_referral(case, *, actor, at=None):
    at = _now(at)
    updated = ReferralReceipt.objects.filter(referral__case=case, recipient=actor,
                                             acted_at__isnull=True).update(acted_at=at)
    if not updated:
        raise CaseActionError("没有需要您签收的推送。")
    _audit(case, at=at, actor=actor, action="case.acknowledge", action_label="签收推送",
                 to_state=_state_label(case))
    return case


@transaction.atomic
def add_attachment(case, *, actor, upload, kind, at=None):
    try:
        upload = validate_upload(upload)  # re-encoded if an image, named by its content
    except ValidationError as exc:
        raise CaseActionError(exc.messages[0]) from exc
    attachment = Attachment(case=case, kind=kind, original_name=upload.name[:200],
                            content_type=upload.content_type, size=upload.size, uploaded_by=actor,
                            uploaded_at=_now(at))
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    _audit(case, at=at, actor=actor, action="case.attach", action_label="上传附件",
                 to_state=_state_label(case),
                 reason=f"{attachment.get_kind_display()}：{attachment.original_name}")
    return attachment


def available_actions(case):
    """Actions the case's state allows (who may do them is cases.access.may)."""
    names = {name for name, states in TRANSITIONS.items() if case.status in states}
    top = max_level()
    if case.level and case.level >= top:
        names.discard("escalate")
    if not case.level or case.level <= 1:
        names.discard("send_down")
    if case.is_paused:
        names -= {"request_pause", "decide_pause"}
    else:
        names.discard("resume")
    if case.took_charge_by_id:
        names.discard("take_charge")
    if case.jc_applied or case.jc_due_on is None:
        names.discard("confirm_judicially")
    return names


# --- Corrections, withdrawal and merging (issue 19) ---------------------------------------------
# A correction changes what was recorded, never the case's progress; each records from/to and
# a reason, so the figures that move with it (a category, a village) can be explained.
def _need_reason(reason):
    if not (reason or "").strip():
        raise CaseActionError("请写明更正的原因（将记入办理记录）。")
    return reason.strip()


def _place_label(case):
    return str(case.village) if case.area_id == case.village_id else f"{case.village} · {case.area}"


@transaction.atomic
def correct_case(case, *, actor, reason, area, category, description, source, source_ref="",
                 at=None):
    """更正 the case's place (village, 社 or grid, within its town), category, description
    and source details. Nothing else about the case changes; its ladder goes on."""
    at = _now(at)
    _refuse_transition(case, "correct")
    reason = _need_reason(reason)
    village = people.village_of(area)
    if village is None:
        raise CaseActionError("请选择案件所在的村(社区)。")
    if people.town_of(village).pk != case.town_id:
        raise CaseActionError(f"案件只能更正到本镇（{case.town}）的村(社区)；"
                              "其他镇的纠纷请撤销后由该镇登记。")
    description = (description or "").strip()
    if not description:
        raise CaseActionError("简要情况不能为空。")
    before = {"place": _place_label(case), "category": str(case.category),
              "description": case.description, "source": case.get_source_display(),
              "source_ref": case.source_ref}
    grid = area if area.kind == Area.Kind.GRID else None
    changes = {"village": village, "area": area, "grid": grid, "category": category,
               "description": description, "source": source, "source_ref": source_ref}
    probe = Case(village=village, area=area, category=category, source=source)
    after = {"place": _place_label(probe), "category": str(category),
             "description": description, "source": probe.get_source_display(),
             "source_ref": source_ref}
    labels = {"place": "所在地", "category": "类别", "description": "简要情况",
              "source": "来源", "source_ref": "来源编号"}
    changed = [k for k in labels if before[k] != after[k]]
    if not changed:
        raise CaseActionError("没有需要更正的内容：填写的与现有信息相同。")
    _commit(case, **changes)
    _audit(case, at=at, actor=actor, action="case.correct", action_label="更正案件信息",
           from_state="；".join(f"{labels[k]}：{before[k]}" for k in changed)[:500],
           to_state="；".join(f"{labels[k]}：{after[k]}" for k in changed)[:500],
           reason=reason, data={"fields": changed,
                                "from": {k: before[k] for k in changed},
                                "to": {k: after[k] for k in changed}})
    return case


@transaction.atomic
def correct_parties(case, *, actor, reason, remove=(), add=(), at=None):
    """更正当事人: take off parties recorded by mistake (`remove`, resident ids) and add the
    right ones (`add`, dicts like register_case's `parties`). A person's own record is not
    edited here: it may be on other cases too."""
    at = _now(at)
    _refuse_transition(case, "correct_parties")
    reason = _need_reason(reason)
    links = list(case.party_links.select_related("resident").order_by("pk"))
    current = {link.resident_id: link for link in links}
    remove = {int(pk) for pk in remove}
    if remove - set(current):
        raise CaseActionError("要删除的当事人不在此案件上。")
    added = []
    for party in add:
        try:
            resident = find_or_create_resident(
                name=party["name"], id_number=party.get("id_number", ""),
                phone=party.get("phone", ""), area=case.area, actor=actor).resident
        except ValidationError as exc:
            raise CaseActionError(f"当事人“{party['name']}”：{exc.messages[0]}") from exc
        if resident.pk in current and resident.pk not in remove:
            raise CaseActionError(f"“{resident.name}”已是此案件的当事人。")
        added.append((resident, (party.get("address") or "").strip()))
    if not remove and not added:
        raise CaseActionError("请选择要删除的当事人或填写要增加的当事人。")
    if len(current) - len(remove) + len(added) < 1:
        raise CaseActionError("案件至少要有一名当事人。")
    before = "、".join(link.resident.name for link in links)
    _commit(case)
    CaseParty.objects.filter(case=case, resident_id__in=remove).delete()
    CaseParty.objects.bulk_create([CaseParty(case=case, resident=r, address=a)
                                   for r, a in added if r.pk not in current or r.pk in remove])
    after = "、".join(CaseParty.objects.filter(case=case).order_by("pk")
                     .values_list("resident__name", flat=True))
    _audit(case, at=at, actor=actor, action="case.correct_parties", action_label="更正当事人",
           from_state=f"当事人：{before}", to_state=f"当事人：{after}", reason=reason,
           data={"removed": sorted(remove), "added": [r.pk for r, _ in added]})
    return case


@transaction.atomic
def regrade_case(case, *, actor, risk, reason, at=None):
    """调整风险等级. The ladder reads the risk whenever it moves (highest_start,
    escalation_levels), so a case made red may go straight up from now on, and one no
    longer red may not; the level it is at stays."""
    at = _now(at)
    _refuse_transition(case, "regrade")
    reason = _need_reason(reason)
    if risk == case.risk:
        raise CaseActionError(f"风险等级已是{case.get_risk_display()}色，无需调整。")
    before, old = case.get_risk_display(), case.risk
    _commit(case, risk=risk)
    _audit(case, at=at, actor=actor, action="case.regrade", action_label="调整风险等级",
           from_state=f"{before}色风险", to_state=f"{case.get_risk_display()}色风险",
           reason=reason, data={"from": old, "to": risk})
    if risk == Risk.RED and case.status in ACTIVE_STATUSES:
        # As at registration: the leader of the village hears of a red case at once.
        _tell(lambda: people.village_leaders(case.village) or people.town_leaders(case.town),
              case, key=f"red:{case.version}", kind="case_red", urgent=True,
              title=f"{case.number}（{case.village}）调整为红色风险，请立即关注",
              body=reason[:120])
    return case


def _stop_clocks(case, at):
    """A withdrawn or merged case runs no clock and waits for no follow-up or reminder."""
    _close_stint(case, at, LevelStint.Outcome.WITHDRAWN)
    LevelStint.objects.filter(case=case, outcome=LevelStint.Outcome.WITHDRAWN,
                              ended_at=at).update(on_time=None)
    PauseRequest.objects.filter(case=case, state__in=[PauseRequest.State.PENDING,
                                                      PauseRequest.State.APPROVED]).update(
        state=PauseRequest.State.ENDED, resumed_at=at)


@transaction.atomic
def withdraw_case(case, *, actor, reason, at=None):
    """撤销 a case registered by mistake: kept and marked, counted in no figure and no
    default list (Case.objects.counted)."""
    at = _now(at)
    _refuse_transition(case, "withdraw")
    if not (reason or "").strip():
        raise CaseActionError("请写明撤销的原因（将记入办理记录）。")
    from_state = _state_label(case)
    _commit(case, status=Status.WITHDRAWN, withdrawn_at=at, withdrawn_reason=reason.strip(),
            deadline=None, paused_at=None, pause_ends_at=None)
    _stop_clocks(case, at)
    _record(case, at=at, actor=actor, action="withdraw", from_state=from_state,
            reason=reason.strip())
    return case


@transaction.atomic
def merge_cases(case, *, actor, duplicate, reason, at=None):
    """合并: `duplicate` (the same dispute registered again, from another source) goes into
    `case`. Its parties and attachments join the case; it keeps its own source, push and
    history on file, marked 已合并 with a link, and counts nowhere. Both cases must be of
    one town."""
    at = _now(at)
    if not (reason or "").strip():
        raise CaseActionError("请写明合并的原因（将记入办理记录）。")
    if duplicate.pk == case.pk:
        raise CaseActionError("不能把案件合并到它自己。")
    if duplicate.town_id != case.town_id:
        raise CaseActionError(f"{case.number} 与 {duplicate.number} 不属于同一个镇，不能合并。")
    _refuse_transition(case, "merge")
    if duplicate.status in UNCOUNTED_STATUSES:
        raise CaseActionError(f"{duplicate.number} 已{duplicate.get_status_display()[1:]}，"
                              "不能再合并。")
    # Both rows locked, lower id first, so two merges of the same pair cannot deadlock.
    list(Case.objects.select_for_update().filter(pk__in=[case.pk, duplicate.pk]).order_by("pk"))
    dup_state = _state_label(duplicate)
    _commit(duplicate, status=Status.MERGED, merged_into=case, deadline=None, paused_at=None,
            pause_ends_at=None)
    _commit(case)
    _stop_clocks(duplicate, at)
    have = set(CaseParty.objects.filter(case=case).values_list("resident_id", flat=True))
    moved = [link for link in CaseParty.objects.filter(case=duplicate).order_by("pk")
             if link.resident_id not in have]
    CaseParty.objects.bulk_create([CaseParty(case=case, resident_id=link.resident_id,
                                             role=link.role, address=link.address)
                                   for link in moved])
    attachments = Attachment.objects.filter(case=duplicate).update(case=case)
    sources_text = f"{duplicate.get_source_display()}" + (
        f"（{duplicate.source_ref}）" if duplicate.source_ref else "")
    _audit(duplicate, at=at, actor=actor, action="case.merge", action_label="合并到其他案件",
           from_state=dup_state, to_state=f"已合并到 {case.number}", reason=reason.strip(),
           data={"into": case.pk, "into_number": case.number})
    _audit(case, at=at, actor=actor, action="case.merge", action_label="合并重复案件",
           from_state=f"合并前：{duplicate.number}（{sources_text}）另案登记",
           to_state=_state_label(case), reason=reason.strip(),
           data={"merged": duplicate.pk, "merged_number": duplicate.number,
                 "source": duplicate.source, "source_ref": duplicate.source_ref,
                 "parties_added": [link.resident_id for link in moved],
                 "attachments_moved": attachments})
    return case


def possible_duplicates(*, category, village, parties=(), residents=(), at=None):
    """Open cases of the same category registered in the last 30 days naming the same
    party: by ID number, or by name in the same village (for the warning at intake)."""
    since = _now(at) - dt.timedelta(days=30)
    ids = [p["id_number"] for p in parties if p.get("id_number")]
    names = [p["name"] for p in parties if p.get("name")]
    same = Q(party_links__resident__in=list(residents))
    if ids:
        same |= Q(party_links__resident__id_number__in=ids)
    if names:
        same |= Q(party_links__resident__name__in=names, village=village)
    return (Case.objects.active().filter(same, category=category, received_at__gte=since)
            .distinct().order_by("-received_at"))
