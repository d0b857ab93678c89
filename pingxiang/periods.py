"""Periods the dashboard offers besides free dates: the campaigns (专项活动) of the grids app;
and the reporting periods (month, quarter, year, campaign, dates) every report and ledger
shares."""

import calendar
import datetime as dt

from django.apps import apps
from django.db import models
from django.utils import timezone

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


# --- Reporting periods: a month, quarter or year by number, a campaign, or dates -----------
# One mechanism for every "which period" question of a report or a ledger (the period
# reports, the dispute ledger): the form is grids.filters.PeriodForm, the rules are here.

MAX_YEARS = 5


class PeriodKind(models.TextChoices):
    MONTH = "month", "月报"
    QUARTER = "quarter", "季报"
    YEAR = "year", "年报"
    CAMPAIGN = "campaign", "专项活动"
    DATES = "dates", "自定期间"


class PeriodError(ValueError):
    """A period that cannot be reported, said in Chinese."""


def month_period(year, month):
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last), f"{year}年{month}月"


def quarter_period(year, quarter):
    first = 3 * (quarter - 1) + 1
    last = calendar.monthrange(year, first + 2)[1]
    return (dt.date(year, first, 1), dt.date(year, first + 2, last),
            f"{year}年第{'一二三四'[quarter - 1]}季度")


def year_period(year):
    return dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年"


def _years_later(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_period(kind, start, end, label, *, today=None):
    """The period as it will be reported: refused when it lies in the future or spans more
    than five years; a month, quarter, year or campaign still running is reported up to
    today (and says so). Returns (start, end, label)."""
    today = today or timezone.localdate()
    if start > end:
        start, end = end, start
    if start > today:
        raise PeriodError(f"报表期间（{start:%Y-%m-%d} 起）在今天（{today:%Y-%m-%d}）之后，"
                          "尚未发生的期间不能出报表。")
    if end > today:
        if kind == PeriodKind.DATES:
            raise PeriodError(f"结束日期 {end:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），"
                              "尚未发生的日期不能出报表。")
        end = today
        label = f"{label}（截至 {today:%Y-%m-%d}）"
    if end >= _years_later(start, MAX_YEARS):
        raise PeriodError(f"报表期间 {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 超过五年，"
                          "请缩短期间（最长五年）。")
    return start, end, label
