import os

from celery import Celery
from celery.schedules import crontab

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
    # Yesterday's figures per village and metric, for the trend charts (idempotent).
    "nightly-statistics": {"task": "pingxiang.tasks.nightly_statistics",
                           "schedule": crontab(hour=1, minute=30)},
    # Access-log rows past ACCESS_LOG_RETENTION_DAYS (never under 6 months) are removed.
    "prune-access-log": {"task": "pingxiang.tasks.prune_access_log",
                         "schedule": crontab(hour=3, minute=30)},
}
