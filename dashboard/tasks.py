"""The nightly statistics, the figures' rollups and the monthly reports, scheduled by the beat
(pingxiang.celery). Each only calls a domain function and may run twice: a day's snapshot
replaces its rows, a rollup refresh recomputes what was marked, a campaign is closed once, a
month's automatic report exists once per area."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from dashboard import figures, reports, rollups
from dashboard.closing import close_finished_campaigns
from dashboard.stats import snapshot_day
from pingxiang.pacing import paced


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def nightly_statistics(day=None):
    """Snapshot yesterday (or the given ISO day), then close the campaigns that have ended
    (their stock figures come from the end date's snapshot, just written)."""
    target = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    rows = snapshot_day(target)
    close_finished_campaigns(target + dt.timedelta(days=1))
    return rows


@shared_task
def refresh_rollups():
    """Each minute: the figures that are not sums of days for the dashboards asked lately,
    then the rollups for the days written since the last run, whose new version makes the
    dashboards render again with both, then the city's and counties' dashboards for the
    minute. Not retried: the next minute's run does the same work. Paced (pingxiang.pacing):
    spread over the minute's first JOB_SPREAD_SECONDS, so the pages keep the host meanwhile;
    the rollups' refresh, one transaction, runs at once when its turn comes."""
    with paced(settings.JOB_DUTY_PERCENT / 100, settings.JOB_SPREAD_SECONDS):
        kept = rollups.refresh_kept()
        return {**rollups.refresh(), "kept": kept, "warmed": figures.warm_pinned()}


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def monthly_reports(day=None):
    """On the first working day of a month, the previous month's report for every town (and
    the county), and a message to its centre staff. Any other day does nothing."""
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    return len(reports.monthly_reports(today))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_report(report_id):
    """Write one period report's workbook (id in; quietly nothing if it moved on)."""
    return reports.run_report(report_id)
