import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grids import actions, exports
from grids.access import (
    MANAGE_ROLES,
    VISIT_ROLES,
    Masker,
    area_paths,
    areas_visible_to,
    campaigns_visible_to,
    can_manage,
    can_visit,
    get_area_for_user,
    get_household_for_user,
    get_key_person_for_user,
    get_key_place_for_user,
    get_visit_for_user,
    households_visible_to,
    key_persons_visible_to,
    key_places_visible_to,
    user_can_see_area,
)
from grids.coverage import coverage
from grids.forms import (
    FlagsForm,
    HouseholdForm,
    ImportForm,
    KeyPersonForm,
    KeyPersonStatusForm,
    KeyPlaceForm,
    MemberForm,
    PeriodForm,
    VisitForm,
)
from grids.imports import ImportRefused, import_households, template_workbook
from grids.links import follow_up_links
from grids.models import (
    Area,
    Campaign,
    Household,
    HouseholdFlag,
    KeyPerson,
    KeyPersonCategory,
    KeyPlace,
    Membership,
    Responsibility,
    Visit,
)
from pingxiang.access import require_role, scoped
from pingxiang.audit import log_access, timeline
from pingxiang.excel import xlsx_response
from pingxiang.listfilters import narrow
from pingxiang.models import AccessEvent
from pingxiang.uploads import serve_file


def _iso(raw):
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Http404("日期格式应为 2026-11-29。") from None


def _page(request, queryset, per_page=50):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _querystring(request, drop=("page",)):
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def _top_area(user):
    """The shallowest area the user answers for (their default scope)."""
    paths = area_paths(user)
    if not paths:
        return None
    return Area.objects.filter(path__in=paths).order_by("depth", "path").first()


def _grid_choices(user, *, manage=False):
    grids = areas_visible_to(user).filter(kind=Area.Kind.GRID).select_related("parent")
    if manage:
        grids = grids.filter(pk__in=[g.pk for g in grids if can_manage(user, g)])
    return grids.order_by("path")


# --- Areas ----------------------------------------------------------------------------
@scoped("area", model=Area)
@require_GET
def area_list(request):
    areas = (
        areas_visible_to(request.user)
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
        "timeline": timeline(area),
    })


