"""Real Celery workers (separate processes on Redis) against the local gateways: a worker
killed with SIGKILL in the middle of a send loses nothing and doubles nothing; two workers
handed every task three times send each message once."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from messaging.models import Contact, Delivery, KindChoice, MessagingPolicy, Status
from messaging.tasks import run_dispatch
from pingxiang.notify import notify
from tests.messaging.conftest import WECOM, channel_settings, ensure_defaults, load_cast
from tests.messaging.gateways import Gateways

BASE_DIR = Path(__file__).resolve().parents[2]
TIMEOUT = 45
TASK = "messaging.tasks.deliver"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _database_url():
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:@/{db['NAME']}?host={db['HOST']}"
    return (f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/"
            f"{db['NAME']}")


def start_worker(gw, corp_id):
    env = dict(os.environ, DATABASE_URL=_database_url(), REDIS_URL=settings.REDIS_URL,
               CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE)
    for name, value in channel_settings(gw, corp_id=corp_id).items():
        env[name] = (",".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict)
                     else str(value))
    env["MESSAGING_HTTP_TIMEOUT_MS"] = "5000"
    env["MESSAGING_SEND_THREADS"] = "4"
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pingxiang", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING",
         "--kinds=notifications"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(what, check, *procs):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"worker exited while waiting for {what}: "
                            f"{proc.stdout.read().decode()}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def _unacked(queue, ids=None):
    tags = []
    for tag, raw in queue.hgetall("unacked").items():
        headers = json.loads(raw)[0].get("headers", {})
        if headers.get("task") == TASK and (
                ids is None or headers.get("argsrepr") in {f"({i},)" for i in ids}):
            tags.append(tag.decode())
    return tags


@pytest.fixture
def setup(settings):
    """A fresh queue, a gateway with a corp id of its own (the workers' token cache outlives
    test runs), the cast reachable by 企业微信 only, no quiet hours (workers run on the
    real clock) and a short lease."""
    queue = redis.Redis.from_url(settings.REDIS_URL)
    queue.delete(settings.TASK_QUEUES["notifications"])
    for tag in _unacked(queue):  # a killed worker's message from an earlier run
        queue.hdel("unacked", tag)
        queue.zrem("unacked_index", tag)
    ensure_defaults()
    cast = load_cast()
    corp_id = f"ww{uuid.uuid4().hex[:12]}"
    gw = Gateways(corp_id=corp_id, users=set(WECOM.values())).start()
    for name, value in channel_settings(gw).items():
        setattr(settings, name, value)
    settings.MESSAGING_HTTP_TIMEOUT_MS = 5000
    for name in WECOM:
        user = getattr(cast, name)
        Contact.objects.update_or_create(user=user, defaults={"wecom_userid": WECOM[name]})
        KindChoice.objects.update_or_create(user=user, kind="case",
                                            defaults={"wecom": True, "sms": False})
    MessagingPolicy.objects.filter(pk=1).update(quiet_start="00:00", quiet_end="00:00",
                                                lease_seconds=2)
    yield cast, gw, corp_id, queue
    gw.hold = None
    gw.stop()


def test_a_worker_killed_mid_send_loses_nothing_and_doubles_nothing(setup):
    from pingxiang.celery import app

    cast, gw, corp_id, queue = setup
    gw.hold = threading.Event()  # the gateway takes the first message and keeps its answer
    worker = start_worker(gw, corp_id)
    try:
        for n in range(3):  # committed (autocommit): each enqueued after its commit
            notify([cast.centre], key=f"kill{n}", title=f"消息{n}", kind="case", url="/inbox/")
        rows = Delivery.objects.order_by("pk")
        first = rows[0]
        wait_for("the worker to be sending", lambda: gw.held.is_set() and Delivery.objects.get(
            pk=first.pk).status == Status.SENDING, worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        gw.hold.set()  # the gateway finishes what it had taken: the person has the message
        stop(worker)
    wait_for("the gateway to record it", lambda: len(gw.wecom) == 1)
    orphaned = _unacked(queue, [first.pk])
    assert len(orphaned) == 1
    assert Delivery.objects.get(pk=first.pk).status == Status.SENDING

    worker = start_worker(gw, corp_id)
    try:
        wait_for("the other two", lambda: rows.filter(status=Status.SENT).count() == 2, worker)
        # The broker hands the dead worker's message out again: the row is not pending.
        with app.connection_for_write() as conn:
            for tag in orphaned:
                conn.default_channel.qos.restore_by_tag(tag, leftmost=True)
        wait_for("the redelivered task to be taken", lambda: queue.llen(
            settings.TASK_QUEUES["notifications"]) == 0 and not _unacked(queue, [first.pk]), worker)
        # The sweep, past the lease: the gateway may have it, so a person decides.
        run_dispatch(timezone.now() + timezone.timedelta(seconds=5))
        time.sleep(0.5)
    finally:
        stop(worker)
    first.refresh_from_db()
    assert first.status == Status.UNKNOWN and "未自动重发" in first.error
    assert sorted(m["title"] for m in gw.wecom) == ["消息0", "消息1", "消息2"]
    assert gw.calls["send"] == 3


def test_two_workers_handed_every_task_three_times_send_each_message_once(setup):
    from messaging.tasks import deliver

    cast, gw, corp_id, queue = setup
    workers = [start_worker(gw, corp_id), start_worker(gw, corp_id)]
    try:
        names = list(WECOM)
        for n in range(5):
            notify([getattr(cast, name) for name in names], key=f"twice{n}",
                   title=f"消息{n}", kind="case", url="/inbox/")
        ids = list(Delivery.objects.values_list("pk", flat=True))
        assert len(ids) == 40
        for _ in range(2):  # a redelivered task, a task the sweep re-sent
            for pk in ids:
                deliver.delay(pk)
        wait_for("every delivery", lambda: Delivery.objects.filter(
            status=Status.SENT).count() == 40, *workers)
        wait_for("the queue to drain", lambda: queue.llen(
            settings.TASK_QUEUES["notifications"]) == 0, *workers)
    finally:
        for worker in workers:
            stop(worker)
    assert len(gw.wecom) == 40 and gw.calls["send"] == 40
    assert len({(m["to"], m["title"]) for m in gw.wecom}) == 40
