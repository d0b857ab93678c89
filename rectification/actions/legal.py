"""Legal-awareness activities."""

from django.db import transaction

from grids.people import village_of
from pingxiang import audit

from ..models import LegalActivity
from .common import ActionError, at_or_now, local_date


@transaction.atomic
def record_legal_activity(*, actor, area, date, form, title, campaign=None, materials=0,
                          people_reached=0, organiser="", note="", at=None):
    if date > local_date(at_or_now(at)):
        raise ActionError("活动日期不能晚于今天。")
    activity = LegalActivity.objects.create(
        area=area, village=village_of(area), date=date, form=form, title=title,
        campaign=campaign, materials=materials, people_reached=people_reached,
        organiser=organiser, note=note, created_by=actor, created_at=at_or_now(at))
    audit.record(activity, actor=actor, action="legal.create", action_label="登记普法宣传")
    return activity
