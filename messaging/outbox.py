"""The transactional outbox: the delivery rows of an in-app notification, written by
pingxiang.notify.notify inside the same transaction as the inbox rows (registered with
pingxiang.registry.on_notify in messaging/apps.py). A rolled-back action sends nothing; a
committed one has its rows in PostgreSQL, and the tasks that send them are enqueued only
after the commit (the sweep sends them if the broker was away)."""

from django.utils import timezone

from messaging import config, schedule
from messaging.models import (
    Channel,
    Contact,
    Delivery,
    GroupRobot,
    KindChoice,
    KindRule,
    MessagingPolicy,
    Status,
)
from messaging.tasks import enqueue_on_commit


def write_deliveries(notifications, *, urgent=False, area=None):
    """One Delivery per notification and channel the recipient gets its kind on, and one per
    work-group robot of `area` (and the areas above it) for urgent kinds; the ones due now
    are enqueued when the transaction commits. Returns the rows written."""
    if not config.any_enabled():
        return []
    notes = list(notifications.only("pk", "key", "kind", "title", "body", "url",
                                    "recipient_id"))
    if not notes:
        return []
    now = timezone.now()
    policy = MessagingPolicy.current()
    kind = notes[0].kind
    rule = KindRule.for_code(kind, {r.code: r for r in KindRule.objects.filter(code=kind)})
    urgent = urgent or rule.urgent
    status, due_at = schedule.timing(rule, policy, now, urgent=urgent)

    def row(note, channel, key, **target):
        return Delivery(key=key, notification_id=note.pk, event_key=note.key, channel=channel,
                        kind=kind, urgent=urgent, title=note.title, body=note.body,
                        url=note.url, status=status, due_at=due_at,
                        enqueued_at=now if due_at <= now else None, created_at=now,
                        updated_at=now, **target)

    rows = []
    if config.wecom_enabled() or config.sms_enabled():
        users = [n.recipient_id for n in notes]
        contacts = {c.user_id: c for c in Contact.objects.filter(user_id__in=users,
                                                                 user__is_active=True)}
        choices = {} if urgent else {
            c.user_id: c for c in KindChoice.objects.filter(user_id__in=contacts, kind=kind)}
        for note in notes:
            uid = note.recipient_id
            for channel in schedule.channels_for(contacts.get(uid), choices.get(uid), rule,
                                                 urgent=urgent):
                rows.append(row(note, channel, f"n{note.pk}:{channel}", recipient_id=uid))
    if area is not None and (urgent or rule.to_robot) and config.robots_enabled():
        robots = GroupRobot.objects.filter(is_active=True, area_id__in=area.ancestor_ids())
        for robot in robots:
            if config.robot_key(robot.key_name):
                rows.append(row(notes[0], Channel.ROBOT, f"e:{notes[0].key}:robot{robot.pk}",
                                robot=robot))
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    if status == Status.PENDING and due_at <= now:
        # bulk_create(ignore_conflicts=True) returns no ids: read them back by key (a robot
        # row another notify() of the same event wrote first is that call's to send).
        ids = list(Delivery.objects.filter(key__in=[r.key for r in rows], created_at=now)
                   .values_list("pk", flat=True))
        enqueue_on_commit(ids)
    return rows
