from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import actions, exports, inbox, notices, sources, workdays
from cases import forms as f
from cases.access import (
    acceptable_levels,
    can_register,
    check,
    get_case_for_user,
    intake_villages,
    is_centre,
    is_leader,
    may,
)
from cases.models import (
    Attachment,
    CalendarDay,
    Case,
    CaseParty,
    Level,
    LevelOverride,
    Policy,
    Referral,
)
from cases.page import pending_pause, records
from grids.access import Masker, require_role
from grids.models import Area, Visit
from grids.people import county_of, village_of
from grids.positions import shown_position
from pingxiang import gongwen
from pingxiang.access import scoped
from pingxiang.audit import log_access
from pingxiang.listfilters import paginate
from pingxiang.models import AccessEvent
from pingxiang.replica import replica_reads
from pingxiang.roles import Role
from pingxiang.uploads import serve_file

WORK_ROLES = (Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER)


def _filtered(request, query=None):
    query = request.GET if query is None else query
    form = f.CaseFilterForm(query, user=request.user)
    qs = Case.objects.visible_to(request.user)
    if query:
        qs = form.filter(qs)
    qs = form.counted_only(qs)
    # ?area/from/to: the dashboard's drill-down (same query as the number it came from).
    qs = form.narrow(qs, area_field="village", village="village", datetime_field="received_at")
    return form, qs


@scoped("area", model=Case)
@require_GET
def case_list(request):
    form, qs = _filtered(request)
    # The columns the rows show, not all 38 of a case; the page's villages prefetched by key
    # (joined, PostgreSQL hashed every area of the county before cutting the page).
    qs = (qs.select_related("category").prefetch_related("village")
          .order_by("-received_at", "-id")
          .only("number", "received_at", "risk", "level", "resolved_level", "status",
                "deadline", "paused_at", "village", "category__name"))
    page = paginate(request, qs)
    # The parties for this page only: aggregating them in the list query grouped every
    # matching case (and made the count a subquery) before the page was cut. Each name links
    # to the person page, which every viewer of the case may open: a party of a case the
    # user sees is someone they may look up (cases.nav.case_parties, grids.access
    # q_resident_visible), so the link needs no check of its own.
    parties = {}
    for case_id, pk, name in (CaseParty.objects.filter(case__in=[c.pk for c in page])
                              .order_by("case", "resident__name", "resident")
                              .values_list("case", "resident", "resident__name")):
        parties.setdefault(case_id, []).append((pk, name))
    warn = Policy.current().warn_hours
    for case in page:
        case._warn_hours = warn
        case.listed_parties = parties.get(case.pk, [])
    template = "cases/case_list.html#table" if request.htmx else "cases/case_list.html"
    return render(request, template, {"form": form, "page": page,
                                      "can_register": can_register(request.user)})


@scoped("area", model=Case)
@require_GET
def ledger_period(request):
    """The period ledger's form, carrying the list's other filters: drawn into the list's
    <details> when it opens (htmx), so the list does not draw a form few open, or as a page
    of its own without JavaScript."""
    form = f.CaseFilterForm(request.GET, user=request.user)
    template = "cases/ledger_period.html#fields" if request.htmx else "cases/ledger_period.html"
    return render(request, template, {
        "ledger_form": f.LedgerPeriodForm(user=request.user),
        "ledger_carry": [form[name] for name in form.fields if name not in ("start", "end")],
        "list_query": request.GET.urlencode()})


