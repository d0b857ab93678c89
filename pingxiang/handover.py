"""Handing a leaving worker's open records to a successor, for records that name their person
in charge in one user field (a case's 承办人, a hazard's 整改责任人...). Each app registers its
kinds from its own handover.py (autodiscovered); grids' people pages list and reassign them
through pingxiang.registry without importing the app."""

from django.db.models import F
from django.urls import reverse

from pingxiang import audit
from pingxiang.people import display_name
from pingxiang.registry import HandoverItem, handover_source


def field_source(code, label, *, queryset, field, url_name, describe=str, area_field="area",
                 select=(), order=100):
    """Register `label`: the rows of queryset() whose `field` is the worker. Reassigning is
    a conditional update per row (a row someone else reassigned meanwhile is left alone),
    bumps the row's version where it has one, and writes one audit row per record."""

    def item(row, *, with_area=True):
        return HandoverItem(label=describe(row), url=reverse(url_name, args=[row.pk]),
                            area=getattr(row, area_field) if with_area else None)

    def items(worker):
        rows = queryset().filter(**{field: worker}).select_related(area_field, *select)
        rows = rows.order_by("pk")
        return [item(row) for row in rows]

    def reassign(worker, successor, *, actor, reason):
        model = queryset().model
        bump = {"version": F("version") + 1} if any(
            f.name == "version" for f in model._meta.concrete_fields) else {}
        moved = []
        for row in queryset().filter(**{field: worker}).select_related(*select).order_by("pk"):
            if model.objects.filter(pk=row.pk, **{field: worker}).update(
                    **{field: successor}, **bump):
                audit.record(row, actor=actor, action=f"{code}.handover",
                             action_label=f"工作移交（{label}）",
                             from_state=display_name(worker), to_state=display_name(successor),
                             reason=reason)
                moved.append(item(row, with_area=False))
        return moved

    handover_source(code, label, items=items, reassign=reassign, order=order)
