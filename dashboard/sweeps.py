"""The dashboard's part of the one deadline sweep (pingxiang.tasks.sweep_deadlines)."""

import datetime as dt

from dashboard.models import PeriodReport
from dashboard.reports import claimable
from dashboard.tasks import run_report
from pingxiang.tasks import send
from pingxiang.timers import sweeper

BATCH = 200


@sweeper("dashboard.resend_reports")
def resend_reports(now):
    """Period reports still queued two minutes after they were asked for (the broker was down
    when they were sent), or running under an expired lease (the worker died), are sent
    again; the task claims a report under a lease, so one sent twice is still made once."""
    stale = PeriodReport.objects.filter(claimable(now),
                                        created_at__lte=now - dt.timedelta(minutes=2))
    return sum(send(run_report, pk) for pk in stale.values_list("pk", flat=True)[:BATCH])
