"""Periods the dashboard offers besides free dates: the campaigns (专项活动) of the grids app."""

from pingxiang.metrics import Period


def _campaign_model():
    from django.apps import apps

    try:
        return apps.get_model("grids", "Campaign")
    except LookupError:
        return None


def campaign_period(raw):
    Campaign = _campaign_model()
    if Campaign is None:
        return None
    try:
        campaign = Campaign.objects.filter(pk=int(raw)).first()
    except (TypeError, ValueError):
        return None
    if campaign is None:
        return None
    return Period(campaign.start_date, campaign.end_date, label=campaign.name,
                  campaign_id=campaign.pk)


def campaign_choices():
    Campaign = _campaign_model()
    if Campaign is None:
        return []
    return list(Campaign.objects.order_by("-start_date")[:20])
