"""Petition pages. Thin: fetch through petitions.access, validate a form, call an action."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grids.access import has_role, home_area, post_town, require_role
from grids.filters import filter_form
from grids.models import Area
from petitions import actions, forms, notices, stats
from petitions.access import (
    can_register,
    get_petition_for_user,
    get_reception_for_user,
    rows_for,
)
from petitions.exports import export_ledger
from petitions.models import Petition, ReceptionDay, deadline_state
from pingxiang import gongwen
from pingxiang.access import scoped
from pingxiang.audit import log_access, timeline_list
from pingxiang.excel import xlsx_response
from pingxiang.listfilters import paginate
from pingxiang.masks import mask_id_number, mask_phone
from pingxiang.models import AccessEvent
from pingxiang.people import full_name
from pingxiang.replica import replica_reads
from pingxiang.roles import Role
from pingxiang.uploads import serve_file

LIST_FIELDS = ("id", "number", "channel", "order_type", "received_at", "status", "clock",
               "due_at", "closed_at", "readable", "s_name", "s_title", "headcount",
               "village__short_name", "leader__last_name", "leader__first_name",
               "dispute_case_ref")
LIST_SECRETS = [f for f in LIST_FIELDS if f.startswith("s_")]


def _filtered(request):
    form = forms.FilterForm(request.GET, user=request.user)
    qs = form.apply(Petition.objects.visible_to(request.user))
    # ?area/from/to: the dashboard's drill-down (same query as the number it came from).
    return form, form.narrow(qs, area_field="village", village="village",
                             datetime_field="received_at")


@scoped("area", model=Petition)
@require_GET
def petition_list(request):
    form, qs = _filtered(request)
    page = paginate(request, rows_for(request.user, qs, secrets=LIST_SECRETS)
                    .order_by("-received_at", "-id").values(*LIST_FIELDS))
    now = timezone.now()
    page.object_list = rows = list(page.object_list)
    for row in rows:
        row["state"] = deadline_state(row["due_at"], now)
        row["channel_label"] = Petition.Channel(row["channel"]).label
        row["status_label"] = Petition.Status(row["status"]).label
        row["leader_name"] = full_name(row["leader__last_name"], row["leader__first_name"])
    context = {
        "form": form, "rows": rows, "total": page.paginator.count, "page": page,
        "can_register": can_register(request.user),
    }
    template = "petitions/list.html#table" if request.htmx else "petitions/list.html"
    return render(request, template, context)


@scoped("area", model=Petition)
@require_GET
@replica_reads
def petition_export(request):
    form, qs = _filtered(request)
    if form.is_bound and not form.is_valid():  # the list says what was refused
        return redirect(reverse("petitions:list") + "?" + request.GET.urlencode())
    subtitle = f"条件：{request.GET.urlencode() or '全部'}"
    log_access(request.user, AccessEvent.Kind.EXPORT, detail=f"导出信访台账 {request.GET.urlencode()}"[:500],
               request=request)
    fileobj = export_ledger(request.user, qs, subtitle=subtitle)
    return xlsx_response(fileobj, f"信访台账{timezone.localdate():%Y%m%d}.xlsx")


@scoped("role")
@require_role(Role.CENTRE_STAFF)
@require_http_methods(["GET", "POST"])
def petition_register(request):
    form = forms.RegisterForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            petition = actions.register_petition(
                actor=request.user, channel=d["channel"], order_type=d["order_type"],
                channel_ref=d["channel_ref"], area=d["area"], received_at=d["received_at"],
                petitioner={"name": d["name"], "id_number": d["id_number"],
                            "phone": d["phone"]},
                co_petitioners=d["co_petitioners"], headcount=d["headcount"],
                title=d["title"], content=d["content"], category=d["category"],
                repeat_of=d["repeat_of_number"], reception=d["reception"],
                attachments=d["attachments"])
        except (actions.PetitionError, ValidationError) as exc:
            form.add_error(None, exc.messages[0] if hasattr(exc, "messages") else str(exc))
        else:
            messages.success(request, f"已登记信访件{petition.number}。")
            if petition.is_repeat_petitioner:
                messages.warning(request, "重复信访人：该信访人此前已有信访记录，详见下方。")
            if petition.status == Petition.Status.NOT_ACCEPTED:
                messages.warning(request, petition.decision_reason)
            return redirect("petitions:detail", pk=petition.pk)
    return render(request, "petitions/register.html", {"form": form})


def _detail_context(request, petition):
    earlier = (Petition.objects.filter(petitioner=petition.petitioner)
               .exclude(pk=petition.pk).order_by("-received_at")
               .only("id", "number", "title", "received_at", "status")[:20])
    chain = actions.same_matter_chain(petition)
    final = next((p for p in chain if p.status == Petition.Status.FINAL), None)
    co = [link.resident for link in petition.co_petitioner_links.select_related("resident")]
    return {
        "p": petition, "state": petition.deadline_state(),
        "petitioner_id": mask_id_number(petition.petitioner.id_number or ""),
        "petitioner_phone": mask_phone(petition.petitioner.phone),
        "co_petitioners": [(r, mask_id_number(r.id_number or ""), mask_phone(r.phone))
                           for r in co],
        "earlier": earlier, "chain": chain, "final": final,
        "ratings": petition.ratings.select_related("recorded_by"),
        "attachments": petition.attachments.all(),
        "available": _available_actions(request.user, petition),
        "timeline": timeline_list(petition),
        "double_satisfied": actions.is_double_satisfied(petition),
        "access_log": AccessEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Petition),
            object_id=str(petition.pk))[:20],
        "now": timezone.now(),
    }


@scoped("area", model=Petition)
@require_GET
def petition_detail(request, pk):
    petition, readable = get_petition_for_user(request.user, pk)
    if not readable:
        log_access(request.user, AccessEvent.Kind.VIEW,
                   Petition(pk=petition.id, number=petition.number),
                   detail="查看信访件概况（无权查看内容）", request=request)
        can_take = has_role(request.user, Role.LEADER) and not petition.leader_id
        return render(request, "petitions/detail_public.html",
                      {"p": petition, "state": deadline_state(petition.due_at),
                       "can_take": can_take})
    log_access(request.user, AccessEvent.Kind.VIEW, petition, detail="查看信访件详情",
               request=request)
    return render(request, "petitions/detail.html", _detail_context(request, petition))


def _available_actions(user, p):
    S = Petition.Status
    out = []
    if p.status == S.REGISTERED:
        out.append(("decide", "受理决定"))
    if p.status == S.ACCEPTED:
        if p.extended_at is None:
            out.append(("extend", "延期"))
        out.append(("close", "办结"))
    if p.closed_at and p.status in (S.CLOSED, S.REVIEWED, S.FINAL):
        out.append(("rate", "满意度评价"))
    if p.status == S.CLOSED:
        out.append(("review", "申请复查"))
    if p.status == S.REVIEW:
        out.append(("review-answer", "复查答复"))
    if p.status == S.REVIEWED:
        out.append(("recheck", "申请复核"))
    if p.status == S.RECHECK:
        out.append(("recheck-answer", "复核答复"))
    out.append(("leader", "领导包案"))
    out.append(("attach", "上传附件"))
    if actions.may_correct(user, p):
        out += [("correct", "更正"), ("withdraw", "撤销")]
    if p.withdrawn_at:  # kept on file: nothing more is done to it
        return []
    return out


def _do_decide(request, p, d):
    at = d.get("at") or timezone.now()
    if d["decision"] == "accept":
        actions.accept_petition(p, actor=request.user, note=d["reason"], at=at)
        return "已受理，办理期限已开始计算。"
    if d["decision"] == "decline":
        actions.decline_petition(p, actor=request.user, reason=d["reason"], at=at)
        return "已决定不予受理。"
    actions.transfer_petition(p, actor=request.user, to_body=d["to_body"], reason=d["reason"],
                              at=at)
    return f"已转送{d['to_body']}。"


def _do_extend(request, p, d):
    actions.extend_petition(p, actor=request.user, days=d["days"], reason=d["reason"],
                            approver=d["approver"], notice_method=d["notice_method"],
                            notified_at=d.get("notified_at"))
    return f"已延期{d['days']}日，新的办理期限为{timezone.localtime(p.handle_due_at):%Y-%m-%d}。"


def _do_close(request, p, d):
    actions.close_petition(p, actor=request.user, reply=d["reply"],
                           at=d.get("at") or timezone.now())
    return "已办结，可打印处理意见书。"


def _do_rate(request, p, d):
    actions.rate_petition(p, actor=request.user, handling=d["handling"], result=d["result"],
                          method=d["method"], note=d["note"])
    if "不满意" in (d["handling"], d["result"]) and p.status == Petition.Status.CLOSED:
        return "已记录评价。信访人不满意的，可在收到答复30日内申请复查。"
    return "已记录满意度评价。"


def _do_review(request, p, d):
    actions.request_review(p, actor=request.user, reason=d["reason"],
                           at=d.get("at") or timezone.now())
    return "已登记复查申请。"


def _do_review_answer(request, p, d):
    actions.answer_review(p, actor=request.user, opinion=d["opinion"],
                          at=d.get("at") or timezone.now())
    return "已出具复查意见。"


def _do_recheck(request, p, d):
    actions.request_recheck(p, actor=request.user, reason=d["reason"],
                            at=d.get("at") or timezone.now())
    return "已登记复核申请。"


def _do_recheck_answer(request, p, d):
    actions.answer_recheck(p, actor=request.user, opinion=d["opinion"],
                           at=d.get("at") or timezone.now())
    return "已出具复核意见，该事项终结。"


def _do_leader(request, p, d):
    actions.assign_leader(p, actor=request.user, leader=d["leader"])
    return "已指定包案领导。"


def _do_attach(request, p, d):
    actions.add_attachments(p, actor=request.user, files=d["files"])
    return "附件已上传。"


def _do_correct(request, p, d):
    p.version = d["version"]  # the version the user saw
    person = {k: d[k] for k in ("name", "id_number", "phone")} if d["name"] else None
    actions.correct_petition(p, actor=request.user, reason=d["reason"], channel=d["channel"],
                             category=d["category"], order_type=d["order_type"],
                             petitioner=person)
    return "已更正，原内容和原因已记入办理记录。"


def _do_withdraw(request, p, d):
    p.version = d["version"]
    actions.withdraw_petition(p, actor=request.user, reason=d["reason"])
    return "已撤销。此信访件保留备查，不再计入统计。"


ACTIONS = {
    "correct": ("更正信访件", forms.CorrectForm, _do_correct),
    "withdraw": ("撤销信访件", forms.WithdrawForm, _do_withdraw),
    "decide": ("受理决定", forms.DecideForm, _do_decide),
    "extend": ("延期", forms.ExtendForm, _do_extend),
    "close": ("办结（出具处理意见书）", forms.CloseForm, _do_close),
    "rate": ("满意度评价", forms.RateForm, _do_rate),
    "review": ("申请复查", forms.ReasonForm, _do_review),
    "review-answer": ("复查答复", forms.OpinionForm, _do_review_answer),
    "recheck": ("申请复核", forms.ReasonForm, _do_recheck),
    "recheck-answer": ("复核答复", forms.OpinionForm, _do_recheck_answer),
    "leader": ("领导包案", forms.LeaderForm, _do_leader),
    "attach": ("上传附件", forms.AttachForm, _do_attach),
}
NEEDS_PETITION = {"extend", "leader", "correct", "withdraw"}
CORRECTIONS = {"correct", "withdraw"}


@scoped("area", model=Petition)
@require_http_methods(["GET", "POST"])
def petition_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404("没有这个操作。")
    petition, _ = get_petition_for_user(request.user, pk, write=True)
    if action in CORRECTIONS and not actions.may_correct(request.user, petition):
        raise PermissionDenied("只有本镇综治中心工作人员可以更正或撤销信访件。")
    title, form_class, handler = ACTIONS[action]
    extra = {"petition": petition} if action in NEEDS_PETITION else {}
    if action == "extend" and petition.extended_at is not None:
        # Extended once already (the law allows one extension): say so instead of a form
        # that could only be refused.
        return render(request, "petitions/action.html", {
            "p": petition, "form": None, "title": title, "action": action,
            "state": petition.deadline_state(), "refusal": "已延期过一次，不能再次延期。"})
    form = form_class(request.POST or None, request.FILES or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            message = handler(request, petition, form.cleaned_data)
        except actions.PetitionChanged as exc:  # shown the petition as it now stands
            messages.error(request, str(exc))
            return redirect("petitions:detail", pk=petition.pk)
        except actions.PetitionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, message)
            return redirect("petitions:detail", pk=petition.pk)
    return render(request, "petitions/action.html", {
        "p": petition, "form": form, "title": title, "action": action,
        "state": petition.deadline_state()})


@scoped("area", model=Petition)
@require_POST
def petition_take(request, pk):
    """A leader takes charge (包案) of a petition in their town."""
    if not has_role(request.user, Role.LEADER):
        raise PermissionDenied("只有领导可以包案。")
    petition = (Petition.objects.visible_to(request.user)
                .select_related("area", "leader", "town").filter(pk=pk).first())
    if petition is None:
        raise Http404("信访件不存在或不在您的辖区。")
    try:
        actions.assign_leader(petition, actor=request.user, leader=request.user)
    except actions.PetitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "您已包案该信访件。")
    return redirect("petitions:detail", pk=pk)


@scoped("area", model=Petition)
@require_POST
def petition_to_case(request, pk):
    """访调对接: record the transfer, then open the cases app's intake form, prefilled."""
    petition, _ = get_petition_for_user(request.user, pk, write=True)
    try:
        url = actions.transfer_to_case(petition, actor=request.user)
    except actions.PetitionError as exc:
        messages.error(request, str(exc))
        return redirect("petitions:detail", pk=pk)
    return redirect(url)