@scoped("area", model=Case)
@require_GET
@replica_reads
def case_export(request):
    """The ledger of the list's rows; with ?kind= (and its year/month/quarter/campaign or
    dates) the rows of that period, the period named in the subtitle."""
    period_form = f.LedgerPeriodForm(request.GET, user=request.user)
    if not period_form.is_valid():
        for errors in period_form.errors.values():
            for error in errors:
                messages.error(request, f"台账未导出：{error}")
        return redirect(reverse("cases:case_list") + "?" + request.GET.urlencode())
    period = period_form.cleaned_data["period"]
    query = period_form.list_query(request.GET) if period else request.GET
    form, qs = _filtered(request, query)
    if form.is_bound and not form.is_valid():  # the list says what was refused
        return redirect(reverse("cases:case_list") + "?" + request.GET.urlencode())
    log_access(request.user, AccessEvent.Kind.EXPORT, detail=f"矛盾纠纷台账 {request.GET.urlencode()}"[:500],
               request=request)
    return exports.case_ledger_response(qs, user=request.user, form=form, period=period)


@scoped("area", model=Case)
@require_GET
def my_cases(request):
    return render(request, "cases/my_cases.html",
                  {"sections": inbox.sections_for(request), "now": timezone.now()})


def _check_sources(user, form):
    """A visit or petition named as the source must be one the user may see."""

    data = form.cleaned_data
    if data.get("visit") and not Visit.objects.visible_to(user).filter(pk=data["visit"]).exists():
        form.add_error(None, "来源走访记录不存在或不在您的辖区内。")
    if data.get("petition") and not sources.visible_records("petition", user).filter(
            pk=data["petition"]).exists():
        form.add_error(None, "来源信访件不存在或不在您的辖区内。")


def _prefill(request, villages):
    user = request.user
    return f.IntakePrefillForm(request.GET, user=user, villages=villages,
                               visits=Visit.objects.visible_to(user),
                               petitions=sources.visible_records("petition", user))


def _intake_initial(prefill):
    value = prefill.value
    initial = {"source": value("source") or "",
               "description": (value("description") or "")[:2000],
               "source_ref": (value("ref") or "")[:100]}
    for key in ("visit", "petition"):
        if value(key) is not None:
            initial[key] = value(key).pk
    if not initial["source_ref"]:
        if "visit" in initial:
            initial["source_ref"] = f"走访记录#{initial['visit']}"
        elif "petition" in initial:
            initial["source_ref"] = f"信访件#{initial['petition']}"
    area = value("area")
    if area is not None:
        village = village_of(area)
        initial["village"] = village.pk if village else None
        if area.kind in (Area.Kind.GROUP, Area.Kind.GRID):
            initial["area"] = area.pk
    return initial


def _party_residents(request, prefill):
    """The residents this intake names (?party= from a household page, and those posted
    back), within the user's areas; a bad id names nobody."""
    field = prefill.fields["party"]
    ids = []
    for value in request.GET.getlist("party") + request.POST.getlist("known_parties"):
        try:  # one by one: a foreign or bad id drops itself, not the others
            ids += [r.pk for r in field.clean([value])]
        except ValidationError:
            pass
    return field.queryset.filter(pk__in=ids)


def _possible_duplicates(user, data, parties):
    """Open cases of the same category in the last 30 days naming one of these parties (by
    ID number, or by name in the same village), among those the user may see."""
    found = actions.possible_duplicates(
        category=data["category"], village=data["village"], parties=parties,
        residents=list(data["known_parties"]))
    return list(found.filter(pk__in=Case.objects.visible_to(user).values("pk"))
                .select_related("village", "category")[:10])


