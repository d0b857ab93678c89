"""Supervision: teams, rounds, visits with their issue lists, and each item's loop."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grids.access import post_town, require_role
from pingxiang import gongwen
from pingxiang.access import scoped
from pingxiang.audit import timeline_list
from pingxiang.listfilters import paginate
from pingxiang.redirects import safe_next
from pingxiang.replica import replica_reads
from pingxiang.uploads import serve_file

from .. import actions, forms, notices, stats
from ..access import (
    TOWN_STAFF,
    can_report_issue,
    can_supervise,
    get_evidence_for_user,
    get_issue_for_user,
    get_round_for_user,
    get_team_for_user,
    get_visit_for_user,
    holds_role_over,
)
from ..actions import ActionError
from ..models import ExportJob, IssueItem, SupervisionTeam
from .bulk import bulk_context
from .common import default_deadline, run_action, users_under
from .exports import export_or_queue


@scoped("area", model=IssueItem)
@require_GET
def team_list(request):
    teams = (SupervisionTeam.objects.visible_to(request.user).distinct().select_related("town")
             .prefetch_related("members", "rounds").order_by("name"))
    town = post_town(request.user, TOWN_STAFF)
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
    town = post_town(request.user, TOWN_STAFF)
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
        run_action(request, actions.add_team_member, team, success="成员已添加。", **form.cleaned_data)
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
@replica_reads
def issue_export(request, pk):
    visit = get_visit_for_user(request.user, pk)
    filter_form = forms.IssueFilterForm(request.GET, user=request.user)
    if not filter_form.is_valid():  # the page says what was refused
        return redirect(reverse("rectification:visit_detail", args=[visit.pk]) + "?"
                        + request.GET.urlencode())
    qs = filter_form.filter(IssueItem.objects.visible_to(request.user).filter(visit=visit))
    filters = {"visit": visit.pk, **filter_form.as_params()}
    return export_or_queue(request, ExportJob.Kind.ISSUES, filters, qs.count(), obj=visit)


@scoped("area", model=IssueItem)
@require_GET
def issue_list(request):
    filter_form = forms.IssueFilterForm(request.GET, user=request.user)
    # With the dashboard's drill-down ?area/from/to (same query as the number it came from).
    qs = filter_form.filter(IssueItem.objects.visible_to(request.user)).select_related(
        "category", "visit", "visit__round", "visit__round__team", "area").order_by(
        "status", "deadline", "pk")
    return render(request, "rectification/issue_list.html", {
        "page": paginate(request, qs), "filter_form": filter_form,
        **bulk_context(request, "issue", urlencode(filter_form.as_params())),
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
            forms.IssueAssignForm(handlers=users_under(item.area), initial={
                "deadline": default_deadline(), "requirement": item.requirement})
            if supervise and actions.allowed(t, "assign", status) else None),
        "report_form": bound.get("report_form") or (
            forms.ReportForm() if report and actions.allowed(t, "report", status) else None),
        "recheck_form": bound.get("recheck_form") or (
            forms.RecheckForm() if supervise and actions.allowed(t, "pass", status)
            and not self_reported else None),
        "self_reported": supervise and status == IssueItem.Status.REPORTED and self_reported,
        "can_close": supervise and actions.allowed(t, "close", status),
        "can_print_notice": supervise,
        "evidence_form": forms.EvidenceForm() if supervise and status != IssueItem.Status.CLOSED else None,
    }
    return render(request, "rectification/issue_detail.html", context)


@scoped("area", model=IssueItem)
@require_GET
def issue_detail(request, pk):
    return _issue_page(request, get_issue_for_user(request.user, pk))


@scoped("area", model=IssueItem)
@require_http_methods(["GET", "POST"])
def issue_notice(request, pk, kind):
    """督导问题交办单 (kind "assign") or 督办单 ("urge"): prefilled from the item, edited,
    printed as a 公文 .docx by those who supervise it."""
    if kind not in ("assign", "urge"):
        raise Http404
    item = get_issue_for_user(request.user, pk, write="supervise")
    initial = notices.issue_notice(item, user=request.user, urge=kind == "urge")
    return gongwen.notice_page(
        request, initial=initial, kind=initial["title"],
        filename=f"{initial['title']}-{item.visit.date:%Y%m%d}-{item.number}.docx",
        back_url=reverse("rectification:issue_detail", args=[pk]))


@scoped("area", model=IssueItem)
@require_POST
def issue_assign(request, pk):
    item = get_issue_for_user(request.user, pk, write="supervise")
    form = forms.IssueAssignForm(request.POST, handlers=users_under(item.area))
    if not form.is_valid():
        return _issue_page(request, item, assign_form=form)
    run_action(request, actions.assign_issue, item, success="已交办。", **form.cleaned_data)
    return redirect(safe_next(request, reverse("rectification:issue_detail", args=[pk])))


@scoped("area", model=IssueItem)
@require_POST
def issue_report(request, pk):
    item = get_issue_for_user(request.user, pk, write="report")
    form = forms.ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _issue_page(request, item, report_form=form)
    run_action(request, actions.report_issue, item, success="整改情况已报送，等待复核。",
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
    run_action(request, actions.recheck_issue, item, passed=passed, note=form.cleaned_data["note"],
         success="复核通过，可以销号。" if passed else "复核不通过，已退回整改。")
    return redirect("rectification:issue_detail", pk)


@scoped("area", model=IssueItem)
@require_POST
def issue_close(request, pk):
    item = get_issue_for_user(request.user, pk, write="supervise")
    run_action(request, actions.close_issue, item, success="已销号。")
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
            run_action(request, actions.add_issue_evidence, item, upload=upload,
                 success="佐证材料已上传。")
    return redirect("rectification:issue_detail", pk)


@scoped("area", model=IssueItem)
@require_GET
def evidence_file(request, pk):
    evidence = get_evidence_for_user(request.user, pk)
    return serve_file(evidence.file, download_name=evidence.original_name or None)
