"""Legal-awareness activities (普法宣传)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from grids.access import has_role, require_role
from grids.filters import filter_form
from grids.models import Area
from pingxiang.access import scoped
from pingxiang.excel import xlsx_response
from pingxiang.listfilters import paginate
from pingxiang.replica import replica_reads

from .. import actions, forms, stats
from ..access import LEGAL_RECORDERS, holds_role_over
from ..actions import ActionError
from ..exports import export_legal
from ..models import LegalActivity


def _filtered(request):
    """The activities the list shows for its query string: the one filter the page and its
    ledger share. Returns (form, queryset)."""
    form = filter_form(request, forms.LegalFilterForm)
    return form, form.filter(LegalActivity.objects.visible_to(request.user))


@scoped("area", model=LegalActivity)
@require_GET
def legal_list(request):
    form, qs = _filtered(request)
    qs = qs.select_related("village", "area")
    return render(request, "rectification/legal_list.html", {
        "page": paginate(request, qs), "totals": stats.legal_totals(qs), "form": form,
        "can_create": has_role(request.user, *LEGAL_RECORDERS),
    })


@scoped("area", model=LegalActivity)
@require_GET
@replica_reads
def legal_export(request):
    """普法宣传活动台账 of exactly the rows the list shows for the same query string."""
    form, qs = _filtered(request)
    if form.is_bound and not form.is_valid():  # the list says what was refused
        return redirect(reverse("rectification:legal_list") + "?" + request.GET.urlencode())
    fileobj, filename = export_legal(qs, user=request.user, form=form)
    return xlsx_response(fileobj, filename)


@scoped("role")
@require_http_methods(["GET", "POST"])
@require_role(*LEGAL_RECORDERS)
def legal_create(request):
    areas = Area.objects.visible_to(request.user).filter(
        kind__in=[Area.Kind.TOWN, Area.Kind.VILLAGE]).order_by("depth", "sort_order")
    form = forms.LegalActivityForm(request.POST or None, areas=areas, user=request.user)
    if request.method == "POST" and form.is_valid():
        if not holds_role_over(request.user, form.cleaned_data["area"], LEGAL_RECORDERS):
            raise Http404
        try:
            actions.record_legal_activity(actor=request.user, **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "普法宣传活动已登记。")
            return redirect("rectification:legal_list")
    return render(request, "rectification/form.html", {"form": form, "title": "登记普法宣传活动"})
