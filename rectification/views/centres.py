"""Centre standardisation (阵地建设): the list, the records, 对标检查, 巩固提升, 示范, photos."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from grids.access import has_role, post_town, require_role
from grids.filters import filter_form
from grids.models import Area
from pingxiang.access import scoped
from pingxiang.audit import timeline_list
from pingxiang.excel import xlsx_response
from pingxiang.replica import replica_reads
from pingxiang.uploads import serve_file

from .. import actions, forms, stats
from ..access import (
    CENTRE_EDITORS,
    TOWN_STAFF,
    get_centre_for_user,
    get_centre_photo_for_user,
    holds_role_over,
)
from ..exports import export_centres
from ..models import Centre, StandardItem
from .common import run_action


def _filtered(request):
    """The centres the list shows for its query string: the one filter the page and its
    ledger share. Returns (form, the filtered queryset, the same with n_met annotated)."""
    form = filter_form(request, forms.CentreFilterForm)
    listed = form.filter(Centre.objects.visible_to(request.user))
    return form, listed, listed.annotate(
        n_met=Count("checks", filter=Q(checks__met=True, checks__item__is_active=True)))


@scoped("area", model=Centre)
@require_GET
def centre_list(request):
    form, listed, qs = _filtered(request)
    qs = qs.select_related("area")
    return render(request, "rectification/centre_list.html", {
        "centres": qs.order_by("area__depth", "area__sort_order"),
        # The counts above the table are of the rows in it ("共 33 处" over 5 rows was not).
        "figures": stats.centre_counts(listed), "form": form,
        "n_items": StandardItem.objects.filter(is_active=True).count(),
        "can_setup": has_role(request.user, *TOWN_STAFF),
    })


@scoped("area", model=Centre)
@require_GET
@replica_reads
def centre_export(request):
    """综治中心阵地建设台账 of exactly the rows the list shows for the same query string."""
    form, _listed, qs = _filtered(request)
    if form.is_bound and not form.is_valid():  # the list says what was refused
        return redirect(reverse("rectification:centre_list") + "?" + request.GET.urlencode())
    fileobj, filename = export_centres(
        qs, user=request.user, form=form,
        n_items=StandardItem.objects.filter(is_active=True).count())
    return xlsx_response(fileobj, filename)


@scoped("role")
@require_POST
@require_role(*TOWN_STAFF)
def centre_setup(request):
    """Create the centre records of the town and each of its villages (idempotent)."""
    town = post_town(request.user, TOWN_STAFF)
    if town is None or not holds_role_over(request.user, town, TOWN_STAFF):
        raise PermissionDenied("只有镇综治中心或镇领导可以建立阵地档案。")
    before = Centre.objects.count()
    for area in [town, *Area.objects.filter(parent=town, kind=Area.Kind.VILLAGE)]:
        actions.ensure_centre(area, actor=request.user)
    messages.success(request, f"已建立 {Centre.objects.count() - before} 处综治中心档案。")
    return redirect("rectification:centre_list")


def _centre_page(request, centre, *, upgrade_form=None):
    checks = {c.item_id: c for c in centre.checks.all()}
    items = [(item, checks.get(item.pk)) for item in StandardItem.objects.filter(is_active=True)]
    writable = holds_role_over(request.user, centre.area, CENTRE_EDITORS)
    return render(request, "rectification/centre_detail.html", {
        "centre": centre, "items": items, "writable": writable,
        "upgrade_form": upgrade_form or forms.CentreUpgradeForm(initial={
            "upgrade_status": centre.upgrade_status, "upgraded_on": centre.upgraded_on}),
        "photo_form": forms.CentrePhotoForm(), "photos": centre.photos.all(),
        "issues": centre.issues.visible_to(request.user).select_related("category"),
        "timeline": timeline_list(centre),
    })


@scoped("area", model=Centre)
@require_GET
def centre_detail(request, pk):
    return _centre_page(request, get_centre_for_user(request.user, pk))


@scoped("area", model=Centre)
@require_POST
def centre_checks(request, pk):
    centre = get_centre_for_user(request.user, pk, write=True)
    results = {}
    for item in StandardItem.objects.filter(is_active=True):
        results[item] = (request.POST.get(f"met_{item.pk}") == "1",
                         request.POST.get(f"note_{item.pk}", "")[:200])
    changed = actions.record_centre_checks(centre, actor=request.user, results=results)
    messages.success(request, f"对标检查已保存（{changed} 项有变化）。")
    return redirect("rectification:centre_detail", pk)


@scoped("area", model=Centre)
@require_POST
def centre_upgrade(request, pk):
    centre = get_centre_for_user(request.user, pk, write=True)
    form = forms.CentreUpgradeForm(request.POST)
    if not form.is_valid():
        return _centre_page(request, centre, upgrade_form=form)
    run_action(request, actions.set_centre_upgrade, centre, success="巩固提升状态已更新。",
         status=form.cleaned_data["upgrade_status"], upgraded_on=form.cleaned_data["upgraded_on"])
    return redirect("rectification:centre_detail", pk)


@scoped("area", model=Centre)
@require_POST
def centre_demonstration(request, pk):
    centre = get_centre_for_user(request.user, pk, write=True)
    if not holds_role_over(request.user, centre.area, TOWN_STAFF):
        raise PermissionDenied("只有镇综治中心或镇领导可以评定示范综治中心。")
    flag = request.POST.get("flag") == "1"
    run_action(request, actions.set_centre_demonstration, centre, flag=flag,
         success="已评为示范综治中心。" if flag else "已取消示范。")
    return redirect("rectification:centre_detail", pk)


@scoped("area", model=Centre)
@require_POST
def centre_photo_add(request, pk):
    centre = get_centre_for_user(request.user, pk, write=True)
    form = forms.CentrePhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("photo", []):
            messages.error(request, error)
    else:
        for upload in form.cleaned_data["photo"]:
            run_action(request, actions.add_centre_photo, centre, upload=upload,
                 caption=form.cleaned_data["caption"], success="照片已上传。")
    return redirect("rectification:centre_detail", pk)


@scoped("area", model=Centre)
@require_GET
def centre_photo(request, pk):
    return serve_file(get_centre_photo_for_user(request.user, pk).file)
