"""批量交办 / 延期 / 销号: several hazards or supervision items at once, through the same
single-item actions (assign_hazard, close_hazard, assign_issue, close_issue, extend_deadline) in one
transaction. Each item gets its own audit row and message from its action; when any item is
refused, the whole batch is rolled back and every refusal is named."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from ..access import can_manage_hazard, can_supervise
from .common import ActionError
from .extend import extend_deadline
from .hazards import assign_hazard, close_hazard
from .supervision import assign_issue, close_issue


class BatchRefused(ActionError):
    """Some items were refused; nothing was changed. `refusals`: [(item, reason)]."""

    def __init__(self, refusals):
        super().__init__(f"{len(refusals)} 项不能办理，本批均未办理。")
        self.refusals = refusals


BULK_ACTIONS = {
    "hazard": {"assign": assign_hazard, "extend": extend_deadline, "close": close_hazard},
    "issue": {"assign": assign_issue, "extend": extend_deadline, "close": close_issue},
}
BULK_LABELS = {"assign": "交办", "extend": "延期", "close": "销号"}


def may_change(actor, kind, item):
    """The single item's own permission (the detail page's), one per kind."""
    if kind == "hazard":
        return can_manage_hazard(actor, item)
    return can_supervise(actor, item.visit.round.team)


def run_batch(kind, items, action, *, actor, **kwargs):
    """Apply `action` to every item, all or none. PermissionDenied (nothing changed) when
    the actor may not change one of them; BatchRefused when an action refuses some."""
    func = BULK_ACTIONS[kind][action]
    if not items:
        raise ActionError("请至少勾选一项。")
    if not all(may_change(actor, kind, item) for item in items):
        raise PermissionDenied("所选事项中有您无权办理的，本批均未办理。")
    refusals = []
    with transaction.atomic():
        for item in items:
            try:
                with transaction.atomic():  # a savepoint: later items still get checked
                    func(item, actor=actor, **kwargs)
            except ActionError as exc:
                refusals.append((item, str(exc)))
        if refusals:
            raise BatchRefused(refusals)  # leaving the block rolls every item back
    return len(items)