@scoped("role", model=Case)
@require_http_methods(["GET", "POST"])
def case_create(request):
    if not can_register(request.user):
        raise PermissionDenied("您的岗位不能登记矛盾纠纷。")
    villages = intake_villages(request.user)
    prefill = _prefill(request, villages)
    residents = _party_residents(request, prefill)
    if request.method == "POST":
        form = f.CaseForm(request.POST, villages=villages, residents=residents)
        parties = f.PartyFormSet(request.POST, prefix="party")
        if form.is_valid() and parties.is_valid():
            _check_sources(request.user, form)
        duplicates = []
        if form.is_valid() and parties.is_valid():
            data = form.cleaned_data
            given = [p for p in parties.cleaned_data if p.get("name")]
            if not data["not_duplicate"]:
                duplicates = _possible_duplicates(request.user, data, given)
        if duplicates:
            # Warned, not refused: the user looks, then confirms it is another dispute.
            return render(request, "cases/case_form.html",
                          {"form": form, "parties": parties, "duplicates": duplicates})
        if form.is_valid() and parties.is_valid():
            try:
                case = actions.register_case(
                    actor=request.user, area=data["area"] or data["village"],
                    category=data["category"], description=data["description"],
                    risk=data["risk"], source=data["source"], source_ref=data["source_ref"],
                    source_visit_id=data["visit"], source_petition_id=data["petition"],
                    parties=given, residents=list(data["known_parties"]),
                    received_at=data["received_at"], position=data["position"])
            except actions.CaseActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已登记 {case.number}。")
                return redirect("cases:case_detail", case.pk)
    else:
        initial = _intake_initial(prefill)
        form = f.CaseForm(initial={**initial, "known_parties": list(residents)},
                          villages=villages, residents=residents)
        parties = f.PartyFormSet(prefix="party")
    return render(request, "cases/case_form.html", {"form": form, "parties": parties})


def _available(user, case):
    """What this user may do to this case now, as {action: its form's arguments}, and the
    pause request waiting for a decision (if any)."""
    names = actions.available_actions(case)
    pending = None
    if case.is_open:
        pending = pending_pause(case)
        if pending:
            names.discard("request_pause")
        else:
            names.discard("decide_pause")
    available = {}
    for name in sorted(n for n in names if may(user, case, n)):
        kwargs = {}
        if name == "accept":
            kwargs["levels"] = acceptable_levels(user, case)
            if not kwargs["levels"]:
                continue
        elif name == "escalate":
            kwargs["levels"] = actions.escalation_levels(case)
        elif name == "send_down":
            kwargs["levels"] = actions.send_down_levels(case)
        elif name == "correct":
            kwargs.update(case=case, villages=intake_villages(user))
        elif name in {"correct_parties", "regrade"}:
            kwargs["case"] = case
        elif name == "merge":
            kwargs.update(case=case, user=user)
        elif name == "confirm_judicially":
            kwargs["county"] = county_of(case.area)
        available[name] = kwargs
    return available, pending


def _build_form(name, kwargs, version, data=None):
    today = timezone.localdate()
    form = ACTION_FORMS[name][0](
        data, initial={"version": version, "reached_on": today, "visited_on": today,
                       "confirmed_on": today},
        auto_id=f"id_{name}_%s", **kwargs)
    form.button_label = ACTION_TEXT[name][0]
    return form


# What each action's button says, and the message once it is done: the same verb, so that
# "记录调解" is answered "已记录调解。" (not "调解记录：已办理"). A message may depend on the
# form (approving or refusing a pause).
ACTION_TEXT = {
    "accept": ("受理", "已受理。"),
    "record_session": ("记录调解", "已记录调解。"),
    "resolve": ("化解结案", "已化解结案。"),
    "close_unresolved": ("未化解转出", "已作未化解转出。"),
    "escalate": ("上报上一级", "已上报上一级。"),
    "send_down": ("交办下级", "已交办下级。"),
    "request_pause": ("申请暂停计时", "已申请暂停计时，待审批。"),
    "decide_pause": ("审批暂停计时",
                     lambda d: "已批准暂停计时。" if d["approve"] else "已不批准暂停计时。"),
    "resume": ("恢复计时", "已恢复计时。"),
    "follow_up": ("登记回访", "已登记回访。"),
    "archive": ("归档", "已归档。"),
    "take_charge": ("领导包案", "已包案。"),
    "confirm_judicially": ("登记司法确认", "已登记司法确认。"),
    "correct": ("更正案件信息", "已更正，原内容和原因已记入办理记录。"),
    "correct_parties": ("更正当事人", "已更正当事人，原内容和原因已记入办理记录。"),
    "regrade": ("调整风险等级", "已调整风险等级。"),
    "withdraw": ("撤销案件", "已撤销。此案件保留备查，不再计入统计。"),
    "merge": ("合并重复案件", "已合并重复案件，其当事人、附件和办理记录已并入本案。"),
}


