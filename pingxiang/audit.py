"""Writing the audit trail and the access log. Called by action functions, never by views
directly for state changes: an action that changes state records it in the same transaction."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from pingxiang.bulk import copy_insert
from pingxiang.models import AccessEvent, AuditEvent
from pingxiang.people import display_name


def actor_name(user):
    """Who did it, as the trail names them: the user's display name, or 系统 for a sweep."""
    return "系统" if user is None else display_name(user)


def record(obj, *, actor, action, action_label="", from_state="", to_state="", reason="",
           data=None, at=None):
    """Append one state change for obj. Use inside the action's transaction.

    `at` is for entering past events (seed data, imports of paper ledgers) at their own time;
    everything else takes the database-side now."""

    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=actor,
        actor_name=actor_name(actor),
        action=action,
        action_label=action_label,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
    )


def record_many(rows, *, actor, action, action_label="", from_state="", data=None,
                repr_of=str):
    """record() for many objects of one model at once (imports): rows are (object,
    to_state) or (object, to_state, at); one COPY (pingxiang.bulk.copy_insert)."""
    rows = list(rows)
    if not rows:
        return []
    ct = ContentType.objects.get_for_model(rows[0][0], for_concrete_model=False)
    name, now = actor_name(actor), timezone.now()
    return copy_insert([
        AuditEvent(at=row[2] if len(row) > 2 else now, actor=actor, actor_name=name,
                   action=action, action_label=action_label, content_type=ct,
                   object_id=str(row[0].pk), object_repr=repr_of(row[0])[:200],
                   from_state=from_state, to_state=row[1] or "", data=data or {})
        for row in rows])


def timeline(obj):
    """The object's history, oldest first, for the timeline on its page."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return (
        AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk))
        .order_by("at", "id")
    )


def timeline_list(obj):
    """timeline(obj) as a list, for a page."""
    return list(timeline(obj))


def client_ip(request):
    return request.META.get("REMOTE_ADDR") if request is not None else None


def log_access(user, kind, obj=None, *, detail="", request=None):
    """Append a read/export/reveal of a confidential record to the access log."""
    return AccessEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        kind=kind,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False)
        if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=detail[:500],
        ip=client_ip(request),
    )


def prune_access_log(*, retention_days=None):
    """Delete access-log rows older than the retention period (never under 183 days, the
    six months the Cybersecurity Law requires). The only deletion the database allows."""

    days = retention_days or settings.ACCESS_LOG_RETENTION_DAYS
    if days < 183:
        raise ValueError("访问记录至少保存6个月（183天）。")
    cutoff = timezone.now() - timezone.timedelta(days=days)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pingxiang.prune = 'on'")
        cursor.execute("DELETE FROM pingxiang_accessevent WHERE at < %s", [cutoff])
        return cursor.rowcount
