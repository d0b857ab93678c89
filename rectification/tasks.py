"""Background exports. Thin: id in, re-read, stop quietly if the job moved on, write the
workbook to storage and record progress on the ExportJob row the page polls."""

import logging

from celery import shared_task
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from .models import ExportJob

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_export(job_id):
    with transaction.atomic():
        claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
            status=ExportJob.Status.RUNNING)
    if not claimed:
        return "skipped"
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)

    def progress(n):
        ExportJob.objects.filter(pk=job_id).update(progress=n)

    try:
        from .exports import build_export  # the same filters as the page

        fileobj, filename = build_export(job.requested_by, job.kind, job.filters,
                                         progress=progress)
        job.file.save(filename, File(fileobj), save=False)
        ExportJob.objects.filter(pk=job_id).update(
            file=job.file.name, filename=filename, status=ExportJob.Status.DONE,
            finished_at=timezone.now())
    except Exception as exc:  # noqa: BLE001 - record the failure for the page, then re-raise
        logger.exception("export %s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:200], finished_at=timezone.now())
        raise
    return "done"
