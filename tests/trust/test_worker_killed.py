"""Faults: a Celery worker killed with SIGKILL in the middle of a background export.

The export's first statement on the hazard table is held up by a lock this test takes, so the
worker is provably mid-task (job RUNNING, its backend waiting) when it is killed. After the
kill the job is RUNNING with nobody working on it; once its lease expires the sweep re-sends
it, a restarted worker claims it again and builds it, and the original message, handed out
again by the broker, changes nothing: one DONE job, one file."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from rectification.models import ExportJob

BASE_DIR = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def _conninfo():
    db = connection.settings_dict
    return {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"] or None,
            "host": db["HOST"] or None, "port": db["PORT"] or None}


def _database_url():
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:@/{db['NAME']}?host={db['HOST']}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(media_root):
    env = dict(os.environ, DATABASE_URL=_database_url(), REDIS_URL=settings.REDIS_URL,
               CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE, MEDIA_ROOT=str(media_root))
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pingxiang", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING",
         "--kinds=exports"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(what, check, proc=None):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"worker exited while waiting for {what}: {proc.stdout.read().decode()}")
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _status(job):
    return ExportJob.objects.values_list("status", flat=True).get(pk=job.pk)


def _unacked_tags(job_id):
    """Delivery tags of run_export messages for job_id that a worker took and never acked."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    tags = []
    for tag, raw in client.hgetall("unacked").items():
        payload = json.loads(raw)[0]
        headers = payload.get("headers", {})
        if headers.get("task") == "rectification.tasks.run_export" and \
                headers.get("argsrepr") in (f"({job_id},)", f"[{job_id}]"):
            tags.append(tag.decode())
    return tags


def _unacked_tags_of_exports():
    client = redis.Redis.from_url(settings.REDIS_URL)
    return [tag.decode() for tag, raw in client.hgetall("unacked").items()
            if json.loads(raw)[0].get("headers", {}).get("task")
            == "rectification.tasks.run_export"]


def _files(media_root):
    return sorted(p for p in (Path(media_root) / "rectification" / "exports").rglob("*")
                  if p.is_file())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_export_the_job_is_built_exactly_once_after_restart(
        cast, settings, tmp_path):
    from pingxiang.celery import app
    from rectification.actions import register_hazard, start_export
    from rectification.models import HazardCategory
    from rectification.sweeps import resend_exports
    from rectification.tasks import EXPORT_LEASE

    settings.MEDIA_ROOT = str(tmp_path)
    queue = redis.Redis.from_url(settings.REDIS_URL)
    queue.delete(settings.TASK_QUEUES["exports"])
    # A run of this test that died half-way (the machine's Redis outlives test runs) left
    # its killed worker's message unacked; job ids start again in each test database.
    for tag in _unacked_tags_of_exports():
        queue.hdel("unacked", tag)
        queue.zrem("unacked_index", tag)
    for n in range(3):
        register_hazard(actor=cast.centre, source="public", area=cast.xiguan,
                        category=HazardCategory.objects.get(name="消防"),
                        description=f"楼道堆放杂物{n}", found_date=timezone.localdate())

    worker = start_worker(tmp_path)
    lock = psycopg.connect(**_conninfo())
    try:
        # Hold the hazard table: the export claims its job, then blocks on its first read.
        lock.execute("BEGIN")
        lock.execute("LOCK TABLE rectification_hazard IN ACCESS EXCLUSIVE MODE")
        job = start_export(ExportJob.Kind.HAZARDS, actor=cast.centre, filters={}, total=3)
        wait_for("the worker to claim the job", lambda: _status(job) == "running", worker)
        with connection.cursor() as cursor:
            def waiting():
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND wait_event_type = 'Lock'")
                return cursor.fetchone()[0] >= 1
            wait_for("the export to wait on the hazard table", waiting, worker)

        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        lock.rollback()
        lock.close()
        stop(worker)

    # The dead worker's message is neither acked nor back in the queue; the job is stuck.
    assert _status(job) == "running"
    assert queue.llen(settings.TASK_QUEUES["exports"]) == 0
    orphaned = _unacked_tags(job.pk)
    assert len(orphaned) == 1
    assert _files(tmp_path) == []

    # Within the lease nothing re-sends it (a live but slow worker may still be at it).
    assert resend_exports(timezone.now()) == 0
    # The lease runs out: the sweep re-sends it, a restarted worker builds it.
    later = timezone.now() + EXPORT_LEASE + timezone.timedelta(minutes=1)
    assert resend_exports(later) == 1
    ExportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - EXPORT_LEASE
                                               - timezone.timedelta(minutes=1))
    worker = start_worker(tmp_path)
    try:
        wait_for("the restarted worker to finish the job", lambda: _status(job) == "done",
                 worker)
        # The broker's visibility timeout passes: the original message is handed out again.
        with app.connection_for_write() as conn:
            qos = conn.default_channel.qos
            for tag in orphaned:
                qos.restore_by_tag(tag, leftmost=True)
        wait_for("the redelivered message to be taken and acknowledged",
                 lambda: queue.llen(settings.TASK_QUEUES["exports"]) == 0
                 and not _unacked_tags(job.pk), worker)
    finally:
        stop(worker)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.progress == 3 and job.finished_at
    files = _files(tmp_path)
    assert len(files) == 1 and str(files[0]).endswith(job.file.name)
    assert resend_exports(later) == 0  # nothing left for the sweep


def test_a_reclaimed_job_removes_the_dead_attempts_file_and_writes_one(cast, settings, tmp_path):
    from django.core.files.base import ContentFile

    from rectification.tasks import EXPORT_LEASE, run_export

    settings.MEDIA_ROOT = str(tmp_path)
    job = ExportJob.objects.create(kind=ExportJob.Kind.HAZARDS, requested_by=cast.centre)
    # A worker claimed it, saved half a workbook and died before recording it.
    half = job.file.storage.save("rectification/exports/half.xlsx", ContentFile(b"PK\x03"))
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, file=half,
        started_at=timezone.now() - EXPORT_LEASE - timezone.timedelta(seconds=1))
    assert run_export(job.pk) == "done"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.file.name != half
    assert _files(tmp_path) == [Path(tmp_path) / job.file.name]
    assert run_export(job.pk) == "skipped"


def test_a_running_job_within_its_lease_is_not_claimed_twice(cast):
    from rectification.tasks import claim_export, run_export

    job = ExportJob.objects.create(kind=ExportJob.Kind.HAZARDS, requested_by=cast.centre)
    claimed, name = claim_export(job.pk)
    assert claimed is not None and name
    assert run_export(job.pk) == "skipped"
    assert claim_export(job.pk) == (None, None)


def test_an_attempt_whose_claim_was_taken_over_leaves_no_file(cast, settings, tmp_path,
                                                              monkeypatch):
    """A worker that outlived its lease (the hard time limit should have stopped it) finds
    another claim on the job when it finishes: it deletes its own file and records nothing."""
    from rectification import exports, tasks

    settings.MEDIA_ROOT = str(tmp_path)
    job = ExportJob.objects.create(kind=ExportJob.Kind.HAZARDS, requested_by=cast.centre)
    real = exports.build_export

    def slow_build(*args, **kwargs):
        ExportJob.objects.filter(pk=job.pk).update(file="rectification/exports/other.xlsx")
        return real(*args, **kwargs)

    monkeypatch.setattr(exports, "build_export", slow_build)
    assert tasks.run_export(job.pk) == "skipped"
    assert _files(tmp_path) == []
    assert _status(job) == "running"
