"""What every action shares: the refusal (ActionError), the conditional status move that writes
the audit row, checks of deadlines and uploads, notifications after commit, and background
exports (start_export)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from pingxiang import audit
from pingxiang.notify import notify
from pingxiang.tasks import send_on_commit
from pingxiang.uploads import validate_upload

from ..models import ExportJob
from ..tasks import run_export


class ActionError(Exception):
    """A refused action; the message is shown to the user as is."""


def at_or_now(at):
    return at or timezone.now()


def local_date(at):
    return timezone.localdate(at) if isinstance(at, dt.datetime) else at


def allowed(transitions, action, status):
    return status in transitions[action][0]


def move(obj, transitions, labels, action, *, actor, reason="", data=None, **fields):
    """Conditional status update: acts only if obj is still in an allowed state."""
    model = type(obj)
    if getattr(obj, "withdrawn_at", None):  # a withdrawn hazard is only kept on file
        raise ActionError(f"已撤销，不能{labels[action]}。")
    sources, target = transitions[action]
    current = model.objects.filter(pk=obj.pk).values_list("status", flat=True).first()
    if current not in sources:
        label = model.Status(current).label if current else "不存在"
        raise ActionError(f"当前状态为“{label}”，不能{labels[action]}。"
                          "可能已被他人处理，请刷新页面后再试。")
    updated = model.objects.filter(pk=obj.pk, status=current).update(status=target, **fields)
    if not updated:
        raise ActionError(f"该事项刚被他人处理，不能{labels[action]}。请刷新页面后再试。")
    obj.refresh_from_db()
    audit.record(obj, actor=actor, action=f"{model._meta.model_name}.{action}",
                 action_label=labels[action], from_state=model.Status(current).label,
                 to_state=model.Status(target).label, reason=reason, data=data)
    return obj


def check_deadline(deadline, at):
    if deadline is None:
        raise ActionError("请填写整改时限。")
    start = local_date(at_or_now(at))
    if deadline < start:
        raise ActionError(f"整改时限（{deadline:%Y-%m-%d}）不能早于交办日期"
                          f"（{start:%Y-%m-%d}）。")


def validated(files, kinds=("image",)):
    """The files as they are to be stored: checked by content, images re-encoded and renamed
    (pingxiang.uploads.validate_upload)."""
    checked = []
    for upload in files or ():
        try:
            checked.append(validate_upload(upload, kinds=kinds))
        except Exception as exc:  # ValidationError carries the Chinese message
            raise ActionError("；".join(getattr(exc, "messages", [str(exc)]))) from exc
    return checked


# Events recorded with an `at=` older than this (backfilled history, e.g. seed data or a
# paper ledger typed in later) go into the audit trail but do not ring anyone's inbox.
BACKFILL_AGE = dt.timedelta(days=3)


def tell(recipients, *, at=None, **kwargs):
    """Notify inside the action's transaction, so the inbox row and its deliveries (issue 18's
    outbox) commit with the action or not at all; nothing for backfilled history."""
    if at is not None and at < timezone.now() - BACKFILL_AGE:
        return
    notify([u for u in recipients if u is not None], **kwargs)


@transaction.atomic
def start_export(kind, *, actor, filters, total):
    """Queue a background export; the task is sent only after this transaction commits."""
    job = ExportJob.objects.create(kind=kind, requested_by=actor, filters=filters, total=total)
    send_on_commit(run_export, job.pk)  # Redis down: the job stays queued; the sweep re-sends
    return job
