"""The 安全审计员's pages: read the audit trail and the access log, nothing else (等保2.0
separation of duties). Read-only; filtered by user, kind and date; paged.

Minimal exposure: the auditor sees who did what, when, from where, to which record (its type
and number), not the record's contents: no object_repr (a household's address, a key person's
name), no states (some hold an address or a visit's findings), no free-text reasons. An investigation resolves a number through the centre."""

import datetime as dt

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from grids.models import Role
from pingxiang.access import require_role, scoped
from pingxiang.models import AccessEvent, AuditEvent


def _filtered(qs, request, user_field):
    who = request.GET.get("user", "").strip()
    if who:
        qs = qs.filter(**{f"{user_field}__icontains": who})
    for name, lookup in (("start", "at__date__gte"), ("end", "at__date__lte")):
        raw = request.GET.get(name)
        if raw:
            try:
                qs = qs.filter(**{lookup: dt.date.fromisoformat(raw)})
            except ValueError:
                pass
    return qs


@scoped("role")
@require_GET
@require_role(Role.AUDITOR)
def audit_log(request):
    which = "access" if request.GET.get("log") == "access" else "audit"
    if which == "access":
        qs = _filtered(AccessEvent.objects.all(), request, "username")
        kind = request.GET.get("kind")
        if kind in AccessEvent.Kind.values:
            qs = qs.filter(kind=kind)
    else:
        qs = _filtered(AuditEvent.objects.all(), request, "actor_name")
    page = Paginator(qs.select_related("content_type").order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "auditlog.html", {
        "which": which, "page": page, "kinds": AccessEvent.Kind.choices,
        "query": request.GET.copy(),
    })
