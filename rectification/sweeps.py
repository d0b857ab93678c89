"""Deadline sweeps for hazards and supervision items (run every minute by the shared beat).

Each reminder happens once: rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED and a
"done" marker column is set by a conditional update; notify() is itself idempotent per key.
Pages derive overdue / due-soon from the deadline column, so they are right without a worker.
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from grids.people import village_leaders
from pingxiang.notify import notify
from pingxiang.registry import settled_notifications
from pingxiang.tasks import send
from pingxiang.timers import sweeper

from .models import ExportJob, Hazard, IssueItem, Policy
from .tasks import claimable, run_export

BATCH = 500


def _hazard_recipients(hazard):
    return [u for u in (hazard.handler, hazard.assigned_by) if u is not None]


@sweeper("rectification.hazard_due_soon")
def remind_hazards_due_soon(now):
    """Remind the handler (and whoever assigned it) N days before the deadline."""
    on = timezone.localdate(now)
    horizon = on + dt.timedelta(days=Policy.current().due_soon_days)
    count = 0
    with transaction.atomic():
        rows = list(Hazard.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(status__in=Hazard.RECTIFYING_STATES, deadline__gte=on,
                            withdrawn_at__isnull=True,
                            deadline__lte=horizon, due_reminded_at__isnull=True)
                    .select_related("handler", "assigned_by", "category")[:BATCH])
        for hazard in rows:
            if Hazard.objects.filter(pk=hazard.pk, due_reminded_at__isnull=True).update(
                    due_reminded_at=now):
                notify(_hazard_recipients(hazard), key=f"rectification:hazard:{hazard.pk}:due",
                       title=f"隐患整改临期：{hazard.number}",
                       body=f"整改时限 {hazard.deadline:%Y-%m-%d}，请抓紧整改。",
                       url=reverse("rectification:hazard_detail", args=[hazard.pk]),
                       kind="hazard_due")
                count += 1
    return count


@sweeper("rectification.hazard_overdue")
def flag_overdue_hazards(now):
    """Flag hazards past their deadline and remind the handler, the assigner and the
    village's 包村领导, once."""
    on = timezone.localdate(now)
    count = 0
    with transaction.atomic():
        rows = list(Hazard.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(status__in=Hazard.RECTIFYING_STATES, deadline__lt=on,
                            withdrawn_at__isnull=True,
                            overdue_flagged_at__isnull=True)
                    .select_related("handler", "assigned_by", "village")[:BATCH])
        for hazard in rows:
            if Hazard.objects.filter(pk=hazard.pk, overdue_flagged_at__isnull=True).update(
                    overdue_flagged_at=now):
                leaders = village_leaders(hazard.village) if hazard.village else []
                notify(_hazard_recipients(hazard) + leaders,
                       key=f"rectification:hazard:{hazard.pk}:overdue",
                       title=f"隐患整改逾期：{hazard.number}",
                       body=f"整改时限 {hazard.deadline:%Y-%m-%d} 已过，责任单位："
                            f"{hazard.responsible_unit}。",
                       url=reverse("rectification:hazard_detail", args=[hazard.pk]),
                       kind="hazard_overdue")
                count += 1
    return count


@sweeper("rectification.issue_overdue")
def escalate_overdue_issues(now):
    """Overdue supervision items go to the village's 包村领导 (and the handler), once."""
    on = timezone.localdate(now)
    count = 0
    with transaction.atomic():
        rows = list(IssueItem.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(status__in=IssueItem.RECTIFYING_STATES, deadline__lt=on,
                            overdue_flagged_at__isnull=True)
                    .select_related("handler", "village", "visit__area")[:BATCH])
        for item in rows:
            if IssueItem.objects.filter(pk=item.pk, overdue_flagged_at__isnull=True).update(
                    overdue_flagged_at=now):
                leaders = village_leaders(item.village) if item.village else []
                notify(leaders + ([item.handler] if item.handler else []),
                       key=f"rectification:issue:{item.pk}:overdue",
                       title=f"督导问题整改逾期：{item.visit.area} 问题{item.number}",
                       body=f"整改时限 {item.deadline:%Y-%m-%d} 已过：{item.description[:100]}",
                       url=reverse("rectification:issue_detail", args=[item.pk]),
                       kind="supervision_overdue")
                count += 1
    return count


@sweeper("rectification.resend_exports")
def resend_exports(now):
    """Background exports still queued two minutes after they were asked for (the broker was
    down when they were sent, or the message was lost), or running under an expired lease (the
    worker died), are sent again. The task claims a job under a lease, so a job sent twice is
    still built once."""
    stale = ExportJob.objects.filter(claimable(now),
                                     created_at__lte=now - dt.timedelta(minutes=2))
    sent = 0
    for job_id in stale.values_list("pk", flat=True)[:BATCH]:
        sent += send(run_export, job_id)
    return sent


@settled_notifications
def settled_rectification_reminders(keys):
    """Of the morning digest's keys, the hazard and supervision-item reminders whose item is no
    longer being rectified (reported done, accepted, closed) since they were written."""
    wanted = {"hazard": {}, "issue": {}}
    for key in keys:
        parts = key.split(":")
        if len(parts) == 4 and parts[0] == "rectification" and parts[1] in wanted \
                and parts[2].isdigit():
            wanted[parts[1]][key] = int(parts[2])
    settled = set()
    for kind, model in (("hazard", Hazard), ("issue", IssueItem)):
        if wanted[kind]:
            still = model.objects.filter(pk__in=set(wanted[kind].values()),
                                         status__in=model.RECTIFYING_STATES)
            if hasattr(model, "withdrawn_at"):  # a hazard withdrawn (撤销) is no one's work
                still = still.filter(withdrawn_at__isnull=True)
            open_ = set(still.values_list("pk", flat=True))
            settled |= {key for key, pk in wanted[kind].items() if pk not in open_}
    return settled
