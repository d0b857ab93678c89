import uuid
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grids import actions, exports, offline
from grids.access import (
    CAMPAIGN_ROLES,
    MANAGE_ROLES,
    RESPONSIBILITY_ROLES,
    VISIT_ROLES,
    Masker,
    area_paths,
    can_assign_responsibilities,
    can_edit_household,
    can_manage,
    can_run_campaigns,
    can_see_positions,
    can_visit,
    get_area_for_user,
    get_campaign_for_user,
    get_household_for_user,
    get_key_person_for_user,
    get_key_place_for_user,
    get_member_for_user,
    get_visit_for_user,
    has_role,
    require_role,
    user_can_see_area,
)
from grids.accounts import admin_areas
from grids.areas import EDITABLE_KINDS, child_kinds
from grids.coverage import coverage, next_unvisited_household
from grids.filters import filter_form
from grids.forms import (
    LEDGER_AREA_KINDS,
    AreaChoiceForm,
    CampaignEditForm,
    CampaignForm,
    EndResponsibilityForm,
    FlagsForm,
    HouseholdEditForm,
    HouseholdFilterForm,
    HouseholdForm,
    ImportForm,
    KeyPersonEditForm,
    KeyPersonFilterForm,
    KeyPersonForm,
    KeyPersonStatusForm,
    KeyPlaceEditForm,
    KeyPlaceFilterForm,
    KeyPlaceForm,
    MemberEditForm,
    MemberForm,
    PeriodForm,
    ResponsibilityForm,
    VisitForm,
    errors_onto,
)
from grids.imports import ImportRefused, run_import, template_workbook
from grids.imports import get_spec as get_import_spec
from grids.imports import specs as import_specs
from grids.links import follow_up_links
from grids.models import (
    Area,
    Campaign,
    Household,
    KeyPerson,
    KeyPersonCategory,
    KeyPlace,
    Membership,
    Responsibility,
    Visit,
)
from grids.positions import shown_position, shown_reference
from pingxiang.access import scoped
from pingxiang.audit import log_access, timeline_list
from pingxiang.bounds import MAX_DATE, MIN_DATE
from pingxiang.excel import xlsx_response
from pingxiang.listfilters import paginate
from pingxiang.models import AccessEvent
from pingxiang.people import display_name
from pingxiang.registry import visit_followups
from pingxiang.replica import replica_reads
from pingxiang.roles import Role
from pingxiang.uploads import serve_file


def _page(request, queryset, per_page=None):
    return paginate(request, queryset, per_page)


def _top_area(user):
    """The shallowest area the user answers for (their default scope)."""
    paths = area_paths(user)
    if not paths:
        return None
    return Area.objects.filter(path__in=paths).order_by("depth", "path").first()


def _grid_choices(user, *, manage=False, allowed=None):
    """Grids the user may pick; manage=True: where they keep the register; allowed: where
    allowed(user, grid) holds."""
    grids = (Area.objects.visible_to(user).filter(kind=Area.Kind.GRID, retired_at__isnull=True)
             .select_related("parent"))
    allowed = can_manage if manage else allowed
    if allowed is not None:
        grids = grids.filter(pk__in=[g.pk for g in grids if allowed(user, g)])
    return grids.order_by("path")


# --- Areas ----------------------------------------------------------------------------
@scoped("area", model=Area)
@require_GET
def area_list(request):
    areas = (
        Area.objects.visible_to(request.user)
        .filter(kind__in=[Area.Kind.TOWN, Area.Kind.VILLAGE])
        .annotate(n_children=Count("children"))
        .select_related("parent")
        .order_by("path")
    )
    return render(request, "grids/area_list.html", {"areas": areas})


@scoped("area", model=Area)
@require_GET
def area_detail(request, pk):
    area = get_area_for_user(request.user, pk)
    children = area.children.annotate(n_children=Count("children")).order_by("sort_order", "name")
    people = (
        Membership.objects.active().filter(area__path__startswith=area.path)
        .select_related("user", "area").order_by("area__path", "role")
    )
    ancestors = Area.objects.filter(pk__in=area.ancestor_ids()).order_by("depth")
    return render(request, "grids/area_detail.html", {
        "area": area, "children": children, "people": people, "ancestors": ancestors,
        "timeline": timeline_list(area),
        "can_edit_tree": any(area.path.startswith(a.path) for a in admin_areas(request.user)),
        "child_kinds": child_kinds(area), "editable": area.kind in EDITABLE_KINDS,
    })


# --- Households -----------------------------------------------------------------------
@scoped("area", model=Household)
@require_GET
def household_list(request):
    user = request.user
    form = filter_form(request, HouseholdFilterForm)
    households = Household.objects.visible_to(user)
    drill = form.drill()
    if drill is None:
        if "area" in form.errors:  # not one of the user's areas: as for any other record
            raise Http404("不在您的辖区内。")
        households = households.none()  # a refused ?from/to: its error, and no rows
        drill = {}
    area, campaign = drill.get("area"), form.value("campaign")
    if area is not None:
        households = households.under(area)
    query = form.value("q", "")
    households = households.search(query)
    flag = form.value("flag", "")
    if flag:
        households = households.filter(flags__contains=[flag])
    period = None
    if campaign is not None:
        period = (campaign.start_date, campaign.end_date)
    elif drill.get("from") or drill.get("to"):  # a dashboard drill-down
        period = (drill.get("from") or MIN_DATE, drill.get("to") or MAX_DATE)
    if period:
        households = households.with_visit_flag(*period)
        if form.value("visited"):
            households = households.filter(visited=form.value("visited") == "1")
    # The columns the list shows: a page of 50 households builds 150 objects.
    page = _page(request, households.select_related("grid", "head")
                 .order_by("grid__path", "id")
                 .only("address", "flags", "member_count", "grid__name", "head__name",
                       "head__phone"))
    context = {"page": page, "q": query, "area": area, "campaign": campaign,
               "visited": form.value("visited", ""), "mask": Masker(user), "form": form,
               "can_add": bool(area_paths(user, roles=MANAGE_ROLES)),
               "can_visit": bool(area_paths(user, roles=VISIT_ROLES))}
    template = "grids/household_list.html#results" if request.htmx else \
        "grids/household_list.html"
    return render(request, template, context)


