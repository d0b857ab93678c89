"""Reminders before each petition deadline and the overdue flag, once each.

Both run from the shared minute sweep (pingxiang.timers). Each row is claimed with a
conditional UPDATE on its marker column (reminded_clock / overdue_clock = the clock that
is running), so two sweeps, a late sweep or a sweep after an outage still act once per
clock; the notification keys make delivery idempotent as well. An extension resets the
markers (actions._clock), so the new deadline gets its own reminder.
"""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from petitions.actions import remind_overdue_people
from petitions.models import Petition
from pingxiang import audit
from pingxiang.deadlines import deadline_text
from pingxiang.notify import notify
from pingxiang.registry import settled_notifications
from pingxiang.timers import sweeper

BATCH = 500


def _candidates(condition, marker):
    return (
        Petition.objects.filter(condition).exclude(clock="")
        .exclude(**{marker: F("clock")})
        .select_related("town", "leader").order_by("due_at")[:BATCH]
    )


@sweeper("petitions.remind_due")
def remind_due(now):
    done = 0
    for p in _candidates(Q(remind_at__lte=now, due_at__gt=now), "reminded_clock"):
        with transaction.atomic():
            if not Petition.objects.filter(pk=p.pk, clock=p.clock, due_at=p.due_at).exclude(
                    reminded_clock=p.clock).update(reminded_clock=p.clock):
                continue
            label = Petition.Clock(p.clock).label
            due = timezone.localtime(p.due_at)
            notify(remind_overdue_people(p), kind="petition_due",
                   key=f"petition:{p.pk}:{p.clock}:{due:%Y%m%d}:remind",
                   title=f"信访件{p.number}{label}期限将至（{deadline_text(p.due_at)}）",
                   url=f"/petitions/{p.pk}/")
            done += 1
    return done


@sweeper("petitions.flag_overdue")
def flag_overdue(now):
    done = 0
    for p in _candidates(Q(due_at__lte=now), "overdue_clock"):
        with transaction.atomic():
            if not Petition.objects.filter(pk=p.pk, clock=p.clock, due_at=p.due_at).exclude(
                    overdue_clock=p.clock).update(overdue_clock=p.clock):
                continue
            label = Petition.Clock(p.clock).label
            due = timezone.localtime(p.due_at)
            audit.record(p, actor=None, action="petition.overdue", action_label=f"{label}逾期",
                         reason=f"{label}期限{due:%Y-%m-%d}已过")
            notify(remind_overdue_people(p), kind="petition_overdue",
                   key=f"petition:{p.pk}:{p.clock}:{due:%Y%m%d}:overdue",
                   title=f"信访件{p.number}{label}已逾期（期限{due:%Y-%m-%d}）",
                   url=f"/petitions/{p.pk}/")
            done += 1
    return done


@settled_notifications
def settled_petition_reminders(keys):
    """Of the morning digest's keys, the petition reminders whose clock has stopped or moved on
    (decided, answered, concluded, or its deadline extended) since they were written."""
    wanted = {}
    for key in keys:
        parts = key.split(":")
        if len(parts) == 5 and parts[0] == "petition" and parts[1].isdigit() \
                and parts[4] in ("remind", "overdue"):
            wanted[key] = (int(parts[1]), parts[2], parts[3])
    if not wanted:
        return set()
    now = {pk: (clock, f"{timezone.localtime(due):%Y%m%d}" if due else "")
           for pk, clock, due in Petition.objects.filter(
               pk__in={pk for pk, _, _ in wanted.values()}).values_list("pk", "clock", "due_at")}
    return {key for key, (pk, clock, due) in wanted.items() if now.get(pk) != (clock, due)}