def done_message(action, data):
    message = ACTION_TEXT[action][1]
    return message(data) if callable(message) else message


ACTION_FORMS = {
    "accept": (f.AcceptForm, lambda c, u, d: actions.accept_case(
        c, actor=u, level=d["level"], note=d["note"])),
    "record_session": (f.SessionForm, lambda c, u, d: actions.record_session(
        c, actor=u, notes=d["notes"], held_at=d["held_at"], place=d["place"],
        participants=d["participants"])),
    "resolve": (f.ResolveForm, lambda c, u, d: actions.resolve_case(
        c, actor=u, method=d["method"], kind=d["kind"], facts=d["facts"], terms=d["terms"],
        performance=d["performance"], responsibilities=d["responsibilities"],
        perform_by=d["perform_by"], reached_on=d["reached_on"])),
    "close_unresolved": (f.UnresolvedForm, lambda c, u, d: actions.close_unresolved(
        c, actor=u, route=d["route"], reason=d["reason"])),
    "escalate": (f.EscalateForm, lambda c, u, d: actions.escalate_case(
        c, actor=u, reason=d["reason"], to_level=d["to_level"])),
    "send_down": (f.SendDownForm, lambda c, u, d: actions.send_down(
        c, actor=u, to_level=d["to_level"], instructions=d["instructions"])),
    "request_pause": (f.PauseRequestForm, lambda c, u, d: actions.request_pause(
        c, actor=u, reason=d["reason"], days=d["days"])),
    "decide_pause": (f.PauseDecisionForm, lambda c, u, d: actions.decide_pause(
        c, actor=u, approve=d["approve"], note=d["note"])),
    "resume": (f.ResumeForm, lambda c, u, d: actions.resume_case(c, actor=u)),
    "follow_up": (f.FollowUpForm, lambda c, u, d: actions.follow_up(
        c, actor=u, visited_on=d["visited_on"], carried_out=d["carried_out"],
        satisfaction=d["satisfaction"], notes=d["notes"])),
    "archive": (f.ArchiveForm, lambda c, u, d: actions.archive_case(c, actor=u)),
    "take_charge": (f.TakeChargeForm, lambda c, u, d: actions.take_charge(
        c, actor=u, note=d["note"])),
    "confirm_judicially": (f.JudicialForm, lambda c, u, d: actions.confirm_judicially(
        c, actor=u, court=d["court"], confirmed_on=d["confirmed_on"])),
    "correct": (f.CorrectForm, lambda c, u, d: actions.correct_case(
        c, actor=u, reason=d["reason"], area=d["area"] or d["village"], category=d["category"],
        description=d["description"], source=d["source"], source_ref=d["source_ref"])),
    "correct_parties": (f.CorrectPartiesForm, lambda c, u, d: actions.correct_parties(
        c, actor=u, reason=d["reason"], remove=[r.pk for r in d["remove"]],
        add=f.CorrectPartiesForm.added(d))),
    "regrade": (f.RegradeForm, lambda c, u, d: actions.regrade_case(
        c, actor=u, risk=d["risk"], reason=d["reason"])),
    "withdraw": (f.WithdrawForm, lambda c, u, d: actions.withdraw_case(
        c, actor=u, reason=d["reason"])),
    "merge": (f.MergeForm, lambda c, u, d: actions.merge_cases(
        c, actor=u, duplicate=d["duplicate"], reason=d["reason"])),
}


