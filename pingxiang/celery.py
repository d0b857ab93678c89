import logging
import os

import click
from celery import Celery, bootsteps
from celery.schedules import crontab
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingxiang.settings")

# DjangoTask gives every task .delay_on_commit(): work is enqueued only after the
# transaction that caused it has committed.
app = Celery("pingxiang", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# `celery -A pingxiang worker --kinds=sweeps,notifications,default`: a worker for some kinds
# of work (settings.TASK_QUEUES; docker-compose.yml runs one per group). Kinds, not queue
# names, so the command is the same whatever CELERY_QUEUE prefixes the names with. Without
# it a worker consumes every queue (`make run`).
app.user_options["worker"].add(click.Option(
    ["--kinds"], default="", help="Comma-separated kinds of work: "
    "default, sweeps, notifications, exports, reports (default: all)."))


class SelectKinds(bootsteps.Step):
    """Narrows the worker's queues to its kinds (after -Q, which it replaces)."""

    def __init__(self, parent, kinds="", **options):
        super().__init__(parent, **options)
        if kinds:
            parent.app.amqp.queues.select(queues_for(kinds))


def queues_for(kinds):
    """"sweeps,notifications" -> their queue names; an unknown kind stops the worker."""
    from django.conf import settings  # lazy: read when a worker starts, after settings load

    names = []
    for kind in (k.strip() for k in kinds.split(",")):
        if kind not in settings.TASK_QUEUES:
            raise click.BadParameter(f"unknown kind {kind!r}; known: "
                                     f"{', '.join(settings.TASK_QUEUES)}", param_hint="--kinds")
        names.append(settings.TASK_QUEUES[kind])
    return names


app.steps["worker"].add(SelectKinds)

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
    # The dashboard's per-day rollups for the days written since the last run
    # (dashboard.rollups): a write shows on the dashboards within a minute. A run that
    # starts late is dropped (expires); the next one does the same work.
    "refresh-rollups": {"task": "dashboard.tasks.refresh_rollups", "schedule": 60.0,
                        "options": {"expires": 55}},
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


WORKER_APPLICATION_NAME = "pingxiang-worker"


def worker_database_options(options, parallel_workers):
    """A database's OPTIONS as the worker connects with them: its queries run with at most
    `parallel_workers` of PostgreSQL's parallel workers (settings.JOB_PARALLEL_WORKERS), so
    a job never takes every core from the pages, and its sessions are named in
    pg_stat_activity."""
    return {**options, "application_name": WORKER_APPLICATION_NAME,
            "options": " ".join(filter(None, (
                options.get("options", ""),
                f"-c max_parallel_workers_per_gather={int(parallel_workers)}")))}


@worker_init.connect
def jobs_leave_cores_to_the_web(sender=None, **kwargs):
    """Before the worker runs a task (and before its pool forks), every database it uses is
    connected to with worker_database_options; a connection already open is closed."""
    from django.conf import settings  # lazy: a worker signal handler, run once settings load
    from django.db import connections

    for alias in connections:
        db = connections.settings[alias]
        db["OPTIONS"] = worker_database_options(db.get("OPTIONS", {}),
                                                settings.JOB_PARALLEL_WORKERS)
    connections.close_all()


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
