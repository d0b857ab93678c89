"""The hazard ledger and the closed loop's pages: 登记, 交办, 整改, 验收, 销号, photos, export."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grids.access import has_role, require_role
from grids.positions import shown_position
from pingxiang import gongwen
from pingxiang.access import scoped
from pingxiang.audit import timeline_list
from pingxiang.listfilters import paginate
from pingxiang.replica import replica_reads
from pingxiang.uploads import serve_file

from .. import actions, forms, notices
from ..access import (
    REPORTERS,
    can_manage_hazard,
    can_rectify_hazard,
    can_regrade_hazard,
    get_hazard_for_user,
    get_hazard_photo_for_user,
    holds_role_over,
)
from ..actions import ActionError
from ..models import ExportJob, Hazard
from .bulk import bulk_context
from .common import default_deadline, run_action, users_under
from .exports import export_or_queue


def _hazard_filter(request):
    form = forms.HazardFilterForm(request.GET, user=request.user)
    # With the dashboard's drill-down ?area/from/to (same query as the number it came from).
    return form, form.filter(Hazard.objects.visible_to(request.user))


@scoped("area", model=Hazard)
@require_GET
def hazard_list(request):
    form, qs = _hazard_filter(request)
    # The columns the rows show; the page's villages and places are prefetched by key
    # (joined, PostgreSQL hashed every area of the county before cutting the page).
    qs = (qs.select_related("category").prefetch_related("village", "place").with_due_flags()
          .order_by("-found_date", "-pk")
          .only("number", "found_date", "location", "description", "deadline", "status",
                "grade", "village", "place", "category__name"))
    context = {"form": form, "page": paginate(request, qs),
               "params": urlencode(form.as_params()),
               "can_register": has_role(request.user, *REPORTERS),
               **bulk_context(request, "hazard", urlencode(form.as_params()))}
    template = "rectification/hazard_list.html"
    return render(request, template + "#table" if request.htmx else template, context)


@scoped("role")
@require_http_methods(["GET", "POST"])
@require_role(*REPORTERS)
def hazard_create(request):
    """Intake. GET prefill: ?source=&area=&description=&place=&visit=&inspection=&campaign="""
    g = request.GET
    initial = {"source": g.get("source") or Hazard.Source.INSPECTION, "area": g.get("area"),
               "description": g.get("description", "")[:2000], "place": g.get("place"),
               "campaign": g.get("campaign")}
    # The source records, resolved among those the user may see; another's is refused.
    source = forms.HazardSourceForm(g, user=request.user)
    source.is_valid()
    for errors in source.errors.values():
        messages.error(request, errors[0])
    inspection, visit = source.cleaned_data.get("inspection"), source.cleaned_data.get("visit")
    if inspection is not None:
        initial.update(place=inspection.place_id, area=inspection.area_id,
                       campaign=inspection.campaign_id,
                       source_ref=f"{inspection.date:%Y-%m-%d} 检查 {inspection.target_label}")
    if visit is not None:
        initial["visit"] = visit.pk
        initial.setdefault("source_ref", f"走访记录 {visit.pk}")
    form = forms.HazardForm(request.POST or None, request.FILES or None, user=request.user,
                            initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = data["place"].grid if data["place"] else data["area"]
        if not holds_role_over(request.user, area, REPORTERS):
            form.add_error("area", "您只能登记本人负责辖区内的隐患。")
        else:
            try:
                hazard = actions.register_hazard(
                    actor=request.user, source=data["source"], category=data["category"],
                    grade=data["grade"], area=area, place=data["place"], location=data["location"],
                    description=data["description"], found_date=data["found_date"],
                    campaign=data["campaign"], source_ref=data["source_ref"],
                    source_visit_id=data["visit"], inspection=inspection, photos=data["photos"],
                    position=data["position"])
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"隐患已登记，编号 {hazard.number}。")
                return redirect("rectification:hazard_detail", hazard.pk)
    return render(request, "rectification/form.html", {
        "form": form, "title": "登记隐患", "multipart": True})


def _hazard_page(request, hazard, **bound):
    user = request.user
    # A withdrawn hazard is kept on file: nothing more is done to it.
    manage = can_manage_hazard(user, hazard) and not hazard.withdrawn_at
    rectify = can_rectify_hazard(user, hazard) and not hazard.withdrawn_at
    status = hazard.status
    t = actions.HAZARD_TRANSITIONS
    handlers = users_under(hazard.village or hazard.area)
    context = {
        "hazard": hazard, "timeline": timeline_list(hazard),
        "photos": list(hazard.photos.all()),
        "assign_form": bound.get("assign_form") or (
            forms.HazardAssignForm(handlers=handlers, initial={
                "deadline": default_deadline()}) if manage and actions.allowed(t, "assign", status) else None),
        "progress_form": bound.get("progress_form") or (
            forms.NoteForm(prefix="p") if rectify and actions.allowed(t, "progress", status) else None),
        "submit_form": bound.get("submit_form") or (
            forms.NoteForm(prefix="s") if rectify and actions.allowed(t, "submit", status) else None),
        "verify_form": bound.get("verify_form") or (
            forms.VerifyForm() if manage and actions.allowed(t, "pass", status)
            and user.pk not in actions.rectifiers_of(hazard) else None),
        "self_rectified": manage and status == Hazard.Status.SUBMITTED
        and user.pk in actions.rectifiers_of(hazard),
        "can_close": manage and actions.allowed(t, "close", status),
        "can_print_notice": manage,
        "photo_form": forms.PhotoForm() if (manage or rectify) and status != Hazard.Status.CLOSED else None,
        # Where the reporter was (issue 21 §3), for the roles that may see positions.
        "position": shown_position(user, hazard, area=hazard.area, subject=hazard.place),
        "can_correct": manage,
        "can_withdraw": manage and can_regrade_hazard(user, hazard),
    }
    return render(request, "rectification/hazard_detail.html", context)


@scoped("area", model=Hazard)
@require_GET
def hazard_detail(request, pk):
    return _hazard_page(request, get_hazard_for_user(request.user, pk))


@scoped("area", model=Hazard)
@require_http_methods(["GET", "POST"])
def hazard_notice(request, pk):
    """隐患整改通知书 (交办单): prefilled from the hazard, edited, printed as a 公文 .docx by
    those who hand hazards out (交办)."""
    hazard = get_hazard_for_user(request.user, pk, write="manage")
    return gongwen.notice_page(
        request, initial=notices.hazard_notice(hazard, user=request.user),
        kind="隐患整改通知书", filename=f"隐患整改通知书-{hazard.number or hazard.pk}.docx",
        back_url=reverse("rectification:hazard_detail", args=[pk]))


@scoped("area", model=Hazard)
@require_POST
def hazard_assign(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="manage")
    form = forms.HazardAssignForm(request.POST, handlers=users_under(hazard.village or hazard.area))
    if not form.is_valid():
        return _hazard_page(request, hazard, assign_form=form)
    run_action(request, actions.assign_hazard, hazard, success="已交办。", **form.cleaned_data)
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_POST
def hazard_progress(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="rectify")
    form = forms.NoteForm(request.POST, request.FILES, prefix="p")
    if not form.is_valid():
        return _hazard_page(request, hazard, progress_form=form)
    run_action(request, actions.note_hazard_progress, hazard, success="整改进展已记录。",
         note=form.cleaned_data["note"], photos=form.cleaned_data["photos"])
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_POST
def hazard_submit(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="rectify")
    form = forms.NoteForm(request.POST, request.FILES, prefix="s")
    if not form.is_valid():
        return _hazard_page(request, hazard, submit_form=form)
    run_action(request, actions.submit_hazard_rectification, hazard, success="已报验收。",
         note=form.cleaned_data["note"], photos=form.cleaned_data["photos"])
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_POST
def hazard_verify(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="manage")
    form = forms.VerifyForm(request.POST)
    if not form.is_valid():
        return _hazard_page(request, hazard, verify_form=form)
    passed = form.cleaned_data["passed"]
    run_action(request, actions.verify_hazard, hazard, passed=passed, note=form.cleaned_data["note"],
         success="验收通过，可以销号。" if passed else "验收不通过，已退回整改。")
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_POST
def hazard_close(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="manage")
    run_action(request, actions.close_hazard, hazard, success="已销号。")
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_POST
def hazard_photo_add(request, pk):
    hazard = get_hazard_for_user(request.user, pk)
    if not (can_manage_hazard(request.user, hazard) or can_rectify_hazard(request.user, hazard)):
        raise PermissionDenied("您的岗位没有此项权限。")
    form = forms.PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("photo", []) + form.errors.get("stage", []):
            messages.error(request, error)
        return redirect("rectification:hazard_detail", pk)
    for upload in form.cleaned_data["photo"]:
        run_action(request, actions.add_hazard_photo, hazard, upload=upload,
             stage=form.cleaned_data["stage"], success="照片已上传。")
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_GET
def hazard_photo(request, pk):
    photo = get_hazard_photo_for_user(request.user, pk)
    return serve_file(photo.file)


@scoped("area", model=Hazard)
@require_GET
@replica_reads
def hazard_export(request):
    form, qs = _hazard_filter(request)
    if not form.is_valid():  # the list says what was refused
        return redirect(reverse("rectification:hazard_list") + "?" + request.GET.urlencode())
    filters = form.as_params()
    return export_or_queue(request, ExportJob.Kind.HAZARDS, filters, qs.count())


# --- Corrections and withdrawal (issue 19) -------------------------------------------------------
def _correction(request, hazard, form, title, name):
    """The form on a page of its own, or (htmx, opened from the hazard page's <details>)
    just the form."""
    template = "rectification/hazard_correction.html"
    return render(request, template + "#form" if request.htmx else template,
                  {"hazard": hazard, "form": form, "title": title, "name": name})


def _run_correction(request, hazard, form, func, success, **kwargs):
    hazard.version = form.cleaned_data["version"]  # the version the user saw
    try:
        func(hazard, actor=request.user, **kwargs)
    except actions.HazardChanged as exc:  # shown the hazard as it now stands
        messages.error(request, str(exc))
        return redirect("rectification:hazard_detail", hazard.pk)
    except ActionError as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(request, success)
    return redirect("rectification:hazard_detail", hazard.pk)


@scoped("area", model=Hazard)
@require_http_methods(["GET", "POST"])
def hazard_correct(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="manage")
    if hazard.withdrawn_at:
        raise PermissionDenied("隐患已撤销，不能更正。")
    form = forms.HazardCorrectForm(request.POST or None, hazard=hazard, user=request.user,
                                   may_regrade=can_regrade_hazard(request.user, hazard))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = _run_correction(request, hazard, form, actions.correct_hazard,
                               "已更正，原内容和原因已记入办理记录。", reason=d["reason"],
                               category=d["category"], grade=d["grade"], area=d["area"],
                               place=d["place"], location=d["location"])
        if done:
            return done
    return _correction(request, hazard, form, "更正隐患信息", "correct")


@scoped("area", model=Hazard)
@require_http_methods(["GET", "POST"])
def hazard_withdraw(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="manage")
    if not can_regrade_hazard(request.user, hazard):
        raise PermissionDenied("只有镇综治中心工作人员可以撤销隐患。")
    form = forms.HazardWithdrawForm(request.POST or None, hazard=hazard)
    if request.method == "POST" and form.is_valid():
        done = _run_correction(request, hazard, form, actions.withdraw_hazard,
                               "已撤销。此隐患保留备查，不再计入统计。",
                               reason=form.cleaned_data["reason"])
        if done:
            return done
    return _correction(request, hazard, form, "撤销隐患", "withdraw")