@scoped("area", model=Household)
@require_GET
def household_detail(request, pk):
    user = request.user
    household = get_household_for_user(user, pk)
    mask = Masker(user)
    # Every view of a household's members is logged (SECURITY.md), with or without full IDs.
    log_access(user, AccessEvent.Kind.VIEW, household,
               detail="查看户成员身份证号" if mask.full_id else "查看户成员信息", request=request)
    members = household.members.select_related("key_person").order_by("pk")
    visits = household.visits.select_related("visitor").order_by("-visited_on", "-id")[:20]
    campaign = actions.campaign_for(household.grid, timezone.localdate())
    return render(request, "grids/household_detail.html", {
        "household": household, "members": members, "visits": visits, "mask": mask,
        "can_visit": can_visit(user, household.grid),
        "can_manage": can_manage(user, household.grid), "campaign": campaign,
        "can_edit": can_edit_household(user, household.grid),
        "flags_form": FlagsForm(initial={"flags": household.flags}),
        "timeline": timeline_list(household),
        "reference": _reference(user, household),
    })


@scoped("area", model=Household)
@require_role(*MANAGE_ROLES)
@require_http_methods(["GET", "POST"])
def household_new(request):
    grids = _grid_choices(request.user, manage=True)
    form = HouseholdForm(request.POST or None, grids=grids,
                         initial={"grid": request.GET.get("grid")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = actions.create_household(
                grid=data["grid"], house_number=data["house_number"],
                head_name=data["head_name"], head_id_number=data["head_id_number"],
                head_phone=data["head_phone"], flags=data["flags"], actor=request.user)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"已登记 {household.address}。")
            return redirect("grids:household_detail", household.pk)
    return render(request, "grids/form.html", {"form": form, "title": "登记新户",
                                               "submit": "保存"})


@scoped("area", model=Household)
@require_http_methods(["GET", "POST"])
def member_add(request, pk):
    household = get_household_for_user(request.user, pk)
    if not can_manage(request.user, household.grid):
        raise PermissionDenied("您的岗位不能修改户成员。")
    form = MemberForm(request.POST or None, full_id=Masker(request.user).full_id)
    if request.method == "POST" and form.is_valid():
        try:
            match = actions.add_member(household, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            if match.possible_duplicates:
                messages.warning(request, "系统中已有同名同电话的居民："
                                 + "、".join(f"{r.name}（{r.household or '未入户'}）"
                                            for r in match.possible_duplicates)
                                 + "。如是同一人，请补录身份证号以合并档案。")
            messages.success(request, f"已添加 {match.resident.name}。")
            return redirect("grids:household_detail", household.pk)
    return render(request, "grids/form.html", {"form": form, "title": f"{household} 添加成员",
                                               "submit": "添加"})


@scoped("area", model=Household)
@require_POST
def household_flags(request, pk):
    household = get_household_for_user(request.user, pk)
    if not can_manage(request.user, household.grid):
        raise PermissionDenied("您的岗位不能修改户标签。")
    form = FlagsForm(request.POST)
    if form.is_valid():
        actions.set_household_flags(household, form.cleaned_data["flags"], actor=request.user)
        messages.success(request, "户标签已更新。")
    return redirect("grids:household_detail", household.pk)


# --- Visits ---------------------------------------------------------------------------
REFERENCE_EMPTY = "还没有确认的参考位置：在一次记录了位置的走访页上确认。"


def _reference(user, subject):
    return shown_reference(user, subject, empty=REFERENCE_EMPTY)


def _visit_form(request, *, household=None, key_place=None):
    sent_by = request.headers.get("X-Pingxiang-Visit")
    form = VisitForm(request.POST or None, request.FILES or None, household=household,
                     key_place=key_place)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit, created = actions.record_visit(
                actor=request.user, household=household, key_place=key_place,
                idempotency_key=data["idempotency_key"], visited_on=data["visited_on"],
                visit_type=data["visit_type"], findings=data["findings"],
                persons_met=data.get("persons_met") or [],
                persons_met_other=data["persons_met_other"], companions=data["companions"],
                notes=data["notes"], photo=data.get("photo"), position=data["position"])
        except ValidationError as exc:
            errors_onto(form, exc)
        except actions.VisitKeyUsed as exc:
            form = _visit_form_with_new_key(request, exc.visit, household=household,
                                            key_place=key_place)
        else:
            if sent_by == "queued":
                pass  # the offline queue says so itself; nobody opens this visit's page now
            elif created:
                messages.success(request, f"走访已保存：{visit.subject}，{visit.findings_text}。")
            else:
                messages.info(request, "这次走访已经保存过，没有重复记录。")
            if sent_by:
                # The page's script sent it (visit-form.js): tell it where to go; the flash
                # message waits for that page.
                return JsonResponse({"url": reverse("grids:visit_detail", args=[visit.pk]),
                                     "created": created})
            return redirect("grids:visit_detail", visit.pk)
    if sent_by == "queued" and form.is_bound:
        # A visit made offline, refused now: the phone's queue shows why and keeps it to be
        # opened and fixed (grids/static/grids/visit-form.js); a 200 with the reasons, since
        # a 4xx would be logged as an error by the browser although nothing failed.
        return _queued_refusal(form)
    grid = (household or key_place).grid
    return render(request, "grids/visit_form.html", {
        "form": form, "household": household, "key_place": key_place,
        "campaign": actions.campaign_for(grid, timezone.localdate()),
        "members": household.members.order_by("pk") if household else [],
    })


def _queued_refusal(form):
    reasons = [str(e) for e in form.non_field_errors()]
    reasons += [f"{form.fields[name].label}：{e}" for name, errors in form.errors.items()
                if name != "__all__" for e in errors]
    key = form["idempotency_key"].value()
    return JsonResponse({"refused": "；".join(reasons), "key": str(key) if key else None})


# A visit made offline to a record the user no longer answers for (moved to another grid,
# handed to someone else since the phone cached it): said plainly, and kept on the phone.
MOVED = {"household": "这户已不在您负责的网格（缓存之后可能已迁往其他网格或调整了分工），"
                      "这次走访没有保存，内容仍保留在本机。请与村(社区)或综治中心核实后再处理。",
         "key_place": "这处重点场所已不在您负责的网格（缓存之后可能已调整），"
                      "这次走访没有保存，内容仍保留在本机。请与村(社区)或综治中心核实后再处理。"}


def _visit_target(request, get, pk, kind):
    """The household or place a visit is posted for; for the offline queue, a record gone
    out of the user's reach answers with the reason instead of a 404/403 page."""
    try:
        return get(request.user, pk, write=True), None
    except (Http404, PermissionDenied):
        if request.method == "POST" and request.headers.get("X-Pingxiang-Visit") == "queued":
            return None, JsonResponse({"refused": MOVED[kind], "moved": True})
        raise


def _visit_form_with_new_key(request, spent, *, household, key_place):
    """What was typed, under a fresh key, with a message saying why it was not saved: the
    key it came with belongs to another visit (`spent`), whose content differs."""
    data = request.POST.copy()
    data["idempotency_key"] = str(uuid.uuid4())
    form = VisitForm(data, household=household, key_place=key_place)
    form.is_valid()
    form.add_error(None, f"这份表单的提交编号已用于 {spent.visited_on:%Y-%m-%d} 的另一次走访"
                         f"（{spent.findings_text}），内容与这次不同，所以这次还没有保存。"
                         "您填写的内容已保留并换了新编号，请核对后再点“保存走访”"
                         + ("（照片需重新选择）。" if request.FILES.get("photo") else "。"))
    return form


@scoped("area", model=Household)
@require_http_methods(["GET", "POST"])
def visit_new(request, pk):
    household, refusal = _visit_target(request, get_household_for_user, pk, "household")
    return refusal or _visit_form(request, household=household)


@scoped("area", model=KeyPlace)
@require_http_methods(["GET", "POST"])
def visit_new_place(request, pk):
    place, refusal = _visit_target(request, get_key_place_for_user, pk, "key_place")
    return refusal or _visit_form(request, key_place=place)


def _next_household(user, visit):
    if visit.household is None:
        return None
    today = timezone.localdate()
    campaign = actions.campaign_for(visit.area, today)
    start, end = ((campaign.start_date, campaign.end_date) if campaign
                  else (today.replace(day=1), today))
    return next_unvisited_household(user, visit.household, start=start, end=end)


@scoped("area", model=Visit)
@require_GET
def visit_detail(request, pk):
    visit = get_visit_for_user(request.user, pk)
    met = list(visit.persons_met.all())
    return render(request, "grids/visit_detail.html", {
        "visit": visit, "persons_met": met,
        "links": follow_up_links(visit, [p.pk for p in met]), "timeline": timeline_list(visit),
        # What the casework apps opened from this visit (they register it: grids does not
        # import them).
        "opened": visit_followups(request.user, visit),
        "position": shown_position(
            request.user, visit, area=visit.area, subject=visit.subject,
            confirm_url=reverse("grids:visit_confirm_position", args=[visit.pk])),
        "next_household": _next_household(request.user, visit),
    })


@scoped("area", model=Visit)
@require_POST
def visit_confirm_position(request, pk):
    """Take this visit's position as its household's (or place's) reference position."""
    visit = get_visit_for_user(request.user, pk)
    if not can_see_positions(request.user, visit.area):
        raise PermissionDenied("您的岗位不能确认位置。")
    try:
        actions.confirm_reference_position(visit, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"已将本次走访的位置确认为“{visit.subject}”的参考位置。")
    return redirect(f"{reverse('grids:visit_detail', args=[visit.pk])}#position")


@scoped("area", model=Visit)
@require_GET
def visit_photo(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if not visit.photo:
        raise Http404("这次走访没有照片。")
    log_access(request.user, AccessEvent.Kind.DOWNLOAD, visit, detail="走访照片",
               request=request)
    return serve_file(visit.photo)


def _period_filter(request):
    areas = Area.objects.visible_to(request.user).filter(
        kind__in=LEDGER_AREA_KINDS).order_by("depth", "sort_order", "path")
    form = PeriodForm(request.GET, user=request.user, areas=areas)
    return form, form.applied


def _visits(request, form, data):
    """The visits the ledger page shows and its export writes: the same filters for both."""
    visits = exports.visit_ledger_queryset(request.user, area=data.get("area"),
                                           start=data.get("start"), end=data.get("end"))
    # The area is the form's own field, applied above: narrow adds the dates.
    visits = form.narrow(visits, area_field=None, date_field="visited_on")
    if form.value("mine", False):
        visits = visits.filter(visitor=request.user)
    # The "far from the household" filter exists for the roles that see positions only (the
    # form has no such field for the others).
    far = form.value("far") if "far" in form.fields else None
    if far:
        visits = visits.with_distance().filter(distance_m__gt=far)
    return visits


# What a row of the ledger page shows (grids/visit_list.html), and the positions its
# distance is measured between: a page of twenty rows builds five objects each.
VISIT_ROW_FIELDS = (
    "household", "key_place", "area", "visitor", "visited_on", "visit_type", "findings", "latitude", "longitude",
    "household__address", "household__ref_latitude", "household__ref_longitude",
    "key_place__name", "key_place__ref_latitude", "key_place__ref_longitude", "area__name",
    "visitor__username", "visitor__last_name", "visitor__first_name")


@scoped("area", model=Visit)
@require_GET
def visit_list(request):
    form, data = _period_filter(request)
    page = _page(request, _visits(request, form, data).select_related(
        "household", "key_place", "area", "visitor").only(*VISIT_ROW_FIELDS)
        .order_by("-visited_on", "-id"))
    positions = "far" in form.fields
    if positions:
        # The distance column joins each visit's household and place: the page's rows pay
        # for it, not the count of a town's 28,000 visits (bench/results.md, issue 17 §6).
        page.object_list = page.object_list.with_distance()
    return render(request, "grids/visit_list.html", {
        "form": form, "page": page, "mine": form.value("mine", False),
        "positions": positions})


@scoped("area", model=Visit)
@require_GET
@replica_reads
def visit_export(request):
    form, data = _period_filter(request)
    if not form.is_valid():
        # A refused filter is a page like any other (200): a 400 document makes the browser
        # log a console error, and nothing here needs to detect the refusal from a script.
        return render(request, "grids/visit_list.html", {"form": form, "page": None})
    area = data.get("area")
    mine = form.value("mine", False)
    log_access(request.user, AccessEvent.Kind.EXPORT, area, request=request,
               detail=f"走访台账 {data.get('start') or ''}~{data.get('end') or ''}"
                      + (" 只看我的" if mine else ""))
    fileobj = exports.visit_ledger(request.user, area=area, start=data.get("start"),
                                   end=data.get("end"), title_area=area.name if area else "",
                                   positions=bool(data.get("positions")),
                                   visits=_visits(request, form, data),
                                   scope="只看我的" if mine else "")
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(fileobj, f"走访台账-{area.short_name if area else '全部'}-{stamp}.xlsx")


@scoped("area", model=Household)
@require_GET
def offline_bundle(request):
    """The user's own grids' households for the phone's offline search and the pages its
    service worker keeps (grids.offline); refreshed by the page whenever it is online."""
    response = JsonResponse(offline.bundle(request.user))
    response["Cache-Control"] = "no-store"  # the service worker keeps its own dated copy
    return response


@scoped("area", model=Visit)
@require_GET
def worklist(request):
    """The visitor's to-do for the current campaign: who is not yet visited, who is overdue."""
    user = request.user
    today = timezone.localdate()
    top = _top_area(user)
    campaign = actions.campaign_for(top, today) if top else None
    unvisited = places = None
    if campaign:
        unvisited = (Household.objects.visible_to(user)
                     .with_visit_flag(campaign.start_date, campaign.end_date)
                     .filter(visited=False).select_related("head", "grid")
                     .order_by("grid__path", "id"))
        places = (KeyPlace.objects.visible_to(user).exclude(
            visits__visited_on__gte=campaign.start_date, visits__visited_on__lte=campaign.end_date)
            .select_related("grid").order_by("grid__path", "kind", "name"))
    overdue = (KeyPerson.objects.visible_to(user).overdue(today)
               .select_related("resident__household", "grid").order_by("next_visit_due"))
    return render(request, "grids/worklist.html", {
        "campaign": campaign, "today": today,
        "unvisited": unvisited[:100] if unvisited is not None else [],
        "unvisited_count": unvisited.count() if unvisited is not None else 0,
        "places": places[:100] if places is not None else [],
        "places_count": places.count() if places is not None else 0,
        "overdue": overdue[:100], "overdue_count": overdue.count(),
        "mine_today": Visit.objects.filter(visitor=user, visited_on=today).count(),
        "top": top,
    })


# --- Campaigns and coverage -----------------------------------------------------------
@scoped("area", model=Campaign)
@require_GET
def campaign_list(request):
    user = request.user
    campaigns = list(Campaign.objects.visible_to(user).select_related("area")
                     .order_by("-start_date"))
    for c in campaigns:
        c.editable = can_run_campaigns(user, c.area)  # memberships are cached: no query
    return render(request, "grids/campaign_list.html", {
        "campaigns": campaigns, "today": timezone.localdate(),
        "can_launch": bool(area_paths(user, roles=CAMPAIGN_ROLES))})


@scoped("area", model=Campaign)
@require_GET
def campaign_coverage(request, pk):
    user = request.user
    campaign = get_object_or_404(Campaign.objects.visible_to(user).select_related("area"), pk=pk)
    chosen = AreaChoiceForm(request.GET, user=user)
    if not chosen.is_valid():
        raise Http404("不在您的辖区内。")  # another area's, or no area at all
    if chosen.cleaned_data["area"] is not None:
        area = chosen.cleaned_data["area"]
    elif user_can_see_area(user, campaign.area):
        area = campaign.area
    else:
        area = _top_area(user)
    total, rows = coverage(area, campaign.start_date, campaign.end_date)
    ancestors = [a for a in Area.objects.filter(pk__in=area.ancestor_ids()).order_by("depth")
                 if user_can_see_area(user, a)]
    return render(request, "grids/coverage.html", {
        "campaign": campaign, "area": area, "total": total, "rows": rows,
        "ancestors": ancestors, "can_edit": can_run_campaigns(user, campaign.area),
    })


def _key_persons(request, today):
    """The key persons the list shows for its query string: the one filter the page and its
    ledger (key_person_export) share. Returns (form, queryset)."""
    form = filter_form(request, KeyPersonFilterForm)
    people = KeyPerson.objects.visible_to(request.user)
    status = form.value("status", "")  # the active ones when not named (KeyPersonFilterForm)
    if status:
        people = people.filter(status=status)
    overdue = form.value("overdue", False)
    if overdue:
        people = people.overdue(today)
    people = form.narrow(people, area_field="grid", upto_field="created_at")
    query = form.value("q", "")
    if query:
        people = people.filter(resident__name__contains=query)
    return form, people


@scoped("area", model=KeyPerson)
@require_GET
@replica_reads
def key_person_export(request):
    """重点人员台账 of exactly the rows the list shows for the same query string."""
    form, people = _key_persons(request, timezone.localdate())
    if form.is_bound and not form.is_valid():  # the list says what was refused
        return redirect(reverse("grids:key_person_list") + "?" + request.GET.urlencode())
    log_access(request.user, AccessEvent.Kind.EXPORT, request=request,
               detail=f"重点人员台账 {request.GET.urlencode()}"[:500])
    fileobj = exports.key_person_ledger(request.user, people, form=form)
    return xlsx_response(fileobj, f"重点人员台账-{timezone.localdate():%Y%m%d}.xlsx")


# --- Key persons and places -----------------------------------------------------------
@scoped("area", model=KeyPerson)
@require_GET
def key_person_list(request):
    today = timezone.localdate()
    form, people = _key_persons(request, today)
    page = _page(request, people.select_related("resident__household", "grid", "responsible")
                 .prefetch_related(Prefetch("categories", KeyPersonCategory.objects.all()))
                 .order_by("next_visit_due", "id"))
    return render(request, "grids/key_person_list.html", {
        "page": page, "today": today, "form": form,
    })


@scoped("area", model=KeyPerson)
@require_GET
def key_person_detail(request, pk):
    person = get_key_person_for_user(request.user, pk)
    log_access(request.user, AccessEvent.Kind.VIEW, person, detail="查看重点人员", request=request)
    visits = (Visit.objects.filter(household=person.resident.household_id)
              .select_related("visitor").order_by("-visited_on")[:20]
              if person.resident.household_id else [])
    return render(request, "grids/key_person_detail.html", {
        "person": person, "visits": visits, "mask": Masker(request.user),
        "today": timezone.localdate(), "can_manage": can_manage(request.user, person.grid),
        "status_form": KeyPersonStatusForm(), "timeline": timeline_list(person),
    })


@scoped("area", model=KeyPerson)
@require_POST
def key_person_status(request, pk):
    person = get_key_person_for_user(request.user, pk, write=True)
    form = KeyPersonStatusForm(request.POST)
    if form.is_valid():
        try:
            actions.change_key_person_status(person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, "状态已变更。")
    else:
        messages.error(request, "请选择新状态并填写理由。")
    return redirect("grids:key_person_detail", person.pk)


@scoped("area", model=KeyPerson)
@require_http_methods(["GET", "POST"])
def key_person_new(request, pk):
    household = get_household_for_user(request.user, pk)
    if not can_manage(request.user, household.grid):
        raise PermissionDenied("您的岗位不能登记重点人员。")
    residents = household.members.filter(key_person__isnull=True).order_by("pk")
    responsible = _responsible_choices(household.grid)
    form = KeyPersonForm(request.POST or None, residents=residents,
                         responsible_users=responsible)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = actions.register_key_person(
                data["resident"], categories=data["categories"], risk_level=data["risk_level"],
                responsible=data["responsible"], visit_every_days=data["visit_every_days"],
                notes=data["notes"], actor=request.user)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"已将 {person} 列为重点人员。")
            return redirect("grids:key_person_detail", person.pk)
    return render(request, "grids/form.html", {"form": form, "submit": "保存",
                                               "title": f"{household} 登记重点人员"})


def _key_places(request):
    """The key places the list shows for its query string: the one filter the page and its
    ledger (key_place_export) share. Returns (form, queryset)."""
    form = filter_form(request, KeyPlaceFilterForm)
    places = KeyPlace.objects.visible_to(request.user)
    kind = form.value("kind", "")
    if kind:
        places = places.filter(kind=kind)
    query = form.value("q", "")
    if query:
        places = places.filter(name__contains=query)
    return form, form.narrow(places, area_field="grid", upto_field="created_at")


@scoped("area", model=KeyPlace)
@require_GET
@replica_reads
def key_place_export(request):
    """重点场所台账 of exactly the rows the list shows for the same query string."""
    form, places = _key_places(request)
    if form.is_bound and not form.is_valid():  # the list says what was refused
        return redirect(reverse("grids:key_place_list") + "?" + request.GET.urlencode())
    log_access(request.user, AccessEvent.Kind.EXPORT, request=request,
               detail=f"重点场所台账 {request.GET.urlencode()}"[:500])
    fileobj = exports.key_place_ledger(request.user, places, form=form)
    return xlsx_response(fileobj, f"重点场所台账-{timezone.localdate():%Y%m%d}.xlsx")


@scoped("area", model=KeyPlace)
@require_GET
def key_place_list(request):
    form, places = _key_places(request)
    page = _page(request, places.select_related("grid__parent").order_by("grid__path", "name"))
    return render(request, "grids/key_place_list.html", {
        "page": page, "form": form, "mask": Masker(request.user),
        "can_add": bool(area_paths(request.user, roles=MANAGE_ROLES)),
    })


@scoped("area", model=KeyPlace)
@require_GET
def key_place_detail(request, pk):
    place = get_key_place_for_user(request.user, pk)
    return render(request, "grids/key_place_detail.html", {
        "place": place, "mask": Masker(request.user),
        "visits": place.visits.select_related("visitor").order_by("-visited_on")[:20],
        "can_visit": can_visit(request.user, place.grid), "timeline": timeline_list(place),
        "can_manage": can_manage(request.user, place.grid),
        "reference": _reference(request.user, place),
    })


@scoped("area", model=KeyPlace)
@require_role(*MANAGE_ROLES)
@require_http_methods(["GET", "POST"])
def key_place_new(request):
    form = KeyPlaceForm(request.POST or None, grids=_grid_choices(request.user, manage=True))
    if request.method == "POST" and form.is_valid():
        place = actions.create_key_place(actor=request.user, **form.cleaned_data)
        messages.success(request, f"已登记重点场所 {place}。")
        return redirect("grids:key_place_detail", place.pk)
    return render(request, "grids/form.html", {"form": form, "title": "登记重点场所",
                                               "submit": "保存"})


# --- 包抓 -------------------------------------------------------------------------------
def _village_for_user(user, pk):
    village = get_area_for_user(user, pk)
    if village.kind != Area.Kind.VILLAGE:
        raise Http404("请选择村(社区)。")
    return village


def _people_in_scope(user):
    """People the user may name as responsible: active users holding a post (other than
    安全审计员) within the areas where the user decides 包抓."""
    paths = area_paths(user, roles=RESPONSIBILITY_ROLES)
    if not paths:
        return get_user_model().objects.none()
    q = Q()
    for path in paths:
        q |= Q(area__path__startswith=path)
    posts = Membership.objects.active().exclude(role=Role.AUDITOR).filter(q)
    return (get_user_model().objects.filter(is_active=True, pk__in=posts.values("user_id"))
            .order_by("last_name", "first_name", "username"))


def _responsibility_forms(user, village, data=None, *, end_data=None):
    areas = Area.objects.under(village).select_related("parent").order_by("path")
    active = Responsibility.objects.filter(area__path__startswith=village.path,
                                           is_active=True).select_related("user", "area")
    return (ResponsibilityForm(data, areas=areas, people=_people_in_scope(user)),
            EndResponsibilityForm(end_data, responsibilities=active))


def _responsibilities_page(request, village, *, assign_form=None, end_form=None):
    areas = list(Area.objects.under(village).order_by("path"))
    resp = list(Responsibility.objects.filter(area__in=areas, is_active=True)
                .select_related("user").order_by("kind", "user__last_name"))
    by_area = {}
    for r in resp:
        by_area.setdefault(r.area_id, []).append(r)
    households = dict(Household.objects.under(village).values("grid_id")
                      .annotate(n=Count("id")).values_list("grid_id", "n"))
    places = dict(KeyPlace.objects.filter(grid__path__startswith=village.path)
                  .values("grid_id").annotate(n=Count("id")).values_list("grid_id", "n"))
    groups, orphan_grids, by_pk = [], [], {}
    for area in areas:
        if area.kind == Area.Kind.GROUP:
            by_pk[area.pk] = {"area": area, "people": by_area.get(area.pk, []), "grids": []}
            groups.append(by_pk[area.pk])
        elif area.kind == Area.Kind.GRID:
            workers = [r for r in by_area.get(area.pk, [])
                       if r.kind == Responsibility.Kind.GRID_WORKER]
            if area.parent_id not in by_pk:  # a grid straight under the village
                by_pk[area.parent_id] = {"area": village, "people": [], "grids": []}
                groups.append(by_pk[area.parent_id])
            by_pk[area.parent_id]["grids"].append({
                "area": area, "people": workers, "households": households.get(area.pk, 0),
                "places": places.get(area.pk, 0)})
            if not workers:
                orphan_grids.append(area)
    orphan_households = (Household.objects.filter(grid__in=orphan_grids)
                         .select_related("head", "grid").order_by("grid__path", "id"))
    orphan_places = (KeyPlace.objects.filter(grid__in=orphan_grids).select_related("grid")
                     .order_by("grid__path", "name"))
    can_assign = can_assign_responsibilities(request.user, village)
    if can_assign and assign_form is None:
        assign_form, end_form = _responsibility_forms(request.user, village)
    return render(request, "grids/responsibilities.html", {
        "village": village, "groups": groups,
        "leaders": [r for r in by_area.get(village.pk, [])
                    if r.kind == Responsibility.Kind.VILLAGE_LEADER],
        "orphan_groups": [g["area"] for g in groups
                          if g["area"].kind == Area.Kind.GROUP and not g["people"]],
        "orphan_households": orphan_households[:200],
        "orphan_household_count": orphan_households.count(),
        "orphan_places": orphan_places[:200], "orphan_place_count": orphan_places.count(),
        "can_assign": can_assign, "assign_form": assign_form, "end_form": end_form,
    })


@scoped("area", model=Responsibility)
@require_GET
def responsibilities(request, pk):
    return _responsibilities_page(request, _village_for_user(request.user, pk))


def _village_for_assigning(user, pk):
    village = _village_for_user(user, pk)
    if not can_assign_responsibilities(user, village):
        raise PermissionDenied("只有综治中心工作人员和系统管理员可以调整包抓责任。")
    return village


@scoped("area", model=Responsibility)
@require_POST
def responsibility_assign(request, pk):
    village = _village_for_assigning(request.user, pk)
    form, end_form = _responsibility_forms(request.user, village, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.assign_responsibility(data["user"], data["area"], data["kind"],
                                          actor=request.user)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            who = data["user"]
            messages.success(request, f"已落实包抓：{display_name(who)}"
                                      f"（{data['kind']}）→ {data['area'].name}。")
            return redirect("grids:responsibilities", village.pk)
    # Refused: the page again with the form's messages (200, an ordinary page).
    return _responsibilities_page(request, village, assign_form=form, end_form=end_form)


@scoped("area", model=Responsibility)
@require_POST
def responsibility_end(request, pk):
    village = _village_for_assigning(request.user, pk)
    assign_form, form = _responsibility_forms(request.user, village, end_data=request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("grids:responsibilities", village.pk)
    resp = form.cleaned_data["responsibility"]
    if actions.end_responsibility(resp, actor=request.user, reason=form.cleaned_data["reason"]):
        messages.success(request, f"已解除 {display_name(resp.user)}"
                                  f"对{resp.area.name}的包抓（{resp.kind}）。")
    else:
        messages.info(request, "这项包抓已被他人解除。")
    return redirect("grids:responsibilities", village.pk)


# --- Editing on the pages -------------------------------------------------------------
CONFLICT_HINT = ("下面保留了您填写的内容，页面上方是刚保存的最新内容。请核对后再次点击“保存”，"
                 "将以您填写的为准。")


def _conflict_form(request, form_class, exc, **kwargs):
    """The editor's own input again, now carrying the version on file, with a message
    saying someone else saved first. Nothing of theirs was written."""
    data = request.POST.copy()
    data["version"] = exc.current if exc.current is not None else data.get("version", "")
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, f"{exc}{CONFLICT_HINT}")
    return form


def _save_edit(request, form, save, **form_kwargs):
    """Run an edit action. Returns (changed, form); changed is None when nothing was saved:
    the action refused it (its reasons are now on the form) or another editor saved first
    (the form is the editor's input again, see _conflict_form). The caller then reloads the
    record, so the page shows what is on file now."""
    try:
        return save(), form
    except ValidationError as exc:
        errors_onto(form, exc)
    except actions.EditConflict as exc:
        form = _conflict_form(request, type(form), exc, **form_kwargs)
    return None, form


def _edit_page(request, form, *, title, cancel, current=(), readonly=(), note=""):
    return render(request, "grids/form.html", {
        "form": form, "title": title, "submit": "保存", "cancel_url": cancel,
        "current": current if form.non_field_errors() else (), "readonly": readonly,
        "note": note})


def _name(user):
    return display_name(user) if user else "—"


@scoped("area", model=Household)
@require_http_methods(["GET", "POST"])
def household_edit(request, pk):
    user = request.user
    household = get_household_for_user(user, pk, edit=True)
    kwargs = {"grids": _grid_choices(user, allowed=can_edit_household),
              "members": household.members.order_by("pk")}
    initial = {"grid": household.grid_id, "house_number": household.house_number,
               "head": household.head_id, "flags": household.flags, "notes": household.notes,
               "version": household.version}
    form = HouseholdEditForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        changed, form = _save_edit(request, form, lambda: actions.edit_household(
            household, actor=user, **form.cleaned_data), initial=initial, **kwargs)
        if changed is not None:
            messages.success(request, "户信息已保存。" if changed else "没有改动。")
            return redirect("grids:household_detail", household.pk)
        household = get_household_for_user(user, pk, edit=True)
    current = [("网格", household.grid.name), ("住址", household.address),
               ("户主", household.head.name if household.head else "—"),
               ("户标签", "、".join(household.flags) or "—"), ("备注", household.notes or "—")]
    return _edit_page(request, form, title=f"修改户信息 · {household.address}",
                      cancel=reverse("grids:household_detail", args=[household.pk]),
                      current=current)


@scoped("area", model=Household)
@require_http_methods(["GET", "POST"])
def member_edit(request, pk):
    user = request.user
    member = get_member_for_user(user, pk)
    mask = Masker(user)
    if mask.full_id and member.id_number:
        log_access(user, AccessEvent.Kind.VIEW, member, detail="修改成员信息（含身份证号）",
                   request=request)
    kwargs = {"full_id": mask.full_id, "full_phone": mask.full_phone}
    initial = {"name": member.name, "relation": member.relation, "sex": member.sex,
               "birth_date": member.birth_date, "id_number": member.id_number or "",
               "phone": member.phone, "version": member.version}
    form = MemberEditForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        changed, form = _save_edit(request, form, lambda: actions.edit_member(
            member, actor=user, **form.cleaned_data), initial=initial, **kwargs)
        if changed is not None:
            messages.success(request, f"{member.name}的信息已保存。" if changed else "没有改动。")
            return redirect("grids:household_detail", member.household_id)
        member = get_member_for_user(user, pk)
    readonly = []
    if not mask.full_id:
        readonly.append(("出生年份", mask.birth(member.birth_date) or "—",
                         "出生日期与身份证号一并由村(社区)干部维护。"))
        readonly.append(("身份证号", mask.id(member.id_number) or "—",
                         "您的岗位只能看到部分号码，不能修改；如有错误请联系村(社区)干部。"))
    if not mask.full_phone:
        readonly.append(("联系电话", mask.phone(member.phone) or "—",
                         "您的岗位只能看到部分号码，不能修改。"))
    current = [("姓名", member.name), ("与户主关系", member.relation or "—"),
               ("性别", member.sex or "—"),
               ("出生日期", mask.birth(member.birth_date) or "—"),
               ("身份证号", mask.id(member.id_number) or "—"),
               ("联系电话", mask.phone(member.phone) or "—")]
    return _edit_page(request, form, title=f"修改成员信息 · {member.name}",
                      cancel=reverse("grids:household_detail", args=[member.household_id]),
                      current=current, readonly=readonly,
                      note=member.household.address)


@scoped("area", model=KeyPlace)
@require_http_methods(["GET", "POST"])
def key_place_edit(request, pk):
    user = request.user
    place = get_key_place_for_user(user, pk, manage=True)
    mask = Masker(user)
    kwargs = {"grids": _grid_choices(user, manage=True), "full_phone": mask.full_phone}
    initial = {"kind": place.kind, "name": place.name, "address": place.address,
               "grid": place.grid_id, "responsible_person": place.responsible_person,
               "contact": place.contact, "version": place.version}
    form = KeyPlaceEditForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        changed, form = _save_edit(request, form, lambda: actions.edit_key_place(
            place, actor=user, **form.cleaned_data), initial=initial, **kwargs)
        if changed is not None:
            messages.success(request, "重点场所已保存。" if changed else "没有改动。")
            return redirect("grids:key_place_detail", place.pk)
        place = get_key_place_for_user(user, pk, manage=True)
    readonly = [] if mask.full_phone else [
        ("联系电话", mask.phone(place.contact) or "—", "您的岗位只能看到部分号码，不能修改。")]
    current = [("类别", place.kind), ("名称", place.name), ("地址", place.address or "—"),
               ("所属网格", place.grid.name), ("负责人", place.responsible_person or "—"),
               ("联系电话", mask.phone(place.contact) or "—")]
    return _edit_page(request, form, title=f"修改重点场所 · {place.name}",
                      cancel=reverse("grids:key_place_detail", args=[place.pk]),
                      current=current, readonly=readonly)


def _responsible_choices(grid):
    """Who may answer for a key person in grid: holders of a visiting post at or above it."""
    return get_user_model().objects.filter(
        memberships__is_active=True, memberships__role__in=VISIT_ROLES,
        memberships__area__in=Area.objects.filter(pk__in=grid.ancestor_ids()),
    ).distinct().order_by("last_name", "first_name")


@scoped("area", model=KeyPerson)
@require_http_methods(["GET", "POST"])
def key_person_edit(request, pk):
    user = request.user
    person = get_key_person_for_user(user, pk, write=True)
    chosen = list(person.categories.all())
    kwargs = {"responsible_users": _responsible_choices(person.grid),
              "categories": KeyPersonCategory.objects.filter(
                  Q(is_active=True) | Q(pk__in=[c.pk for c in chosen]))}
    initial = {"categories": [c.pk for c in chosen], "risk_level": person.risk_level,
               "responsible": person.responsible_id, "status": person.status,
               "visit_every_days": person.visit_every_days, "notes": person.notes,
               "version": person.version}
    form = KeyPersonEditForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        changed, form = _save_edit(request, form, lambda: actions.edit_key_person(
            person, actor=user, **form.cleaned_data), initial=initial, **kwargs)
        if changed is not None:
            messages.success(request, "重点人员信息已保存。" if changed else "没有改动。")
            return redirect("grids:key_person_detail", person.pk)
        person = get_key_person_for_user(user, pk, write=True)
        chosen = list(person.categories.all())
    current = [("类别", "、".join(c.name for c in chosen)),
               ("风险等级", person.get_risk_level_display()),
               ("包联责任人", _name(person.responsible)),
               ("走访频次", f"每 {person.visit_every_days} 天"), ("管理状态", person.status),
               ("情况说明", person.notes or "—")]
    return _edit_page(request, form, title=f"修改重点人员 · {person.resident.name}",
                      cancel=reverse("grids:key_person_detail", args=[person.pk]),
                      current=current)


def _campaign_areas(user):
    return (Area.objects.under_paths(area_paths(user, roles=CAMPAIGN_ROLES))
            .filter(kind__in=[Area.Kind.CITY, Area.Kind.COUNTY, Area.Kind.TOWN, Area.Kind.VILLAGE])
            .select_related("parent").order_by("path"))


@scoped("area", model=Campaign)
@require_role(*CAMPAIGN_ROLES)
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    user = request.user
    areas = _campaign_areas(user)
    today = timezone.localdate()
    form = CampaignForm(request.POST or None, areas=areas, initial={
        "area": _top_area(user).pk if _top_area(user) else None, "start_date": today,
        "mode": Campaign.Mode.FULL})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = actions.launch_campaign(actor=user, **form.action_kwargs())
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"已发起专项活动：{campaign.name}。")
            return redirect("grids:campaign_coverage", campaign.pk)
    return _edit_page(request, form, title="发起专项活动",
                      cancel=reverse("grids:campaign_list"))


@scoped("area", model=Campaign)
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk):
    user = request.user
    campaign = get_campaign_for_user(user, pk, write=True)
    kwargs = {"areas": _campaign_areas(user), "campaign": campaign}
    form = CampaignEditForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        changed, form = _save_edit(request, form, lambda: actions.edit_campaign(
            campaign, actor=user, version=form.cleaned_data["version"],
            **form.action_kwargs()), **kwargs)
        if changed is not None:
            messages.success(request, "专项活动已保存。" if changed else "没有改动。")
            return redirect("grids:campaign_coverage", campaign.pk)
        campaign = get_campaign_for_user(user, pk, write=True)
    current = [("活动名称", campaign.name), ("范围", campaign.area.name),
               ("时间", f"{campaign.start_date:%Y-%m-%d} 至 {campaign.end_date:%Y-%m-%d}"),
               ("排查方式", campaign.mode), ("排查重点", campaign.focus or "—")]
    return _edit_page(request, form, title=f"修改专项活动 · {campaign.name}",
                      cancel=reverse("grids:campaign_coverage", args=[campaign.pk]),
                      current=current)


# --- Import ---------------------------------------------------------------------------
# One page and one template download for every kind of import (grids.imports specs; apps
# above grids register theirs); households keep their older addresses.
def _import_spec(request, kind):
    spec = get_import_spec(kind)
    if spec is None:
        raise Http404("没有这种导入。")
    if not has_role(request.user, *spec.roles):
        raise PermissionDenied("您的岗位没有此项权限。")
    return spec


def _import(request, spec):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = run_import(spec, upload, size=upload.size, actor=request.user,
                                name=upload.name)
        except ImportRefused as exc:
            form.add_error("file", str(exc))
    # A refused file is a page like any other (200, the reasons on it): a 400 document makes
    # the browser log a console error. Nothing was written either way.
    return render(request, "grids/import.html", {"form": form, "result": result, "spec": spec,
                                                 "others": import_specs()})


def _template_download(spec):
    name = quote(f"{spec.title}导入模板.xlsx")
    response = HttpResponse(template_workbook(spec).getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument"
                                         ".spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@scoped("role")
@require_role(*MANAGE_ROLES)
@require_http_methods(["GET", "POST"])
def import_page(request):
    return _import(request, _import_spec(request, "households"))


@scoped("role")
@require_role(*MANAGE_ROLES)
@require_GET
def import_template(request):
    return _template_download(_import_spec(request, "households"))


@scoped("role")
@require_http_methods(["GET", "POST"])
def import_kind(request, kind):
    return _import(request, _import_spec(request, kind))


@scoped("role")
@require_GET
def import_kind_template(request, kind):
    return _template_download(_import_spec(request, kind))

