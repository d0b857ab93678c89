"""延期: a later deadline for a hazard or a supervision item still being rectified (已交办 /
整改中), with the reason; its own audit row and a message to the platform handler. The
sweep's due/overdue markers are cleared, so the reminders follow the new date."""

from django.db import transaction
from django.urls import reverse

from pingxiang import audit

from ..models import Hazard, IssueItem
from .common import ActionError, check_deadline, tell

_PAGES = {Hazard: ("rectification:hazard_detail", "hazard", "隐患"),
          IssueItem: ("rectification:issue_detail", "issue", "督导问题")}
_MARKERS = ("due_reminded_at", "overdue_flagged_at")


@transaction.atomic
def extend_deadline(item, *, actor, deadline, reason, at=None):
    model = type(item)
    if not (reason or "").strip():
        raise ActionError("延期须写明理由。")
    current = model.objects.select_for_update().get(pk=item.pk)
    if current.status not in model.RECTIFYING_STATES:
        raise ActionError(f"当前状态为“{model.Status(current.status).label}”，不能延期"
                          "（只有已交办、整改中的事项可以延期）。")
    check_deadline(deadline, at)
    if current.deadline and deadline <= current.deadline:
        raise ActionError(f"新的整改时限须晚于原时限（{current.deadline:%Y-%m-%d}）。")
    fields = {"deadline": deadline}
    fields.update({m: None for m in _MARKERS
                   if any(f.name == m for f in model._meta.get_fields())})
    model.objects.filter(pk=item.pk).update(**fields)
    item.refresh_from_db()
    audit.record(item, actor=actor, action=f"{model._meta.model_name}.extend",
                 action_label="延期",
                 from_state=f"{current.deadline:%Y-%m-%d}" if current.deadline else "",
                 to_state=f"{deadline:%Y-%m-%d}", reason=reason)
    page, kind, what = _PAGES[model]
    tell([item.handler] if item.handler_id and item.handler_id != actor.pk else [],
         key=f"rectification:{kind}:{item.pk}:extended:{deadline:%Y%m%d}",
         title=f"{what}整改时限延至 {deadline:%Y-%m-%d}", body=reason[:200],
         url=reverse(page, args=[item.pk]), kind=kind if kind == "hazard" else "supervision",
         at=at)
    return item
