"""Background exports. Thin: id in, re-read, stop quietly if the job moved on, write the
workbook to storage and record progress on the ExportJob row the page polls.

A worker may die in the middle (SIGKILL, OOM, a host restart). The job row is the lease:
claiming sets status RUNNING, `started_at` and the storage name the file will get. A RUNNING
job whose claim is older than EXPORT_LEASE belonged to a dead worker and may be claimed again
(the sweep re-sends it; a redelivered message does the same): the new attempt removes the
dead one's half-written file and writes its own. The lease is longer than the hard time limit,
so a live worker is always stopped before its job can be claimed again, and the final
compare-and-swap on (status, file) lets only the current claim finish the job."""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pingxiang import replica

from . import exports
from .models import ExportJob

logger = logging.getLogger(__name__)

EXPORT_LEASE = dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5 * 60)


def claimable(now):
    """Jobs a worker may claim at `now`: queued, or running under an expired lease."""
    return Q(status=ExportJob.Status.QUEUED) | Q(status=ExportJob.Status.RUNNING,
                                                 started_at__lt=now - EXPORT_LEASE)


def claim_export(job_id, now=None):
    """Claim the job for this attempt; returns (job, storage name) or (None, None)."""
    now = now or timezone.now()
    with transaction.atomic():
        job = (ExportJob.objects.select_for_update(skip_locked=True)
               .filter(claimable(now), pk=job_id).first())
        if job is None:
            return None, None
        leftover = job.file.name if job.status == ExportJob.Status.RUNNING else ""
        name = job.file.field.generate_filename(job, "export.xlsx")
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.RUNNING, started_at=now, file=name, progress=0)
    if leftover and job.file.storage.exists(leftover):
        job.file.storage.delete(leftover)  # the dead attempt's half-written workbook
    return job, name


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_export(job_id):
    job, name = claim_export(job_id)
    if job is None:
        return "skipped"
    mine = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING, file=name)

    def progress(n):
        mine.update(progress=n)

    storage = job.file.storage
    try:
        # The same filters as the page. Called through the module, so a test can stand in
        # for it (tests/trust/test_worker_killed.py).
        # The rows may come from the read replica; the requester's own writes do not.
        with replica.reads(user=job.requested_by):
            fileobj, filename = exports.build_export(job.requested_by, job.kind, job.filters,
                                                     progress=progress)
        saved = storage.save(name, File(fileobj))
        if not mine.update(file=saved, filename=filename, status=ExportJob.Status.DONE,
                           finished_at=timezone.now()):
            storage.delete(saved)  # our claim was taken over: the other attempt's file counts
            return "skipped"
    except Exception as exc:  # noqa: BLE001 - record the failure for the page, then re-raise
        logger.exception("export %s failed", job_id)
        mine.update(status=ExportJob.Status.FAILED, error=str(exc)[:200],
                    finished_at=timezone.now())
        raise
    return "done"
