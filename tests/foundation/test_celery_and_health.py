"""A task enqueued on commit runs through a real Celery worker on Redis; /healthz reports
the database, the broker and the beat heartbeat."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from pingxiang.celery import WORKER_APPLICATION_NAME, jobs_leave_cores_to_the_web
from pingxiang.models import Heartbeat
from pingxiang.tasks import heartbeat

BASE_DIR = Path(__file__).resolve().parents[2]


def _test_database_url():
    db = connection.settings_dict
    host = db["HOST"]
    if host.startswith("/"):
        return f"postgresql://{db['USER']}:@/{db['NAME']}?host={host}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _queue_length():
    client = redis.Redis.from_url(settings.REDIS_URL)
    return client.llen(settings.TASK_QUEUES["sweeps"])  # the heartbeat's queue


@pytest.fixture
def celery_worker_process():
    env = dict(os.environ, DATABASE_URL=_test_database_url(), REDIS_URL=settings.REDIS_URL,
               CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE)
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pingxiang", "worker", "--pool=solo",
         "--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=WARNING",
         "-Q", settings.TASK_QUEUES["sweeps"]],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_is_sent_only_after_commit_and_runs_in_a_real_worker(celery_worker_process):
    redis.Redis.from_url(settings.REDIS_URL).delete(settings.TASK_QUEUES["sweeps"])

    # Rolled back: nothing reaches the broker.
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            heartbeat.delay_on_commit()
            raise RuntimeError("roll back")

    # Committed: the worker process (a separate OS process, not eager mode) writes the row.
    with transaction.atomic():
        heartbeat.delay_on_commit()
        assert not Heartbeat.objects.exists()
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and not Heartbeat.objects.filter(name="beat").exists():
        assert celery_worker_process.poll() is None, celery_worker_process.stdout.read().decode()
        time.sleep(0.3)
    assert Heartbeat.objects.filter(name="beat").count() == 1
    assert _queue_length() == 0


@pytest.mark.django_db(transaction=True)
def test_a_jobs_queries_run_without_parallel_workers(settings):
    """As the worker starts (worker_init), every database is connected to anew with
    worker_database_options: each query of a job runs on one core
    (settings.JOB_PARALLEL_WORKERS), leaving the others to the pages however large the
    city's counts, and its session is named in pg_stat_activity."""
    from django.db import connections

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] != "0"  # the web's connections keep the default
    saved = connections.settings["default"]["OPTIONS"]
    try:
        jobs_leave_cores_to_the_web()
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"
            cursor.execute("SHOW application_name")
            assert cursor.fetchone()[0] == WORKER_APPLICATION_NAME
    finally:
        connections.settings["default"]["OPTIONS"] = saved
        connections.close_all()


def test_enqueue_happens_on_commit(django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks() as callbacks:
        heartbeat.delay_on_commit()
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_healthz_ok_with_fresh_heartbeat(client):
    Heartbeat.objects.create(name="beat", beat_at=timezone.now() - dt.timedelta(seconds=30))
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["broker"] == "ok" and body["heartbeat"] == "ok"
    assert 25 <= body["heartbeat_age_seconds"] <= 60


@pytest.mark.django_db
def test_healthz_503_when_heartbeat_stale_or_missing(client):
    assert client.get(reverse("healthz")).status_code == 503  # no beat yet
    Heartbeat.objects.create(name="beat", beat_at=timezone.now() - dt.timedelta(minutes=6))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["heartbeat"] == "stale"


@pytest.mark.django_db
def test_healthz_503_when_redis_unreachable(client, settings):
    Heartbeat.objects.create(name="beat", beat_at=timezone.now())
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_beat_schedule_is_static_and_has_heartbeat_and_sweep():
    from pingxiang.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"pingxiang.tasks.heartbeat", "pingxiang.tasks.sweep_deadlines"} <= tasks
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost


@pytest.mark.django_db
def test_healthz_ok_as_soon_as_the_beat_starts(client):
    """The beat records a heartbeat when it starts (celery's beat_init), so a fresh healthy
    deployment is not answered 503 until the first scheduled heartbeat has run."""
    from celery.signals import beat_init

    from pingxiang.celery import app

    assert client.get(reverse("healthz")).status_code == 503
    beat_init.send(sender=app)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json()["heartbeat"] == "ok"
