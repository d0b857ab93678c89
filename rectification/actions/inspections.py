"""Special campaigns and inspections."""

from django.db import transaction

from grids.models import KeyPlace
from grids.people import village_of
from pingxiang import audit

from ..models import Campaign, Inspection
from .common import ActionError, at_or_now, local_date


@transaction.atomic
def create_campaign(*, actor, name, scope, start_date, end_date=None, focus="", at=None):
    if end_date and end_date < start_date:
        raise ActionError("结束日期不能早于开始日期。")
    campaign, created = Campaign.objects.get_or_create(
        scope=scope, name=name, start_date=start_date,
        defaults={"end_date": end_date, "focus": focus, "created_by": actor,
                  "created_at": at_or_now(at)})
    if created:
        audit.record(campaign, actor=actor, action="campaign.create", action_label="新建专项整治")
    return campaign


@transaction.atomic
def record_inspection(*, actor, date, members, campaign=None, place=None, road_section="",
                      area=None, target=Inspection.Target.ROAD, findings="", at=None):
    """Record one inspection of a key place, or of a road section / area.

    Repeat inspections of the same place in the same campaign are numbered (sequence), so
    "3 schools inspected twice each" is 3 places and 6 inspections."""
    if place is None and not road_section:
        raise ActionError("请选择重点场所，或填写检查的路段/区域。")
    if date > local_date(at_or_now(at)):
        raise ActionError("检查日期不能晚于今天。")
    if place is not None:
        # Lock the place row so two concurrent inspections get distinct sequence numbers.
        place = KeyPlace.objects.select_for_update().select_related("grid").get(pk=place.pk)
        area = place.grid
        previous = Inspection.objects.filter(place=place, campaign=campaign).count()
        target, sequence = Inspection.Target.PLACE, previous + 1
    else:
        if area is None:
            raise ActionError("请选择路段/区域所在的村(社区)。")
        target, sequence = Inspection.Target(target or Inspection.Target.ROAD), 1
    inspection = Inspection.objects.create(
        campaign=campaign, target=target, place=place,
        place_kind=place.kind if place else "", sequence=sequence,
        road_section=road_section if place is None else "", area=area,
        village=village_of(area), date=date, members=members, findings=findings,
        created_by=actor, created_at=at_or_now(at))
    audit.record(inspection, actor=actor, action="inspection.create", action_label="登记检查",
                 data={"sequence": sequence})
    return inspection
