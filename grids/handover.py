"""A leaving worker's key persons (包联责任人) and 包抓 assignments, for the handover page
(grids.accounts.hand_over), registered like every app's through pingxiang.registry."""

from django.urls import reverse

from grids.actions import assign_responsibility, end_responsibility
from grids.models import KeyPerson, Responsibility
from pingxiang.handover import field_source
from pingxiang.registry import HandoverItem, handover_source

field_source("key_person", "重点人员（包联责任人）", queryset=lambda: KeyPerson.objects.active(),
             field="responsible", url_name="grids:key_person_detail", area_field="grid",
             select=("resident",), order=10, describe=lambda k: k.resident.name)


def _responsibility_item(resp):
    return HandoverItem(label=f"{resp.area.name} · {resp.get_kind_display()}",
                        url=reverse("grids:area_detail", args=[resp.area_id]),
                        area=resp.area, grants_access=True)


def _responsibilities(worker):
    return [_responsibility_item(r) for r in Responsibility.objects.filter(
        user=worker, is_active=True).select_related("area").order_by("area__path", "kind")]


def _reassign_responsibilities(worker, successor, *, actor, reason):
    """包抓 moves as a whole: the worker's ends, the successor's begins (with the post it
    brings, so they see what they now answer for); both audited."""
    moved = []
    for resp in Responsibility.objects.filter(user=worker, is_active=True).select_related("area"):
        if end_responsibility(resp, actor=actor, reason=f"工作移交：{reason}"):
            assign_responsibility(successor, resp.area, resp.kind, actor=actor)
            moved.append(_responsibility_item(resp))
    return moved


handover_source("responsibility", "包抓责任", items=_responsibilities,
                reassign=_reassign_responsibilities, order=11)
