"""Faults: Redis stopped and started again on a spare port. Pages keep working, a request
that enqueues work does not hang or fail, and the work (a row in PostgreSQL) is re-sent by
the sweep once Redis is back; a doubly-sent task still has its effect once."""

import socket
import subprocess
import time

import pytest
import redis
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SpareRedis:
    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("spare redis did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def spare_broker(settings):
    """Point the Celery app, /healthz and the cache at a Redis of our own that we can stop."""
    from pingxiang.celery import app

    spare = SpareRedis()
    old = app.conf.broker_url

    def use(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    use(spare.url)
    settings.REDIS_URL = spare.url
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": spare.url}}
    yield spare
    spare.stop()
    use(old)


def test_redis_down_loses_no_work_and_pages_keep_working(spare_broker, login, cast,
                                                         django_capture_on_commit_callbacks):
    from rectification.actions import register_hazard
    from rectification.models import ExportJob, HazardCategory, Policy
    from rectification.sweeps import resend_exports
    from rectification.tasks import run_export

    register_hazard(actor=cast.centre, source="public", area=cast.xiguan,
                    category=HazardCategory.objects.get(name="消防"),
                    description="楼道堆放杂物", found_date=timezone.localdate())
    Policy.objects.update(export_sync_limit=0)  # every export goes to the background
    client = login(cast.centre)

    # Redis is down (never started): pages answer, health says so, the export is accepted.
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("cases:case_list")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 503
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("rectification:hazard_export"))
    assert time.monotonic() - started < 10  # fails fast instead of hanging the request
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.status == ExportJob.Status.QUEUED

    # Redis comes back: the sweep re-sends what is still queued.
    spare_broker.start()
    queue = redis.Redis.from_url(spare_broker.url)
    assert queue.llen("pingxiang") + queue.llen(_queue()) == 0
    assert resend_exports(timezone.now() + timezone.timedelta(minutes=3)) == 1
    assert queue.llen(_queue()) == 1
    # A second sweep before a worker ran sends it again; the task still builds it once.
    resend_exports(timezone.now() + timezone.timedelta(minutes=3))
    assert run_export(job.pk) == "done"
    assert run_export(job.pk) == "skipped"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.file
    assert resend_exports(timezone.now() + timezone.timedelta(minutes=3)) == 0


def _queue():
    from django.conf import settings

    return settings.TASK_QUEUES["exports"]  # the export's queue