def _detail_context(request, case, *, shown=None):
    """The case page. Its action forms load when their <details> opens (case_action_form);
    drawn here are only `shown`, (action, form), a form that came back refused with what was
    typed, or the form of the one thing the user may do."""
    available, pending = _available(request.user, case)
    drawn = dict([shown]) if shown else {}
    if not drawn and len(available) == 1:
        name, kwargs = next(iter(available.items()))
        drawn[name] = _build_form(name, kwargs, case.version)
    case._warn_hours = Policy.current().warn_hours
    return {
        "case": case, "pending_pause": pending,
        "actions": [(name, ACTION_TEXT[name][0], drawn.get(name)) for name in available],
        **records(case, request.user),
        "current_level": Level.rung(case.level) if case.level else None,
        # Where it was registered (issue 21 §3), for the roles that may see positions.
        "position": shown_position(request.user, case, area=case.area),
        "can_print_notice": _may_issue_notice(request.user, case),
    }


def _may_issue_notice(user, case):
    """A 交办单 is the centre's: its staff and the town's leaders print it."""
    return is_centre(user, case) or is_leader(user, case)


@scoped("area", model=Case)
@require_http_methods(["GET", "POST"])
def case_notice(request, pk):
    """矛盾纠纷交办单: prefilled from the case, edited, printed as a 公文 .docx."""
    case = get_case_for_user(request.user, pk, write=True)
    if not _may_issue_notice(request.user, case):
        raise PermissionDenied("交办单由综治中心或镇领导出具。")
    parties = "、".join(CaseParty.objects.filter(case=case).order_by("pk")
                       .values_list("resident__name", flat=True))
    log_access(request.user, AccessEvent.Kind.VIEW, case, detail="打印矛盾纠纷交办单",
               request=request)
    return gongwen.notice_page(
        request, initial=notices.case_notice(case, user=request.user, party_names=parties),
        kind="矛盾纠纷交办单", filename=f"矛盾纠纷交办单-{case.number}.docx",
        back_url=reverse("cases:case_detail", args=[pk]))


@scoped("area", model=Case)
@require_GET
def case_detail(request, pk):
    case = get_case_for_user(request.user, pk)
    log_access(request.user, AccessEvent.Kind.VIEW, case, request=request)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


def _section(request, partial, title, context):
    """A part of the case page loaded on its own: the partial for htmx, else a page of its
    own (the link a browser without JavaScript follows)."""
    name = f"cases/case_detail.html#{partial}"
    if request.htmx:
        return render(request, name, context)
    return render(request, "cases/case_section.html", {**context, "title": title, "partial": name})


@scoped("area", model=Case)
@require_GET
def case_action_form(request, pk, action):
    """One action's form, loaded when its <details> on the case page opens. It carries the
    version of the page it was opened from (?version=), so a stale page is still caught."""
    if action not in ACTION_FORMS:
        raise Http404
    case = get_case_for_user(request.user, pk, write=True)
    check(request.user, case, action)
    available, _ = _available(request.user, case)
    seen = f.SeenVersionForm(request.GET)
    version = seen.cleaned_data["version"] if seen.is_valid() else None
    form = None
    if action in available:
        form = _build_form(action, available[action], case.version if version is None else version)
    label = ACTION_TEXT[action][0]
    return _section(request, "action_form", label,
                    {"case": case, "name": action, "label": label, "form": form})


@scoped("area", model=Case)
@require_GET
def case_referral(request, pk):
    """The push the case came from and who has signed for it."""
    case = get_case_for_user(request.user, pk)
    referral = Referral.objects.filter(case=case).first()
    receipts = (referral.receipts.select_related("recipient").order_by("pk")
                if referral else [])
    return _section(request, "referral", "推送", {"case": case, "referral": referral,
                                                 "receipts": receipts})


@scoped("area", model=Case)
@require_GET
def case_attachments(request, pk):
    case = get_case_for_user(request.user, pk)
    return _section(request, "attachments", "附件", {
        "case": case, "attachments": case.attachments.all(),
        "can_attach": may(request.user, case, "attach"),
        "attach_form": f.AttachmentForm(auto_id="id_attach_%s")})


