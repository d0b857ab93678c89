import logging
import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingxiang.settings")

# DjangoTask gives every task .delay_on_commit(): work is enqueued only after the
# transaction that caused it has committed.
app = Celery("pingxiang", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The whole beat schedule, in one place. Exactly one beat process runs it.
app.conf.beat_schedule = {
    # Proves the beat and a worker are alive; /healthz reports its age.
    "heartbeat": {"task": "pingxiang.tasks.heartbeat", "schedule": 60.0},
    # The one deadline sweep of the system: every app's timers (escalations, reminders,
    # overdue flags) run from here, idempotently, so a late or doubled run is harmless.
    "sweep-deadlines": {"task": "pingxiang.tasks.sweep_deadlines", "schedule": 60.0},
    # Messages to 企业微信 and SMS (messaging): due after a retry's backoff, a rate window or
    # the quiet hours, they go out within seconds instead of at the next minute's sweep, which
    # runs the same idempotent dispatch (and builds the 08:00 digest).
    "messaging-dispatch": {"task": "messaging.tasks.dispatch_due", "schedule": 15.0},
    # Yesterday's figures per village and metric, for the trend charts (idempotent).
    "nightly-statistics": {"task": "dashboard.tasks.nightly_statistics",
                           "schedule": crontab(hour=1, minute=30)},
    # The previous month's report for every town and county, made on the first working day
    # of the month (the task does nothing on other days; a second run finds them made).
    "monthly-reports": {"task": "dashboard.tasks.monthly_reports",
                        "schedule": crontab(hour=6, minute=0)},
    # Access-log rows past ACCESS_LOG_RETENTION_DAYS (never under 6 months) are removed.
    "prune-access-log": {"task": "pingxiang.tasks.prune_access_log",
                         "schedule": crontab(hour=3, minute=30)},
}


@beat_init.connect
def record_heartbeat_on_start(sender=None, **kwargs):
    """The beat writes its first heartbeat as it starts, as the periodic task does, so /healthz
    answers 200 at once instead of 503 for the minute before the first scheduled heartbeat
    (an orchestrator's health check would otherwise restart a healthy container)."""
    from django.apps import apps  # lazy: a beat signal handler, run before Django is set up

    if not apps.ready:
        import django  # lazy: only when the beat starts before Django

        django.setup()
    from pingxiang.tasks import heartbeat  # lazy: tasks need the app registry ready

    try:
        heartbeat()  # the task's own body, run here: the same row, the same write
    except Exception:  # noqa: BLE001 - a database still starting must not stop the beat
        logging.getLogger(__name__).warning("could not record the beat's first heartbeat",
                                            exc_info=True)