# --- Households -----------------------------------------------------------------------
@scoped("area", model=Household)
@require_GET
def household_list(request):
    user = request.user
    households = households_visible_to(user)
    area = campaign = None
    if request.GET.get("area", "").isdigit():
        area = get_area_for_user(user, request.GET["area"])
        households = households.under(area)
    query = request.GET.get("q", "").strip()[:50]
    households = households.search(query)
    flag = request.GET.get("flag", "")
    if flag:
        households = households.filter(flags__contains=[flag])
    period = None
    if request.GET.get("campaign", "").isdigit():
        campaign = get_object_or_404(campaigns_visible_to(user), pk=request.GET["campaign"])
        period = (campaign.start_date, campaign.end_date)
    elif request.GET.get("from") or request.GET.get("to"):  # a dashboard drill-down
        period = (_iso(request.GET.get("from")) or dt.date(1900, 1, 1),
                  _iso(request.GET.get("to")) or dt.date(2999, 12, 31))
    if period:
        households = households.with_visit_flag(*period)
        if request.GET.get("visited") in ("0", "1"):
            households = households.filter(visited=request.GET["visited"] == "1")
    page = _page(request, households.select_related("grid__parent", "head")
                 .order_by("grid__path", "id"))
    context = {"page": page, "q": query, "area": area, "flag": flag, "campaign": campaign,
               "visited": request.GET.get("visited", ""), "mask": Masker(user),
               "flags": HouseholdFlag.objects.filter(is_active=True),
               "qs": _querystring(request), "can_add": bool(area_paths(user, roles=MANAGE_ROLES)),
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
        "flags_form": FlagsForm(initial={"flags": household.flags}),
        "timeline": timeline(household),
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
            _form_errors(form, exc)
        else:
            messages.success(request, f"已登记 {household.address}。")
            return redirect("grids:household_detail", household.pk)
    return render(request, "grids/form.html", {"form": form, "title": "登记新户",
                                               "submit": "保存"})


def _form_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@scoped("area", model=Household)
@require_http_methods(["GET", "POST"])
def member_add(request, pk):
    household = get_household_for_user(request.user, pk)
    if not can_manage(request.user, household.grid):
        raise PermissionDenied("您的岗位不能修改户成员。")
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            match = actions.add_member(household, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
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
def _visit_form(request, *, household=None, key_place=None):
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
                notes=data["notes"], photo=data.get("photo"))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if created:
                messages.success(request, f"走访已保存：{visit.subject}，{visit.findings_text}。")
            else:
                messages.info(request, "这次走访已经保存过，没有重复记录。")
            if request.headers.get("X-Pingxiang-Visit"):
                # The page's script sent it (visit-form.js): tell it where to go; the flash
                # message waits for that page.
                return JsonResponse({"url": reverse("grids:visit_detail", args=[visit.pk]),
                                     "created": created})
            return redirect("grids:visit_detail", visit.pk)
    grid = (household or key_place).grid
    return render(request, "grids/visit_form.html", {
        "form": form, "household": household, "key_place": key_place,
        "campaign": actions.campaign_for(grid, timezone.localdate()),
        "members": household.members.order_by("pk") if household else [],
    })


@scoped("area", model=Household)
@require_http_methods(["GET", "POST"])
def visit_new(request, pk):
    household = get_household_for_user(request.user, pk, write=True)
    return _visit_form(request, household=household)


@scoped("area", model=KeyPlace)
@require_http_methods(["GET", "POST"])
def visit_new_place(request, pk):
    place = get_key_place_for_user(request.user, pk, write=True)
    return _visit_form(request, key_place=place)


@scoped("area", model=Visit)
@require_GET
def visit_detail(request, pk):
    visit = get_visit_for_user(request.user, pk)
    met = list(visit.persons_met.all())
    from cases.models import Case
    from rectification.models import Hazard

    # What was opened from this visit, as far as the user may see it.
    cases = Case.objects.visible_to(request.user).filter(source_visit_id=visit.pk)
    hazards = Hazard.objects.visible_to(request.user).filter(source_visit_id=visit.pk)
    return render(request, "grids/visit_detail.html", {
        "visit": visit, "persons_met": met,
        "links": follow_up_links(visit, [p.pk for p in met]), "timeline": timeline(visit),
        "opened_cases": list(cases.only("pk", "number", "status")),
        "opened_hazards": list(hazards.only("pk", "number", "status")),
    })


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
    areas = areas_visible_to(request.user).filter(
        kind__in=[Area.Kind.TOWN, Area.Kind.VILLAGE, Area.Kind.GROUP, Area.Kind.GRID]
    ).order_by("path")
    form = PeriodForm(request.GET or None, areas=areas)
    if request.GET and form.is_valid():
        return form, form.cleaned_data
    return form, {}


@scoped("area", model=Visit)
@require_GET
def visit_list(request):
    form, data = _period_filter(request)
    visits = exports.visit_ledger_queryset(request.user, area=data.get("area"),
                                           start=data.get("start"), end=data.get("end"))
    visits = narrow(request, visits, area_field="village", date_field="visited_on")
    mine = request.GET.get("mine") == "1"
    if mine:
        visits = visits.filter(visitor=request.user)
    page = _page(request, visits.select_related(
        "household", "key_place", "area", "visitor").order_by("-visited_on", "-id"))
    return render(request, "grids/visit_list.html", {
        "form": form, "page": page, "mine": mine, "qs": _querystring(request),
        "export_qs": _querystring(request, drop=("page", "mine")),
    })


@scoped("area", model=Visit)
@require_GET
def visit_export(request):
    form, data = _period_filter(request)
    if request.GET and not form.is_valid():
        return render(request, "grids/visit_list.html", {"form": form, "page": None}, status=400)
    area = data.get("area")
    log_access(request.user, AccessEvent.Kind.EXPORT, area, request=request,
               detail=f"走访台账 {data.get('start') or ''}~{data.get('end') or ''}")
    fileobj = exports.visit_ledger(request.user, area=area, start=data.get("start"),
                                   end=data.get("end"), title_area=area.name if area else "")
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(fileobj, f"走访台账-{area.short_name if area else '全部'}-{stamp}.xlsx")


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
        unvisited = (households_visible_to(user)
                     .with_visit_flag(campaign.start_date, campaign.end_date)
                     .filter(visited=False).select_related("head", "grid")
                     .order_by("grid__path", "id"))
        places = (key_places_visible_to(user).exclude(
            visits__visited_on__gte=campaign.start_date, visits__visited_on__lte=campaign.end_date)
            .select_related("grid").order_by("grid__path", "kind", "name"))
    overdue = (key_persons_visible_to(user).overdue(today)
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
    campaigns = campaigns_visible_to(request.user).select_related("area").order_by("-start_date")
    return render(request, "grids/campaign_list.html", {"campaigns": campaigns,
                                                        "today": timezone.localdate()})


@scoped("area", model=Campaign)
@require_GET
def campaign_coverage(request, pk):
    user = request.user
    campaign = get_object_or_404(campaigns_visible_to(user).select_related("area"), pk=pk)
    if request.GET.get("area", "").isdigit():
        area = get_area_for_user(user, request.GET["area"])
    elif user_can_see_area(user, campaign.area):
        area = campaign.area
    else:
        area = _top_area(user)
    total, rows = coverage(area, campaign.start_date, campaign.end_date)
    ancestors = [a for a in Area.objects.filter(pk__in=area.ancestor_ids()).order_by("depth")
                 if user_can_see_area(user, a)]
    return render(request, "grids/coverage.html", {
        "campaign": campaign, "area": area, "total": total, "rows": rows,
        "ancestors": ancestors,
    })


# --- Key persons and places -----------------------------------------------------------
@scoped("area", model=KeyPerson)
@require_GET
def key_person_list(request):
    user = request.user
    today = timezone.localdate()
    people = key_persons_visible_to(user)
    status = request.GET.get("status", KeyPerson.Status.ACTIVE)
    if status in KeyPerson.Status.values:
        people = people.filter(status=status)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        people = people.overdue(today)
    people = narrow(request, people, area_field="grid", upto_field="created_at")
    query = request.GET.get("q", "").strip()[:30]
    if query:
        people = people.filter(resident__name__contains=query)
    page = _page(request, people.select_related("resident__household", "grid", "responsible")
                 .prefetch_related(Prefetch("categories", KeyPersonCategory.objects.all()))
                 .order_by("next_visit_due", "id"))
    return render(request, "grids/key_person_list.html", {
        "page": page, "today": today, "status": status, "overdue": overdue, "q": query,
        "statuses": KeyPerson.Status.choices, "qs": _querystring(request),
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
        "status_form": KeyPersonStatusForm(), "timeline": timeline(person),
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
    responsible = get_user_model().objects.filter(
        memberships__is_active=True, memberships__role__in=VISIT_ROLES,
        memberships__area__in=Area.objects.filter(pk__in=household.grid.ancestor_ids()),
    ).distinct().order_by("last_name", "first_name")
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
            _form_errors(form, exc)
        else:
            messages.success(request, f"已将 {person} 列为重点人员。")
            return redirect("grids:key_person_detail", person.pk)
    return render(request, "grids/form.html", {"form": form, "submit": "保存",
                                               "title": f"{household} 登记重点人员"})


@scoped("area", model=KeyPlace)
@require_GET
def key_place_list(request):
    places = key_places_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in KeyPlace.Kind.values:
        places = places.filter(kind=kind)
    query = request.GET.get("q", "").strip()[:30]
    if query:
        places = places.filter(name__contains=query)
    places = narrow(request, places, area_field="grid", upto_field="created_at")
    page = _page(request, places.select_related("grid__parent").order_by("grid__path", "name"))
    return render(request, "grids/key_place_list.html", {
        "page": page, "kind": kind, "kinds": KeyPlace.Kind.choices, "q": query,
        "qs": _querystring(request), "mask": Masker(request.user),
        "can_add": bool(area_paths(request.user, roles=MANAGE_ROLES)),
    })


@scoped("area", model=KeyPlace)
@require_GET
def key_place_detail(request, pk):
    place = get_key_place_for_user(request.user, pk)
    return render(request, "grids/key_place_detail.html", {
        "place": place, "mask": Masker(request.user),
        "visits": place.visits.select_related("visitor").order_by("-visited_on")[:20],
        "can_visit": can_visit(request.user, place.grid), "timeline": timeline(place),
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
@scoped("area", model=Responsibility)
@require_GET
def responsibilities(request, pk):
    village = get_area_for_user(request.user, pk)
    if village.kind != Area.Kind.VILLAGE:
        raise Http404("请选择村(社区)。")
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
    return render(request, "grids/responsibilities.html", {
        "village": village, "groups": groups,
        "leaders": [r for r in by_area.get(village.pk, [])
                    if r.kind == Responsibility.Kind.VILLAGE_LEADER],
        "orphan_groups": [g["area"] for g in groups
                          if g["area"].kind == Area.Kind.GROUP and not g["people"]],
        "orphan_households": orphan_households[:200],
        "orphan_household_count": orphan_households.count(),
        "orphan_places": orphan_places[:200], "orphan_place_count": orphan_places.count(),
    })


# --- Import ---------------------------------------------------------------------------
@scoped("role")
@require_role(*MANAGE_ROLES)
@require_http_methods(["GET", "POST"])
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = refused = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_households(upload, size=upload.size, actor=request.user,
                                       name=upload.name)
        except ImportRefused as exc:
            refused = str(exc)
            form.add_error("file", refused)
    status = 400 if refused or (result and not result.ok) else 200
    return render(request, "grids/import.html", {"form": form, "result": result},
                  status=status)


@scoped("role")
@require_role(*MANAGE_ROLES)
@require_GET
def import_template(request):
    response = HttpResponse(template_workbook().getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument"
                                         ".spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%88%B7%E7%B1%8D%E5%AF" \
                                      "%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    return response

