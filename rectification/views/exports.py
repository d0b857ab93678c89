"""Exports: small ones stream at once, large ones run in the background (ExportJob), whose
page the user polls and whose file only they may download."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from pingxiang.access import scoped
from pingxiang.audit import log_access
from pingxiang.excel import xlsx_response
from pingxiang.models import AccessEvent
from pingxiang.uploads import serve_file

from .. import actions
from ..access import get_export_job_for_user
from ..exports import build_export
from ..models import ExportJob, Policy


def export_or_queue(request, kind, filters, total, *, obj=None):
    """Small exports stream now; large ones run in the background (ExportJob)."""
    log_access(request.user, AccessEvent.Kind.EXPORT, obj, request=request,
               detail=f"{ExportJob.Kind(kind).label} {total} 行 {filters}")
    if total <= Policy.current().export_sync_limit:
        fileobj, filename = build_export(request.user, kind, filters)
        return xlsx_response(fileobj, filename)
    job = actions.start_export(kind, actor=request.user, filters=filters, total=total)
    return redirect("rectification:export_status", job.pk)


@scoped("own", model=ExportJob)
@require_GET
def export_status(request, pk):
    job = get_export_job_for_user(request.user, pk)
    template = "rectification/export_status.html"
    return render(request, template + "#job" if request.htmx else template, {"job": job})


@scoped("own", model=ExportJob)
@require_GET
def export_download(request, pk):
    job = get_export_job_for_user(request.user, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    log_access(request.user, AccessEvent.Kind.DOWNLOAD, job, request=request, detail=job.filename)
    return serve_file(job.file, download_name=job.filename)
