"""Issue 22 §4: tasks go to a queue by kind, so an export never delays an escalation; the
workers docker-compose runs take their groups of queues, and `make run`'s worker takes all."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import yaml
from django.conf import settings
from django.db import connection

from pingxiang import services
from pingxiang.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())

KIND_OF_TASK = {
    "pingxiang.tasks.sweep_deadlines": "sweeps",
    "pingxiang.tasks.heartbeat": "sweeps",
    "messaging.tasks.deliver": "notifications",
    "messaging.tasks.deliver_many": "notifications",
    "messaging.tasks.dispatch_due": "notifications",
    "rectification.tasks.run_export": "exports",
    "dashboard.tasks.run_report": "reports",
    "dashboard.tasks.monthly_reports": "reports",
    "dashboard.tasks.nightly_statistics": "reports",
    "dashboard.tasks.refresh_rollups": "sweeps",
    "pingxiang.tasks.prune_access_log": "default",
}


def _queue_of(task_name):
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_task_goes_to_the_queue_of_its_kind():
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == set(KIND_OF_TASK), "a task without a kind here: add it to the table"
    for name, kind in KIND_OF_TASK.items():
        assert _queue_of(name) == settings.TASK_QUEUES[kind], name


def test_queue_names_carry_the_celery_queue_prefix():
    prefix = os.environ.get("CELERY_QUEUE", "pingxiang")
    assert settings.TASK_QUEUES["default"] == prefix == settings.CELERY_TASK_DEFAULT_QUEUE
    assert settings.TASK_QUEUES["sweeps"] == f"{prefix}.sweeps"
    assert len(set(settings.TASK_QUEUES.values())) == len(settings.TASK_QUEUES)


def test_every_scheduled_task_has_a_kind():
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in KIND_OF_TASK


# --- Real workers, started as docker-compose and `make run` start them -------------------

def _database_url():
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:@/{db['NAME']}?host={db['HOST']}"
    return (f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/"
            f"{db['NAME']}")


def _start(celery_args):
    """A worker with these arguments (after `celery`), on this test run's database and
    queues; solo pool, no gossip: one process, quick to start and stop."""
    env = dict(os.environ, DATABASE_URL=_database_url(), REDIS_URL=settings.REDIS_URL,
               CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE)
    args = [a for a in celery_args if not a.startswith("--concurrency")]
    return subprocess.Popen(
        [sys.executable, "-m", "celery", *args, "--pool=solo", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# One task of each kind whose run changes nothing here: ids that match no job.
SAMPLES = {
    "sweeps": ("pingxiang.tasks.heartbeat", []),
    "notifications": ("messaging.tasks.dispatch_due", []),
    "exports": ("rectification.tasks.run_export", [0]),
    "reports": ("dashboard.tasks.run_report", [0]),
    "default": ("pingxiang.tasks.prune_access_log", []),
}


@pytest.fixture
def queues():
    client = redis.Redis.from_url(settings.REDIS_URL)
    names = list(settings.TASK_QUEUES.values())
    client.delete(*names)
    yield client
    client.delete(*names)


def _send_one_of_each():
    for name, args in SAMPLES.values():
        app.send_task(name, args)


def _waiting(client):
    return {kind: client.llen(name) for kind, name in settings.TASK_QUEUES.items()}


def _wait_for_empty(client, kinds, proc, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_waiting(client)[kind] for kind in kinds) and not client.hlen("unacked"):
            return
        if proc.poll() is not None:
            pytest.fail(f"the worker exited: {proc.stdout.read().decode()}")
        time.sleep(0.2)
    pytest.fail(f"the worker left {_waiting(client)}: {kinds} should be empty")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_compose_workers_take_their_groups_of_queues(queues):
    realtime = COMPOSE["services"]["worker-realtime"]["command"]
    background = COMPOSE["services"]["worker-background"]["command"]
    assert realtime[0] == background[0] == "celery"

    _send_one_of_each()
    assert _waiting(queues) == dict.fromkeys(settings.TASK_QUEUES, 1)
    proc = _start(realtime[1:])
    try:
        _wait_for_empty(queues, ["sweeps", "notifications", "default"], proc)
        time.sleep(1)  # a wrong queue's task would be taken by now as well
        assert _waiting(queues) == {"default": 0, "sweeps": 0, "notifications": 0,
                                    "exports": 1, "reports": 1}
    finally:
        _stop(proc)
    proc = _start(background[1:])
    try:
        _wait_for_empty(queues, ["exports", "reports"], proc)
    finally:
        _stop(proc)
    assert not any(_waiting(queues).values())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_make_run_worker_takes_every_queue(queues):
    assert not any(a.startswith(("-Q", "--queues", "--kinds")) for a in services.WORKER_ARGS)
    _send_one_of_each()
    proc = _start(["-A", "pingxiang", *services.WORKER_ARGS])
    try:
        _wait_for_empty(queues, list(settings.TASK_QUEUES), proc)
    finally:
        _stop(proc)


def test_an_unknown_kind_stops_the_worker_with_a_message():
    env = dict(os.environ, DATABASE_URL=_database_url(), REDIS_URL=settings.REDIS_URL,
               CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE)
    done = subprocess.run([sys.executable, "-m", "celery", "-A", "pingxiang", "worker",
                           "--kinds=sweeps,escalations", "--pool=solo"], cwd=BASE_DIR,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "unknown kind 'escalations'" in done.stdout + done.stderr
