"""Periods the dashboard offers besides free dates: the campaigns (专项活动) of the grids app."""

from django.apps import apps

from pingxiang.metrics import Period


def _campaign_model():
    try:
        return apps.get_model("grids", "Campaign")
    except LookupError:
        return None


def _visible(user):
    return _campaign_model().objects.visible_to(user)


def campaign_period(raw, user):
    Campaign = _campaign_model()
    if Campaign is None:
        return None
    try:
        campaign = _visible(user).filter(pk=int(raw)).first()
    except (TypeError, ValueError):
        return None
    if campaign is None:
        return None
    return Period(campaign.start_date, campaign.end_date, label=campaign.name,
                  campaign_id=campaign.pk)


def campaign_choices(user):
    """The campaigns over the user's areas (never another county's)."""
    if _campaign_model() is None:
        return []
    return list(_visible(user).order_by("-start_date")[:20])