LETTERS = {"reply": "信访事项处理意见书", "review": "信访事项复查意见书",
           "recheck": "信访事项复核意见书"}


@scoped("area", model=Petition)
@require_GET
def petition_letter(request, pk):
    petition, readable = get_petition_for_user(request.user, pk)
    if not readable:
        raise PermissionDenied("信访件内容仅综治中心工作人员和包案领导可见。")
    doc = request.GET.get("doc", "reply")
    if doc not in LETTERS:
        raise Http404("没有这种文书。")
    text, at = {"reply": (petition.reply, petition.closed_at),
                "review": (petition.review_opinion, petition.review_answered_at),
                "recheck": (petition.recheck_opinion, petition.recheck_answered_at)}[doc]
    if not text:
        raise Http404("尚未出具该文书。")
    log_access(request.user, AccessEvent.Kind.VIEW, petition, detail=f"打印{LETTERS[doc]}",
               request=request)
    return render(request, "petitions/letter.html", {
        "p": petition, "doc": doc, "doc_title": LETTERS[doc], "text": text, "at": at,
        "co": [link.resident for link in petition.co_petitioner_links.select_related("resident")]})


@scoped("area", model=Petition)
@require_http_methods(["GET", "POST"])
def petition_notice(request, pk, kind):
    """受理告知书 / 不予受理告知书 / 处理意见书: prefilled from the petition, edited, printed as
    a 公文 .docx by those who may read its content."""
    if kind not in notices.KINDS:
        raise Http404("没有这种文书。")
    petition, readable = get_petition_for_user(request.user, pk)
    if not readable:
        raise PermissionDenied("信访件内容仅综治中心工作人员和包案领导可见。")
    log_access(request.user, AccessEvent.Kind.VIEW, petition, request=request,
               detail=f"打印{notices.KINDS[kind]}")
    return gongwen.notice_page(
        request, initial=notices.petition_notice(petition, kind, user=request.user),
        kind=notices.KINDS[kind],
        filename=f"{notices.KINDS[kind]}-{petition.number or petition.pk}.docx",
        back_url=reverse("petitions:detail", args=[pk]))


