"""The ladder's timers, run every minute by the one beat sweep (pingxiang.tasks).

Each sweeper does each thing once however often, late or concurrently it runs:
- escalation is a conditional update keyed on (pk, level, deadline);
- the due-soon warning marks `warned_deadline` with the deadline it warned about;
- the follow-up and 司法确认 reminders set a done flag with a conditional update;
- an expired pause is resumed by the resume action, which checks the case is still paused.
Notifications also carry a key, so a message is delivered once per recipient.

Each query takes the earliest first by the column a partial index keeps (models.Case.Meta),
so a minute with nothing due reads no case whatever the number of open cases: without the
order the default one (-received_at) walked every case (issue 22 §3, bench/results.md).
"""

import datetime as dt

from django.db import transaction
from django.db.models import F

from cases import actions
from cases.models import OPEN_STATUSES, UNCOUNTED_STATUSES, Case, Policy, Status
from cases.workdays import local_date
from pingxiang.deadlines import deadline_text
from pingxiang.registry import settled_notifications
from pingxiang.timers import sweeper

BATCH = 500


@sweeper("cases.escalate_overdue")
def escalate_overdue(now):
    top = actions.max_level()
    count = 0
    with transaction.atomic():
        due = list(
            Case.objects.running().filter(deadline__lte=now, level__lt=top)
            .order_by("deadline").select_for_update(skip_locked=True)
            .values_list("pk", "level", "deadline")[:BATCH])
        for pk, level, deadline in due:
            if actions.auto_escalate(pk, level=level, deadline=deadline, at=now):
                count += 1
    return count


@sweeper("cases.warn_due_soon")
def warn_due_soon(now):
    hours = Policy.current().warn_hours
    candidates = (Case.objects.running()
                  .filter(deadline__gt=now, deadline__lte=now + dt.timedelta(hours=hours))
                  .exclude(warned_deadline=F("deadline")).order_by("deadline")
                  .select_related("village", "town", "grid", "took_charge_by")[:BATCH])
    count = 0
    for case in candidates:
        with transaction.atomic():
            marked = (Case.objects.filter(pk=case.pk, deadline=case.deadline,
                                          status__in=OPEN_STATUSES)
                      .exclude(warned_deadline=F("deadline"))
                      .update(warned_deadline=case.deadline))
            if not marked:
                continue
            actions._tell(actions.level_handlers(case, case.level), case,
                          key=f"warn:{case.level}:{case.deadline.isoformat()}",
                          title=f"{case.number} 将于{deadline_text(case.deadline)}到期"
                                f"（第{case.level}级），请抓紧办理",
                          kind="case_due")
            count += 1
    return count


@sweeper("cases.followups_due")
def followups_due(now):
    today = local_date(now)
    due = (Case.objects.filter(status=Status.RESOLVED, followup_notified=False,
                               followup_due_on__lte=today).order_by("followup_due_on")
           .select_related("village", "town", "grid", "handler", "took_charge_by")[:BATCH])
    count = 0
    for case in due:
        with transaction.atomic():
            if not Case.objects.filter(pk=case.pk, status=Status.RESOLVED,
                                       followup_notified=False).update(followup_notified=True):
                continue
            users = actions.level_handlers(case, case.resolved_level or 1)
            if case.handler:
                users.append(case.handler)
            actions._tell(users, case, key=f"followup:{case.followup_due_on.isoformat()}",
                          title=f"{case.number} 应于{case.followup_due_on:%Y-%m-%d}回访",
                          kind="case_followup")
            count += 1
    return count


@sweeper("cases.judicial_confirmation_reminders")
def judicial_confirmation_reminders(now):
    policy = Policy.current()
    today = local_date(now)
    horizon = today + dt.timedelta(days=policy.jc_remind_days_before)
    due = (Case.objects.counted().filter(jc_applied=False, jc_reminded=False,
                                         jc_due_on__isnull=False,
                                         jc_due_on__lte=horizon, jc_due_on__gte=today)
           .order_by("jc_due_on").select_related("village", "town", "grid", "handler", "took_charge_by")[:BATCH])
    count = 0
    for case in due:
        with transaction.atomic():
            if not Case.objects.filter(pk=case.pk, jc_reminded=False).update(jc_reminded=True):
                continue
            users = [case.handler] if case.handler else []
            users += actions.level_handlers(case, case.resolved_level or 1)
            actions._tell(users, case, key=f"jc:{case.jc_due_on.isoformat()}",
                          title=f"{case.number} 的调解协议可在{case.jc_due_on:%Y-%m-%d}前申请司法确认",
                          body="人民调解法第三十三条：自调解协议生效之日起三十日内，双方当事人可以共同向人民法院申请司法确认。",
                          kind="case_jc")
            count += 1
    return count


@sweeper("cases.end_expired_pauses")
def end_expired_pauses(now):
    ids = list(Case.objects.open().filter(paused_at__isnull=False, pause_ends_at__lte=now)
               .order_by("pause_ends_at").values_list("pk", flat=True)[:BATCH])
    count = 0
    for pk in ids:
        case = Case.objects.filter(pk=pk).first()
        if case is None or not case.is_paused:
            continue
        try:
            actions.resume_case(case, actor=None, at=now, note="暂停期满，自动恢复计时")
        except actions.CaseActionError:
            continue
        count += 1
    return count


@settled_notifications
def settled_case_reminders(keys):
    """Of the morning digest's keys, the case reminders that no longer call for anything: a 回访
    reminder once the case is followed up (or no longer 已化解), a 司法确认 reminder once the
    application is made, either once the case is withdrawn (撤销), merged or gone."""
    wanted = {}
    for key in keys:
        parts = key.split(":")
        if len(parts) >= 3 and parts[0] == "case" and parts[1].isdigit() \
                and parts[2] in ("followup", "jc"):
            wanted[key] = (int(parts[1]), parts[2])
    if not wanted:
        return set()
    state = {pk: (status, applied) for pk, status, applied in Case.objects.filter(
        pk__in={pk for pk, _ in wanted.values()}).values_list("pk", "status", "jc_applied")}
    settled = set()
    for key, (pk, what) in wanted.items():
        status, applied = state.get(pk, (None, True))
        if status is None or status in UNCOUNTED_STATUSES \
                or (what == "followup" and status != Status.RESOLVED) or (what == "jc" and applied):
            settled.add(key)
    return settled
