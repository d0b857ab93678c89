"""The in-app inbox. Each notification has a key; the same key for the same recipient
is delivered once however many times it is sent (a sweep that runs twice is harmless).

Apps that carry a notification further (messaging: 企业微信 and SMS) register with
pingxiang.registry.on_notify; they are called in the same transaction as the insert, so what
they write commits or rolls back with the inbox row."""

from django.db import transaction
from django.utils import timezone

from pingxiang import registry
from pingxiang.models import Notification


def notify(recipients, *, key, title, body="", url="", kind="", urgent=False, area=None):
    """Deliver a message to each recipient once (INSERT ... ON CONFLICT DO NOTHING).

    `urgent` marks what must reach people at once, quiet hours or not (a red-risk case, a 重大
    hazard); `area` is where it happened, for the work groups of that area. Both only matter
    to the apps registered with on_notify."""
    unique = {u.pk: u for u in recipients if u is not None}
    if not unique:
        return
    now = timezone.now()
    key = key[:200]
    with transaction.atomic():
        Notification.objects.bulk_create(
            [Notification(recipient=user, key=key, title=title[:200], body=body, url=url,
                          kind=kind, created_at=now) for user in unique.values()],
            ignore_conflicts=True,
        )
        hooks = registry.notify_hooks()
        if hooks:
            # The rows this call inserted (a recipient who had this key already keeps the
            # old row, whose created_at differs); lazy, so a hook that has nothing to do
            # costs no query.
            inserted = Notification.objects.filter(key=key, recipient_id__in=list(unique),
                                                   created_at=now)
            for hook in hooks:
                hook(inserted, urgent=urgent, area=area)