@scoped("area", model=Petition)
@require_GET
def attachment_download(request, pk, attachment_pk):
    petition, readable = get_petition_for_user(request.user, pk)
    if not readable:
        raise PermissionDenied("信访件附件仅综治中心工作人员和包案领导可见。")
    attachment = petition.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404("附件不存在。")
    log_access(request.user, AccessEvent.Kind.DOWNLOAD, petition,
               detail=f"下载附件 {attachment.name}", request=request)
    return serve_file(attachment.file, download_name=attachment.name)


# --- Rates -------------------------------------------------------------------------------

def _links(row, base):
    return {key: reverse("petitions:list") + "?" + urlencode({**base, "stage": key})
            for key in stats.STAGES}


@scoped("area", model=Petition)
@require_role(Role.CENTRE_STAFF, Role.LEADER, Role.SUPERVISOR)
@require_GET
def petition_stats(request):
    form = filter_form(request, forms.StatsForm)
    start, end = form.period()
    base = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    channel = form.value("channel", "")
    if channel:
        base["channel"] = channel
    qs = forms.period(Petition.objects.visible_to(request.user).counted(), start, end)
    if "channel" in base:
        qs = qs.filter(channel=channel)
    # ?area: the dashboard's drill-down, as on the list (its numbers open the list with it).
    qs = form.narrow(qs, area_field="village", village="village")
    area = (form.drill() or {}).get("area")
    if area is not None:
        base["area"] = area.pk
    total = stats.totals(qs)
    total["links"] = _links(total, base)
    by_channel = stats.by(qs, "channel")
    order = {c.value: i for i, c in enumerate(Petition.Channel)}
    by_channel.sort(key=lambda r: order[r["channel"]])  # as declared, as the dashboard shows
    for row in by_channel:
        row["label"] = Petition.Channel(row["channel"]).label
        row["links"] = _links(row, {**base, "channel": row["channel"]})
    by_village = stats.by(qs, "village_id")
    names = dict(Area.objects.filter(pk__in=[r["village_id"] for r in by_village])
                 .values_list("pk", "short_name"))
    for row in by_village:
        row["label"] = names.get(row["village_id"], "")
        row["links"] = _links(row, {**base, "village": row["village_id"]})
    by_village.sort(key=lambda r: (-r["received"], r["label"]))
    return render(request, "petitions/stats.html", {
        "form": form, "start": start, "end": end, "total": total,
        "by_channel": by_channel, "by_village": by_village})


