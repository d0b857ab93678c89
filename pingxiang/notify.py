"""The in-app inbox. Each notification has a key; the same key for the same recipient
is delivered once however many times it is sent (a sweep that runs twice is harmless)."""

from pingxiang.models import Notification


def notify(recipients, *, key, title, body="", url="", kind=""):
    """Deliver a message to each recipient once (INSERT ... ON CONFLICT DO NOTHING)."""
    unique = {u.pk: u for u in recipients if u is not None}
    Notification.objects.bulk_create(
        [Notification(recipient=user, key=key[:200], title=title[:200], body=body, url=url,
                      kind=kind) for user in unique.values()],
        ignore_conflicts=True,
    )