@scoped("area", model=Case)
@require_POST
def case_action(request, pk, action):
    if action not in ACTION_FORMS and action != "acknowledge":
        raise Http404
    case = get_case_for_user(request.user, pk, write=True)
    seen = f.SeenVersionForm(request.POST)
    seen = seen.cleaned_data["version"] if seen.is_valid() else None
    if seen is not None and seen != case.version:
        # The page was stale: say so plainly before anything else (nothing is changed).
        messages.error(request, f"案件 {case.number} 刚刚已被他人办理（当前状态："
                                f"{case.get_status_display()}），您的操作未保存，请查看最新情况后再办理。")
        return redirect("cases:case_detail", pk)
    check(request.user, case, action)
    try:
        if action == "acknowledge":
            actions.acknowledge_referral(case, actor=request.user)
            messages.success(request, "已签收。")
            return redirect("cases:case_detail", case.pk)
        available, _ = _available(request.user, case)
        if action not in available:
            raise actions.CaseActionError(
                f"案件当前状态为“{case.get_status_display()}”，不能{actions.ACTION_LABELS[action]}。")
        form = _build_form(action, available[action], case.version, request.POST)
        if not form.is_valid():
            # Shown again with its errors, answered 200 like any re-rendered Django form (a 400
            # makes browsers log a console error for what is only a user's typo).
            return render(request, "cases/case_detail.html",
                          _detail_context(request, case, shown=(action, form)))
        case.version = form.cleaned_data["version"]  # the version the user saw
        try:
            ACTION_FORMS[action][1](case, request.user, form.cleaned_data)
        except actions.CaseActionError as exc:
            # Refused for what was typed (a date before registration...): the form comes
            # back with the input and the reason, like a form's own errors. Nothing was
            # written; the case is read again as it is stored.
            form.add_error(None, str(exc))
            case = get_case_for_user(request.user, pk, write=True)
            return render(request, "cases/case_detail.html",
                          _detail_context(request, case, shown=(action, form)))
    except actions.CaseActionError as exc:
        messages.error(request, str(exc))
        return redirect("cases:case_detail", pk)
    messages.success(request, done_message(action, form.cleaned_data))
    return redirect("cases:case_detail", case.pk)


@scoped("area", model=Case)
@require_POST
def case_attach(request, pk):
    case = get_case_for_user(request.user, pk, write=True)
    check(request.user, case, "attach")
    form = f.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("cases:case_detail", pk)
    try:
        actions.add_attachment(case, actor=request.user, upload=form.cleaned_data["file"],
                               kind=form.cleaned_data["kind"])
    except actions.CaseActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "附件已上传。")
    return redirect("cases:case_detail", pk)


@scoped("area", model=Case)
@require_GET
def attachment_download(request, pk, attachment_pk):
    case = get_case_for_user(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, case=case)
    log_access(request.user, AccessEvent.Kind.DOWNLOAD, case,
               detail=attachment.original_name, request=request)
    return serve_file(attachment.file, download_name=attachment.original_name)


@scoped("area", model=Case)
@require_GET
def agreement_print(request, pk, agreement_pk):
    case = get_case_for_user(request.user, pk)
    agreement = get_object_or_404(case.agreements.select_related("mediator"), pk=agreement_pk)
    log_access(request.user, AccessEvent.Kind.VIEW, case, detail="打印调解协议书", request=request)
    return render(request, "cases/agreement_print.html", {
        "case": case, "agreement": agreement, "mask": Masker(request.user),
        "parties": case.party_links.select_related("resident__household").order_by("pk")})


@scoped("role")
@require_role(Role.ADMIN, Role.CENTRE_STAFF)
@require_GET
def calendar_view(request):
    today = timezone.localdate()
    return render(request, "cases/calendar.html", {
        "gaps": workdays.calendar_gaps(today),
        "overrides": CalendarDay.objects.filter(date__year__gte=today.year)
                     .select_related("area").order_by("date", "area__path")[:400],
        "levels": Level.objects.all(), "policy": Policy.current(),
        "level_overrides": LevelOverride.objects.select_related("area", "level")
                           .prefetch_related("recipients"),
    })
