"""{% deliveries_of n as sent %}: the deliveries of an inbox notification, for the inbox's
include (messaging/includes/inbox_deliveries.html). The first call reads them for every
notification on the page (the template's `items`) in one query and keeps them on the request."""

from django import template
from django.db.models import Q

from messaging.models import Delivery

register = template.Library()


def load(notes):
    """{notification pk: [its deliveries and the work groups' deliveries of its event]}."""
    by_key = {}
    for note in notes:
        by_key.setdefault(note.key, []).append(note.pk)
    found = {note.pk: [] for note in notes}
    rows = (Delivery.objects.filter(Q(notification_id__in=list(found))
                                    | Q(robot__isnull=False, event_key__in=list(by_key)))
            .select_related("robot", "digest").order_by("created_at", "pk"))
    for d in rows:
        if d.robot_id:
            for pk in by_key.get(d.event_key, []):
                found[pk].append(d)
        elif d.notification_id in found:
            found[d.notification_id].append(d)
    return found


@register.simple_tag(takes_context=True)
def deliveries_of(context, notification):
    request = context.get("request")
    store = getattr(request, "_messaging_deliveries", None)
    if store is None or notification.pk not in store:
        notes = list(context.get("items") or [])
        if notification not in notes:
            notes.append(notification)
        store = load(notes)
        if request is not None:
            request._messaging_deliveries = store
    return store.get(notification.pk, [])
