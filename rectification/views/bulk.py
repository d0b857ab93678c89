"""批量交办 / 批量销号 from the hazard and supervision-item lists: a plain form of ticked
checkboxes in a form, no JavaScript needed; the batch runs through rectification.actions.run_batch,
all or none."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from grids.access import area_paths, has_role, require_role
from pingxiang.access import scoped

from .. import actions, forms
from ..access import BULK_ROLES
from ..models import Hazard, IssueItem

LISTS = {"hazard": "rectification:hazard_list", "issue": "rectification:issue_list"}


def bulk_context(request, kind, params=""):
    """What a list adds to its context for the posts that may hand out and close in bulk
    (None for everyone else): the ticked rows' checkboxes, and under them the bulk form,
    which loads when its <details> opens (its handler picker is the list's dearest part)
    or, without JavaScript, is drawn in the page by the link `?bulk=1`."""
    if not has_role(request.user, *BULK_ROLES):
        return {"bulk": None}
    opened = forms.BulkOpenForm(request.GET).opened()
    return {"bulk": {
        "form": _blank_form(request, params) if opened else None,
        "form_url": reverse(f"rectification:{kind}_bulk_form") + "?" + urlencode({"params": params}),
        "open_url": _open_url(kind, params),
    }}


def _open_url(kind, params):
    """The list with the bulk form drawn under its rows (the way without JavaScript)."""
    return reverse(LISTS[kind]) + "?" + (f"{params}&bulk=1" if params else "bulk=1")


def _blank_form(request, params):
    return forms.BulkForm(queryset=Hazard.objects.none(), handlers=_handlers(request.user),
                          initial={"params": params})


def _bulk_form(request, kind):
    """The bulk form's fields, for the list's <details> (htmx); without htmx, the list with
    the form drawn in it."""
    params = forms.BulkOpenForm(request.GET).list_params()
    if not request.htmx:
        return redirect(_open_url(kind, params))
    return render(request, "rectification/_bulk_fields.html",
                  {"bulk_form": _blank_form(request, params)})


def _handlers(user):
    """Who an item can be handed to on the platform: people in the user's areas."""
    paths = area_paths(user, roles=BULK_ROLES)
    if not paths:
        return get_user_model().objects.none()
    under = Q()
    for path in paths:
        under |= Q(memberships__area__path__startswith=path)
    return (get_user_model().objects.filter(under, is_active=True, memberships__is_active=True)
            .distinct().order_by("last_name", "first_name", "username"))


def _bulk(request, kind, queryset):
    form = forms.BulkForm(request.POST, queryset=queryset, handlers=_handlers(request.user))
    back = reverse(LISTS[kind])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        params = request.POST.get("params", "")[:1000]
        return redirect(f"{back}?{params}" if params else back)
    data = form.cleaned_data
    label = actions.BULK_LABELS[data["action"]]
    items = list(data["items"])
    try:
        done = actions.run_batch(kind, items, data["action"], actor=request.user,
                                 **form.action_kwargs(kind))
    except actions.BatchRefused as exc:
        messages.error(request, f"{len(exc.refusals)} 项不能{label}，本批 {len(items)} 项均未办理：")
        for item, reason in exc.refusals:
            messages.error(request, f"{item}：{reason}")
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已{label} {done} 项。")
    return redirect(f"{back}?{data['params']}" if data["params"] else back)


@scoped("area", model=Hazard)
@require_POST
@require_role(*BULK_ROLES)
def hazard_bulk(request):
    return _bulk(request, "hazard", Hazard.objects.visible_to(request.user))


@scoped("area", model=IssueItem)
@require_POST
@require_role(*BULK_ROLES)
def issue_bulk(request):
    return _bulk(request, "issue", IssueItem.objects.visible_to(request.user).select_related(
        "visit__round__team__town", "visit__area"))


@scoped("role")
@require_GET
@require_role(*BULK_ROLES)
def hazard_bulk_form(request):
    return _bulk_form(request, "hazard")


@scoped("role")
@require_GET
@require_role(*BULK_ROLES)
def issue_bulk_form(request):
    return _bulk_form(request, "issue")
