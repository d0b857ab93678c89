"""The 安全审计员's pages: read the audit trail and the access log, nothing else (等保2.0
separation of duties). Read-only; filtered by user, kind and date; paged.

Minimal exposure: the auditor sees who did what, when, from where, to which record (its type
and number), not the record's contents: no object_repr (a household's address, a key person's
name), no states (some hold an address or a visit's findings), no free-text reasons. An investigation resolves a number through the centre."""

from django import forms
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pingxiang.access import scoped
from pingxiang.bounds import BoundedDateField
from pingxiang.listfilters import paginate
from pingxiang.models import AccessEvent, AuditEvent


class AuditFilterForm(forms.Form):
    """The log pages' query string: a bad date or kind is the form's message, never a 500."""

    log = forms.ChoiceField(choices=[("audit", "操作记录"), ("access", "访问记录")],
                            required=False)
    user = forms.CharField(required=False, max_length=150, strip=True)
    start = BoundedDateField(required=False)
    end = BoundedDateField(required=False)
    kind = forms.ChoiceField(choices=AccessEvent.Kind.choices, required=False)


def _filtered(qs, data, user_field):
    if data.get("user"):
        qs = qs.filter(**{f"{user_field}__icontains": data["user"]})
    if data.get("start"):
        qs = qs.filter(at__date__gte=data["start"])
    if data.get("end"):
        qs = qs.filter(at__date__lte=data["end"])
    return qs


@scoped("role")
@require_GET
# The 安全审计员 group holds these two permissions (grids.roles); no other post does.
@permission_required(["pingxiang.view_auditevent", "pingxiang.view_accessevent"],
                     raise_exception=True)
def audit_log(request):
    form = AuditFilterForm(request.GET)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    which = "access" if data.get("log") == "access" else "audit"
    if which == "access":
        qs = _filtered(AccessEvent.objects.all(), data, "username")
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
    else:
        qs = _filtered(AuditEvent.objects.all(), data, "actor_name")
    page = paginate(request, qs.select_related("content_type").order_by("-at", "-id"),
                    per_page=50)
    return render(request, "auditlog.html", {
        "which": which, "page": page, "kinds": AccessEvent.Kind.choices,
        "query": request.GET.copy(), "form": form,
    })