# --- 公开接访 --------------------------------------------------------------------------

def _schedule(request):
    form = filter_form(request, forms.YearForm)
    year = form.value("year", timezone.localdate().year)

    days = (ReceptionDay.objects.visible_to(request.user).filter(date__year=year)
            .select_related("leader").annotate(n=Count("petitions")).order_by("date", "id"))
    return year, days, form


@scoped("area", model=ReceptionDay)
@require_role(Role.CENTRE_STAFF, Role.LEADER)
@require_http_methods(["GET", "POST"])
def reception_list(request):
    year, days, year_form = _schedule(request)
    form = forms.ReceptionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        town = post_town(request.user, (Role.CENTRE_STAFF, Role.LEADER))
        try:
            if town is None:
                raise actions.PetitionError("您不属于任何镇，不能安排公开接访。")
            d = form.cleaned_data
            actions.schedule_reception(actor=request.user, town=town, leader=d["leader"],
                                       date=d["date"], place=d["place"],
                                       time_range=d["time_range"], topic=d["topic"])
        except actions.PetitionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已加入公开接访安排。")
            return redirect(reverse("petitions:receptions") + f"?year={d['date'].year}")
    return render(request, "petitions/receptions.html", {
        "year": year, "days": days, "form": form, "year_form": year_form,
        "today": timezone.localdate()})


@scoped("area", model=ReceptionDay)
@require_role(Role.CENTRE_STAFF, Role.LEADER)
@require_GET
def reception_print(request):
    year, days, _form = _schedule(request)
    return render(request, "petitions/reception_print.html",
                  {"year": year, "days": days, "town": home_area(request.user)})


@scoped("area", model=ReceptionDay)
@require_role(Role.CENTRE_STAFF, Role.LEADER)
@require_GET
def reception_detail(request, pk):
    day = get_reception_for_user(request.user, pk)
    qs = Petition.objects.visible_to(request.user).filter(reception=day)
    rows = list(rows_for(request.user, qs, secrets=LIST_SECRETS).order_by("received_at")
                .values(*LIST_FIELDS))
    for row in rows:
        row["channel_label"] = Petition.Channel(row["channel"]).label
        row["status_label"] = Petition.Status(row["status"]).label
    return render(request, "petitions/reception_detail.html", {"day": day, "rows": rows})
