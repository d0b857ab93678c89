"""Thin views: fetch through access.py, validate a form, call an action, render or redirect."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grids.access import has_role, require_role
from grids.models import Area, KeyPlace
from pingxiang.access import scoped
from pingxiang.audit import log_access, timeline_list
from pingxiang.excel import xlsx_response
from pingxiang.listfilters import filter_form, paginate
from pingxiang.models import AccessEvent
from pingxiang.redirects import safe_next
from pingxiang.uploads import serve_file

from . import actions, forms, stats
from .access import (
    CENTRE_EDITORS,
    LEGAL_RECORDERS,
    REPORTERS,
    TOWN_STAFF,
    can_manage_hazard,
    can_rectify_hazard,
    can_report_issue,
    can_supervise,
    get_campaign_for_user,
    get_centre_for_user,
    get_centre_photo_for_user,
    get_evidence_for_user,
    get_export_job_for_user,
    get_hazard_for_user,
    get_hazard_photo_for_user,
    get_inspection_for_user,
    get_issue_for_user,
    get_round_for_user,
    get_team_for_user,
    get_visit_for_user,
    holds_role_over,
)
from .actions import ActionError
from .exports import build_export
from .models import (
    Campaign,
    Centre,
    ExportJob,
    Hazard,
    Inspection,
    IssueItem,
    LegalActivity,
    Policy,
    StandardItem,
    SupervisionTeam,
)


def _page(request, qs):
    return paginate(request, qs)


def _run(request, func, *args, success, **kwargs):
    """Call an action; show its Chinese refusal as a message. True on success."""
    try:
        func(*args, actor=request.user, **kwargs)
    except ActionError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True


def _users_under(area):
    return (get_user_model().objects.filter(
        is_active=True, memberships__is_active=True, memberships__area__path__startswith=area.path)
        .distinct().order_by("last_name", "first_name", "username"))


# --- Overview, campaigns, inspections ------------------------------------------------------------

@scoped("area", model=Hazard)
@require_GET
def index(request):
    return render(request, "rectification/index.html", {
        "figures": stats.overview(request.user),
        "campaigns": Campaign.objects.visible_to(request.user).order_by("-start_date")[:10],
    })


@scoped("area", model=Campaign)
@require_GET
def campaign_list(request):
    campaigns = (Campaign.objects.visible_to(request.user).select_related("scope")
                 .annotate(n_inspections=Count("inspections", distinct=True),
                           n_hazards=Count("hazards", distinct=True))
                 .order_by("-start_date", "pk"))
    town = _town_of_user(request.user)
    return render(request, "rectification/campaign_list.html", {
        "campaigns": campaigns,
        "can_create": bool(town) and holds_role_over(request.user, town, TOWN_STAFF),
    })


def _town_of_user(user):
    return Area.objects.visible_to(user).filter(kind=Area.Kind.TOWN).first()


@scoped("role")
@require_http_methods(["GET", "POST"])
@require_role(*TOWN_STAFF)
def campaign_create(request):
    town = _town_of_user(request.user)
    if town is None or not holds_role_over(request.user, town, TOWN_STAFF):
        raise Http404
    scopes = Area.objects.filter(Q(pk=town.pk) | Q(parent=town, kind=Area.Kind.VILLAGE)).order_by(
        "depth", "sort_order")
    form = forms.CampaignForm(request.POST or None, scopes=scopes, initial={"scope": town.pk})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = actions.create_campaign(actor=request.user, **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "专项整治已建立。")
            return redirect("rectification:campaign_detail", campaign.pk)
    return render(request, "rectification/form.html", {"form": form, "title": "新建专项整治"})


@scoped("area", model=Campaign)
@require_GET
def campaign_detail(request, pk):
    campaign = get_campaign_for_user(request.user, pk)
    inspections = Inspection.objects.visible_to(request.user).filter(campaign=campaign)
    hazards = Hazard.objects.visible_to(request.user).filter(campaign=campaign)
    return render(request, "rectification/campaign_detail.html", {
        "campaign": campaign, "counts": inspections.counts(),
        "by_kind": stats.inspections_by_kind(inspections),
        "hazards_by_category": stats.hazards_by_category(hazards),
        "inspections": inspections.select_related("place", "village")[:100],
        "timeline": timeline_list(campaign),
    })


@scoped("area", model=Inspection)
@require_GET
def inspection_list(request):
    form = filter_form(request, forms.InspectionFilterForm)
    qs = form.filter(Inspection.objects.visible_to(request.user)
                     .select_related("place", "campaign", "village"))
    rows = qs
    if form.value("distinct") == "place":  # one row per place: "places inspected"
        rows = qs.filter(place__isnull=False).order_by("place_id", "date", "pk").distinct(
            "place_id")
    return render(request, "rectification/inspection_list.html", {
        "page": _page(request, rows), "counts": qs.counts(), "by_kind": stats.inspections_by_kind(qs),
        "kinds": KeyPlace.Kind.choices,
        "campaigns": Campaign.objects.visible_to(request.user),
        "form": form, "filters": _shown(form, "campaign", "kind", "distinct"),
    })


def _shown(form, *names):
    """The applied filters as the hand-written filter form compares them (strings)."""
    return {name: str(getattr(value, "pk", value)) for name in names
            if (value := form.value(name)) not in (None, "", False)}


@scoped("role")
@require_http_methods(["GET", "POST"])
@require_role(*REPORTERS)
def inspection_create(request):
    initial = {"place": request.GET.get("place"), "campaign": request.GET.get("campaign")}
    form = forms.InspectionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = data["place"].grid if data["place"] else data["area"]
        if not holds_role_over(request.user, area, REPORTERS):
            raise Http404
        try:
            inspection = actions.record_inspection(actor=request.user, **data)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"检查已登记（该场所本专项第 {inspection.sequence} 次检查）。")
            return redirect("rectification:inspection_detail", inspection.pk)
    return render(request, "rectification/form.html", {"form": form, "title": "登记检查"})


@scoped("area", model=Inspection)
@require_GET
def inspection_detail(request, pk):
    inspection = get_inspection_for_user(request.user, pk)
    return render(request, "rectification/inspection_detail.html", {
        "inspection": inspection,
        "hazards": inspection.hazards.select_related("category"),
        "timeline": timeline_list(inspection),
    })


# --- Hazards -----------------------------------------------------------------------------------

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
    context = {"form": form, "page": _page(request, qs),
               "params": urlencode(form.as_params()),
               "can_register": has_role(request.user, *REPORTERS)}
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
                    source_visit_id=data["visit"], inspection=inspection, photos=data["photos"])
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"隐患已登记，编号 {hazard.number}。")
                return redirect("rectification:hazard_detail", hazard.pk)
    return render(request, "rectification/form.html", {
        "form": form, "title": "登记隐患", "multipart": True})


def _hazard_page(request, hazard, **bound):
    user = request.user
    manage = can_manage_hazard(user, hazard)
    rectify = can_rectify_hazard(user, hazard)
    status = hazard.status
    t = actions.HAZARD_TRANSITIONS
    handlers = _users_under(hazard.village or hazard.area)
    context = {
        "hazard": hazard, "timeline": timeline_list(hazard),
        "photos": list(hazard.photos.all()),
        "assign_form": bound.get("assign_form") or (
            forms.HazardAssignForm(handlers=handlers, initial={
                "deadline": _default_deadline()}) if manage and actions.allowed(t, "assign", status) else None),
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
        "photo_form": forms.PhotoForm() if (manage or rectify) and status != Hazard.Status.CLOSED else None,
    }
    return render(request, "rectification/hazard_detail.html", context)


def _default_deadline():
    import datetime as dt

    from .models import today

    return today() + dt.timedelta(days=Policy.current().default_deadline_days)


@scoped("area", model=Hazard)
@require_GET
def hazard_detail(request, pk):
    return _hazard_page(request, get_hazard_for_user(request.user, pk))


@scoped("area", model=Hazard)
@require_POST
def hazard_assign(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="manage")
    form = forms.HazardAssignForm(request.POST, handlers=_users_under(hazard.village or hazard.area))
    if not form.is_valid():
        return _hazard_page(request, hazard, assign_form=form)
    _run(request, actions.assign_hazard, hazard, success="已交办。", **form.cleaned_data)
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_POST
def hazard_progress(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="rectify")
    form = forms.NoteForm(request.POST, request.FILES, prefix="p")
    if not form.is_valid():
        return _hazard_page(request, hazard, progress_form=form)
    _run(request, actions.note_hazard_progress, hazard, success="整改进展已记录。",
         note=form.cleaned_data["note"], photos=form.cleaned_data["photos"])
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_POST
def hazard_submit(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="rectify")
    form = forms.NoteForm(request.POST, request.FILES, prefix="s")
    if not form.is_valid():
        return _hazard_page(request, hazard, submit_form=form)
    _run(request, actions.submit_hazard_rectification, hazard, success="已报验收。",
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
    _run(request, actions.verify_hazard, hazard, passed=passed, note=form.cleaned_data["note"],
         success="验收通过，可以销号。" if passed else "验收不通过，已退回整改。")
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_POST
def hazard_close(request, pk):
    hazard = get_hazard_for_user(request.user, pk, write="manage")
    _run(request, actions.close_hazard, hazard, success="已销号。")
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
        _run(request, actions.add_hazard_photo, hazard, upload=upload,
             stage=form.cleaned_data["stage"], success="照片已上传。")
    return redirect("rectification:hazard_detail", pk)


@scoped("area", model=Hazard)
@require_GET
def hazard_photo(request, pk):
    photo = get_hazard_photo_for_user(request.user, pk)
    return serve_file(photo.file)


def _export(request, kind, filters, total, *, obj=None):
    """Small exports stream now; large ones run in the background (ExportJob)."""
    log_access(request.user, AccessEvent.Kind.EXPORT, obj, request=request,
               detail=f"{ExportJob.Kind(kind).label} {total} 行 {filters}")
    if total <= Policy.current().export_sync_limit:
        fileobj, filename = build_export(request.user, kind, filters)
        return xlsx_response(fileobj, filename)
    job = actions.start_export(kind, actor=request.user, filters=filters, total=total)
    return redirect("rectification:export_status", job.pk)


@scoped("area", model=Hazard)
@require_GET
def hazard_export(request):
    form, qs = _hazard_filter(request)
    if not form.is_valid():  # the list says what was refused
        return redirect(reverse("rectification:hazard_list") + "?" + request.GET.urlencode())
    filters = form.as_params()
    return _export(request, ExportJob.Kind.HAZARDS, filters, qs.count())


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


# --- Supervision -------------------------------------------------------------------------------

@scoped("area", model=IssueItem)
@require_GET
def team_list(request):
    teams = (SupervisionTeam.objects.visible_to(request.user).distinct().select_related("town")
             .prefetch_related("members", "rounds").order_by("name"))
    town = _town_of_user(request.user)
    can_create = bool(town) and holds_role_over(request.user, town, TOWN_STAFF)
    return render(request, "rectification/team_list.html", {
        "teams": teams, "figures": stats.issue_counts(IssueItem.objects.visible_to(request.user)),
        "team_form": forms.TeamForm() if can_create else None,
    })


@scoped("role")
@require_POST
@require_role(*TOWN_STAFF)
def team_create(request):
    """Town centre staff and leaders set up a supervision team; members are added on its page."""
    town = _town_of_user(request.user)
    if town is None or not holds_role_over(request.user, town, TOWN_STAFF):
        raise PermissionDenied("只有镇综治中心或镇领导可以组建督导组。")
    form = forms.TeamForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写督导组名称。")
        return redirect("rectification:team_list")
    team = actions.create_team(actor=request.user, town=town, name=form.cleaned_data["name"])
    return redirect("rectification:team_detail", team.pk)


@scoped("area", model=IssueItem)
@require_http_methods(["GET", "POST"])
def team_detail(request, pk):
    team = get_team_for_user(request.user, pk)
    writable = can_supervise(request.user, team)
    round_form = forms.RoundForm(request.POST or None, user=request.user) if writable else None
    if request.method == "POST":
        get_team_for_user(request.user, pk, write=True)
        if round_form.is_valid():
            try:
                rnd = actions.create_round(team, actor=request.user, **round_form.cleaned_data)
            except ActionError as exc:
                round_form.add_error(None, str(exc))
            else:
                return redirect("rectification:round_detail", rnd.pk)
    return render(request, "rectification/team_detail.html", {
        "team": team, "members": team.members.select_related("user"),
        "rounds": team.rounds.annotate(n_visits=Count("visits", distinct=True),
                                       n_items=Count("visits__items")),
        "round_form": round_form, "member_form": forms.TeamMemberForm() if writable else None,
        "timeline": timeline_list(team),
    })


@scoped("area", model=IssueItem)
@require_POST
def team_member_add(request, pk):
    team = get_team_for_user(request.user, pk, write=True)
    form = forms.TeamMemberForm(request.POST)
    if form.is_valid():
        _run(request, actions.add_team_member, team, success="成员已添加。", **form.cleaned_data)
    else:
        messages.error(request, "请填写成员姓名和单位。")
    return redirect("rectification:team_detail", pk)


@scoped("area", model=IssueItem)
@require_http_methods(["GET", "POST"])
def round_detail(request, pk):
    rnd = get_round_for_user(request.user, pk)
    writable = can_supervise(request.user, rnd.team)
    form = None
    if writable:
        members = "、".join(m.name for m in rnd.team.members.all())
        form = forms.VisitForm(request.POST or None, user=request.user, town=rnd.team.town,
                               initial={"members": members})
    if request.method == "POST":
        get_round_for_user(request.user, pk, write=True)
        if form.is_valid():
            try:
                visit = actions.record_visit(rnd, actor=request.user, **form.cleaned_data)
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "督导检查已登记，请建立问题清单。")
                return redirect("rectification:visit_detail", visit.pk)
    visits = (rnd.visits.visible_to(request.user).select_related("area")
              .annotate(n_items=Count("items"),
                        n_closed=Count("items", filter=Q(items__status=IssueItem.Status.CLOSED))))
    return render(request, "rectification/round_detail.html", {
        "round": rnd, "visits": visits, "visit_form": form, "timeline": timeline_list(rnd),
    })


def _visit_page(request, visit, *, issue_form=None):
    filter_form = forms.IssueFilterForm(request.GET, user=request.user)
    qs = IssueItem.objects.visible_to(request.user).filter(visit=visit)
    items = filter_form.filter(qs).select_related("category", "handler").order_by("number")
    writable = can_supervise(request.user, visit.round.team)
    context = {
        "visit": visit, "items": items, "filter_form": filter_form,
        "params": urlencode(filter_form.as_params()),
        "issue_form": issue_form or (forms.IssueForm() if writable else None),
        "timeline": timeline_list(visit),
    }
    template = "rectification/visit_detail.html"
    return render(request, template + "#items" if request.htmx else template, context)


@scoped("area", model=IssueItem)
@require_GET
def visit_detail(request, pk):
    return _visit_page(request, get_visit_for_user(request.user, pk))


@scoped("area", model=IssueItem)
@require_POST
def issue_create(request, pk):
    visit = get_visit_for_user(request.user, pk, write=True)
    form = forms.IssueForm(request.POST, request.FILES)
    if not form.is_valid():
        return _visit_page(request, visit, issue_form=form)
    data = form.cleaned_data
    try:
        item = actions.add_issue(visit, actor=request.user, category=data["category"],
                                 description=data["description"],
                                 requirement=data["requirement"], evidence=data["evidence"])
    except ActionError as exc:
        form.add_error(None, str(exc))
        return _visit_page(request, visit, issue_form=form)
    messages.success(request, f"问题 {item.number} 已列入清单。")
    return redirect("rectification:visit_detail", pk)


@scoped("area", model=IssueItem)
@require_GET
def issue_export(request, pk):
    visit = get_visit_for_user(request.user, pk)
    filter_form = forms.IssueFilterForm(request.GET, user=request.user)
    if not filter_form.is_valid():  # the page says what was refused
        return redirect(reverse("rectification:visit_detail", args=[visit.pk]) + "?"
                        + request.GET.urlencode())
    qs = filter_form.filter(IssueItem.objects.visible_to(request.user).filter(visit=visit))
    filters = {"visit": visit.pk, **filter_form.as_params()}
    return _export(request, ExportJob.Kind.ISSUES, filters, qs.count(), obj=visit)


@scoped("area", model=IssueItem)
@require_GET
def issue_list(request):
    filter_form = forms.IssueFilterForm(request.GET, user=request.user)
    # With the dashboard's drill-down ?area/from/to (same query as the number it came from).
    qs = filter_form.filter(IssueItem.objects.visible_to(request.user)).select_related(
        "category", "visit", "visit__round", "visit__round__team", "area").order_by(
        "status", "deadline", "pk")
    return render(request, "rectification/issue_list.html", {
        "page": _page(request, qs), "filter_form": filter_form,
    })


def _issue_page(request, item, **bound):
    user = request.user
    supervise = can_supervise(user, item.visit.round.team)
    report = can_report_issue(user, item)
    t, status = actions.ISSUE_TRANSITIONS, item.status
    self_reported = user.pk in {item.reported_by_id, item.handler_id}
    context = {
        "item": item, "timeline": timeline_list(item), "evidence": list(item.evidence.all()),
        "assign_form": bound.get("assign_form") or (
            forms.IssueAssignForm(handlers=_users_under(item.area), initial={
                "deadline": _default_deadline(), "requirement": item.requirement})
            if supervise and actions.allowed(t, "assign", status) else None),
        "report_form": bound.get("report_form") or (
            forms.ReportForm() if report and actions.allowed(t, "report", status) else None),
        "recheck_form": bound.get("recheck_form") or (
            forms.RecheckForm() if supervise and actions.allowed(t, "pass", status)
            and not self_reported else None),
        "self_reported": supervise and status == IssueItem.Status.REPORTED and self_reported,
        "can_close": supervise and actions.allowed(t, "close", status),
        "evidence_form": forms.EvidenceForm() if supervise and status != IssueItem.Status.CLOSED else None,
    }
    return render(request, "rectification/issue_detail.html", context)


@scoped("area", model=IssueItem)
@require_GET
def issue_detail(request, pk):
    return _issue_page(request, get_issue_for_user(request.user, pk))


@scoped("area", model=IssueItem)
@require_POST
def issue_assign(request, pk):
    item = get_issue_for_user(request.user, pk, write="supervise")
    form = forms.IssueAssignForm(request.POST, handlers=_users_under(item.area))
    if not form.is_valid():
        return _issue_page(request, item, assign_form=form)
    _run(request, actions.assign_issue, item, success="已交办。", **form.cleaned_data)
    return redirect(safe_next(request, reverse("rectification:issue_detail", args=[pk])))


@scoped("area", model=IssueItem)
@require_POST
def issue_report(request, pk):
    item = get_issue_for_user(request.user, pk, write="report")
    form = forms.ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _issue_page(request, item, report_form=form)
    _run(request, actions.report_issue, item, success="整改情况已报送，等待复核。",
         report=form.cleaned_data["report"], evidence=form.cleaned_data["evidence"])
    return redirect("rectification:issue_detail", pk)


@scoped("area", model=IssueItem)
@require_POST
def issue_recheck(request, pk):
    item = get_issue_for_user(request.user, pk, write="supervise")
    form = forms.RecheckForm(request.POST)
    if not form.is_valid():
        return _issue_page(request, item, recheck_form=form)
    passed = form.cleaned_data["passed"]
    _run(request, actions.recheck_issue, item, passed=passed, note=form.cleaned_data["note"],
         success="复核通过，可以销号。" if passed else "复核不通过，已退回整改。")
    return redirect("rectification:issue_detail", pk)


@scoped("area", model=IssueItem)
@require_POST
def issue_close(request, pk):
    item = get_issue_for_user(request.user, pk, write="supervise")
    _run(request, actions.close_issue, item, success="已销号。")
    return redirect("rectification:issue_detail", pk)


@scoped("area", model=IssueItem)
@require_POST
def issue_evidence_add(request, pk):
    item = get_issue_for_user(request.user, pk, write="supervise")
    form = forms.EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("evidence", []):
            messages.error(request, error)
    else:
        for upload in form.cleaned_data["evidence"]:
            _run(request, actions.add_issue_evidence, item, upload=upload,
                 success="佐证材料已上传。")
    return redirect("rectification:issue_detail", pk)


@scoped("area", model=IssueItem)
@require_GET
def evidence_file(request, pk):
    evidence = get_evidence_for_user(request.user, pk)
    return serve_file(evidence.file, download_name=evidence.original_name or None)


# --- Centres ---------------------------------------------------------------------------------

@scoped("area", model=Centre)
@require_GET
def centre_list(request):
    form = filter_form(request, forms.CentreFilterForm)
    listed = form.filter(Centre.objects.visible_to(request.user))
    qs = listed.select_related("area").annotate(
        n_met=Count("checks", filter=Q(checks__met=True, checks__item__is_active=True)))
    return render(request, "rectification/centre_list.html", {
        "centres": qs.order_by("area__depth", "area__sort_order"),
        # The counts above the table are of the rows in it ("共 33 处" over 5 rows was not).
        "figures": stats.centre_counts(listed), "form": form,
        "n_items": StandardItem.objects.filter(is_active=True).count(),
        "upgrade_choices": Centre.Upgrade.choices,
        "can_setup": has_role(request.user, *TOWN_STAFF),
        "filters": _shown(form, "demo", "upgrade"),
    })


@scoped("role")
@require_POST
@require_role(*TOWN_STAFF)
def centre_setup(request):
    """Create the centre records of the town and each of its villages (idempotent)."""
    town = _town_of_user(request.user)
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
    _run(request, actions.set_centre_upgrade, centre, success="巩固提升状态已更新。",
         status=form.cleaned_data["upgrade_status"], upgraded_on=form.cleaned_data["upgraded_on"])
    return redirect("rectification:centre_detail", pk)


@scoped("area", model=Centre)
@require_POST
def centre_demonstration(request, pk):
    centre = get_centre_for_user(request.user, pk, write=True)
    if not holds_role_over(request.user, centre.area, TOWN_STAFF):
        raise PermissionDenied("只有镇综治中心或镇领导可以评定示范综治中心。")
    flag = request.POST.get("flag") == "1"
    _run(request, actions.set_centre_demonstration, centre, flag=flag,
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
            _run(request, actions.add_centre_photo, centre, upload=upload,
                 caption=form.cleaned_data["caption"], success="照片已上传。")
    return redirect("rectification:centre_detail", pk)


@scoped("area", model=Centre)
@require_GET
def centre_photo(request, pk):
    return serve_file(get_centre_photo_for_user(request.user, pk).file)


# --- Legal-awareness activities -----------------------------------------------------------------

@scoped("area", model=LegalActivity)
@require_GET
def legal_list(request):
    form = filter_form(request, forms.LegalFilterForm)
    qs = form.filter(LegalActivity.objects.visible_to(request.user).select_related(
        "village", "area"))
    return render(request, "rectification/legal_list.html", {
        "page": _page(request, qs), "totals": stats.legal_totals(qs),
        "villages": forms.village_choices(request.user), "form": form,
        "filters": {**_shown(form, "village"),
                    **{k: f"{v:%Y-%m-%d}" for k in ("date_from", "date_to")
                       if (v := form.value(k))}},
        "can_create": has_role(request.user, *LEGAL_RECORDERS),
    })


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

