"""Pages for a town's 系统管理员: people (accounts, posts, handover, Excel import) and the
area tree below a village (add, rename, retire; move a household). Short views: fetch
through access, validate a form, call grids.accounts / grids.areas, render or redirect."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Concat
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grids import accounts, areas
from grids.access import can_manage, get_area_for_user, get_household_for_user, village_rows
from grids.account_forms import (
    AreaAddForm,
    AreaRenameForm,
    GrantForm,
    HandoverForm,
    MoveHouseholdForm,
    OptionalReasonForm,
    PasswordPair,
    PeopleFilterForm,
    PersonEditForm,
    PersonForm,
    ReasonForm,
    RevokeForm,
    UserImportForm,
)
from grids.filters import filter_form
from grids.forms import errors_onto
from grids.imports import ImportRefused, import_users, user_template_workbook
from grids.models import Area, Membership
from grids.people import village_of
from pingxiang.access import scoped
from pingxiang.audit import timeline_list
from pingxiang.listfilters import paginate
from pingxiang.masks import mask_phone
from pingxiang.people import display_name
from pingxiang.roles import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_page(request, form, *, title, cancel, submit="保存", note="", status=200):
    return render(request, "grids/form.html", {
        "form": form, "title": title, "submit": submit, "cancel_url": cancel, "note": note},
        status=status)


# --- People -------------------------------------------------------------------------------
@scoped("area", model=Membership)
@require_GET
def user_list(request):
    accounts.require_people_role(request.user)
    form = filter_form(request, PeopleFilterForm)
    data = form.applied
    qs = accounts.people_visible_to(request.user)
    if data.get("q"):
        qs = qs.annotate(full=Concat("last_name", "first_name", Value(""))).filter(
            Q(full__icontains=data["q"]) | Q(username__icontains=data["q"]))
    if data.get("role"):
        qs = qs.filter(pk__in=Membership.objects.active().filter(role=data["role"])
                       .values("user_id"))
    if data.get("village"):
        village = next((a for a in village_rows(request.user) if a.pk == data["village"]), None)
        qs = qs.filter(pk__in=Membership.objects.active().filter(
            area__path__startswith=village.path).values("user_id")) if village else qs.none()
    status = data.get("status") or ""
    if status == "":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    posts = Prefetch("memberships", to_attr="posts",
                     queryset=Membership.objects.active().select_related("area")
                     .order_by("area__path"))
    page = paginate(request, qs.prefetch_related(posts)
                    .order_by("last_name", "first_name", "username"))
    contacts = accounts.contacts_of(page.object_list)
    for person in page.object_list:
        wecom, mobile = contacts.get(person.pk, ("", ""))
        person.wecom_userid, person.mobile_masked = wecom, mask_phone(mobile)
    template = "grids/user_list.html#table" if request.htmx else "grids/user_list.html"
    return render(request, template, {"form": form, "page": page})


@scoped("area", model=Membership)
@require_http_methods(["GET", "POST"])
def user_new(request):
    accounts.require_people_role(request.user)
    form = PersonForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = accounts.create_person(
                actor=request.user, username=data["username"], name=data["name"],
                password=data["password"], role=data["role"], area=data["area"],
                title=data["title"], mobile=data["mobile"], wecom_userid=data["wecom_userid"])
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"已建立{display_name(person)}的账号，首次登录时须修改临时密码。")
            return redirect("grids:user_detail", person.pk)
    return _form_page(request, form, title="新建人员账号", submit="建立账号",
                      cancel=reverse("grids:user_list"))


@scoped("area", model=Membership)
@require_GET
def user_detail(request, pk):
    person = accounts.get_person_for_admin(request.user, pk)
    wecom, mobile = accounts.contacts_of([person]).get(person.pk, ("", ""))
    posts = list(person.memberships.select_related("area").order_by("-is_active", "area__path"))
    return render(request, "grids/user_detail.html", {
        "person": person, "wecom_userid": wecom, "mobile": mask_phone(mobile),
        "posts": posts, "post_history": accounts.post_history(person),
        "locked": accounts.is_locked(person),
        "must_change": accounts.must_change_password(person),
        "open_items": accounts.open_items(person),
        "grant_form": GrantForm(actor=request.user),
        "revoke_form": RevokeForm(person=person),
        "own": person.pk == request.user.pk,
        "timeline": timeline_list(person)})


@scoped("area", model=Membership)
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    person = accounts.get_person_for_admin(request.user, pk)
    wecom, mobile = accounts.contacts_of([person]).get(person.pk, ("", ""))
    initial = {"name": display_name(person), "wecom_userid": wecom}
    form = PersonEditForm(request.POST or None, initial=initial, stored_mobile=mobile)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.edit_person(person, actor=request.user, name=data["name"],
                                 mobile=data["mobile"] or None, wecom_userid=data["wecom_userid"])
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("grids:user_detail", person.pk)
    return _form_page(request, form, title=f"修改人员信息 · {display_name(person)}",
                      cancel=reverse("grids:user_detail", args=[person.pk]))


def _post_action(request, pk, form, act, done):
    """A POST from the person page: validate, act, say what happened, back to the page."""
    person = accounts.get_person_for_admin(request.user, pk)
    bound = form(request.POST, person=person) if form is RevokeForm else form(request.POST)
    if bound.is_valid():
        try:
            act(person, bound.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
    else:
        for errors in bound.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("grids:user_detail", person.pk)


@scoped("area", model=Membership)
@require_POST
def user_deactivate(request, pk):
    return _post_action(request, pk, ReasonForm, lambda p, d: accounts.deactivate_person(
        p, actor=request.user, reason=d["reason"]), "账号已停用。")


@scoped("area", model=Membership)
@require_POST
def user_reactivate(request, pk):
    return _post_action(request, pk, OptionalReasonForm, lambda p, d: accounts.reactivate_person(
        p, actor=request.user, reason=d["reason"]), "账号已重新启用。")


@scoped("area", model=Membership)
@require_POST
def user_unlock(request, pk):
    return _post_action(request, pk, OptionalReasonForm, lambda p, d: accounts.unlock_person(
        p, actor=request.user), "已解除锁定，可以重新登录。")


@scoped("area", model=Membership)
@require_POST
def user_revoke(request, pk):
    return _post_action(request, pk, RevokeForm, lambda p, d: accounts.revoke_post(
        d["membership"], actor=request.user, reason=d["reason"]), "岗位已撤销。")


@scoped("area", model=Membership)
@require_POST
def user_grant(request, pk):
    person = accounts.get_person_for_admin(request.user, pk)
    form = GrantForm(request.POST, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            accounts.grant_post(person, actor=request.user, area=data["area"], role=data["role"],
                                title=data["title"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"已授予{Role(data['role']).label}岗位（{data['area'].name}）。")
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("grids:user_detail", person.pk)


@scoped("area", model=Membership)
@require_http_methods(["GET", "POST"])
def user_password(request, pk):
    person = accounts.get_person_for_admin(request.user, pk)
    form = PasswordPair(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.reset_password(person, actor=request.user,
                                    password=form.cleaned_data["password"])
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, "已设置临时密码，本人下次登录时须修改。")
            return redirect("grids:user_detail", person.pk)
    return _form_page(request, form, title=f"重置密码 · {display_name(person)}",
                      submit="设置临时密码", cancel=reverse("grids:user_detail", args=[person.pk]),
                      note="设置后对方已登录的会话随即失效；请把临时密码当面或电话告知本人。")


@scoped("area", model=Membership)
@require_http_methods(["GET", "POST"])
def user_handover(request, pk):
    person = accounts.get_person_for_admin(request.user, pk)
    people = accounts.people_options(request.user, exclude=person)
    form = HandoverForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = accounts.hand_over(person, actor=request.user, successor=data["successor"],
                                      reason=data["reason"])
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            total = sum(n for _label, n in done)
            messages.success(request, f"已将{total}项工作移交给{display_name(data['successor'])}，"
                                      "并已通知接手人。")
            return redirect("grids:user_detail", person.pk)
    return render(request, "grids/handover.html", {
        "person": person, "form": form, "open_items": accounts.open_items(person)})


@scoped("role")
@require_http_methods(["GET", "POST"])
def user_import(request):
    accounts.require_people_role(request.user)
    form = UserImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_users(upload, size=upload.size, actor=request.user,
                                  password=form.cleaned_data["password"], name=upload.name)
        except ImportRefused as exc:
            form.add_error("file", str(exc))
    # A refused file is a page like any other (200, the reasons on it); nothing was written.
    return render(request, "grids/user_import.html", {"form": form, "result": result})


@scoped("role")
@require_GET
def user_import_template(request):
    accounts.require_people_role(request.user)
    response = HttpResponse(user_template_workbook().getvalue(), content_type=XLSX)
    response["Content-Disposition"] = ("attachment; filename*=UTF-8''"
                                       "%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx")
    return response


# --- Areas and households -------------------------------------------------------------------
def _area_for_admin(user, pk):
    """404 unless visible; 403 unless the user administers it."""
    area = get_area_for_user(user, pk)
    if not any(area.path.startswith(a.path) for a in accounts.admin_areas(user)):
        raise PermissionDenied("只有系统管理员可以调整辖区。")
    return area


@scoped("area", model=Area)
@require_http_methods(["GET", "POST"])
def area_add(request, pk):
    parent = _area_for_admin(request.user, pk)
    kinds = areas.child_kinds(parent)
    if not kinds:
        raise PermissionDenied(f"{parent.name}下不能在这里新建辖区（只能在村(社区)下建社/小区和网格）。")
    form = AreaAddForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            area = areas.add_area(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"已新建{area.name}。")
            return redirect("grids:area_detail", parent.pk)
    return _form_page(request, form, title=f"在{parent.name}下新建", submit="新建",
                      cancel=reverse("grids:area_detail", args=[parent.pk]))


@scoped("area", model=Area)
@require_http_methods(["GET", "POST"])
def area_rename(request, pk):
    area = _area_for_admin(request.user, pk)
    if area.kind not in areas.EDITABLE_KINDS:
        raise PermissionDenied("这里只能修改社/小区和网格的名称。")
    form = AreaRenameForm(request.POST or None,
                          initial={"name": area.name, "short_name": area.short_name})
    if request.method == "POST" and form.is_valid():
        try:
            changed = areas.rename_area(area, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, "已改名。" if changed else "没有改动。")
            return redirect("grids:area_detail", area.pk)
    return _form_page(request, form, title=f"修改名称 · {area.name}",
                      cancel=reverse("grids:area_detail", args=[area.pk]),
                      note="社/小区改名后，其下各户的住址随之更新。")


@scoped("area", model=Area)
@require_POST
def area_retire(request, pk):
    area = _area_for_admin(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明撤销原因。")
        return redirect("grids:area_detail", area.pk)
    try:
        areas.retire_area(area, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{area.name}已撤销。")
    return redirect("grids:area_detail", area.pk)


@scoped("area", model=Area)
@require_http_methods(["GET", "POST"])
def household_move(request, pk):
    household = get_household_for_user(request.user, pk)
    if not can_manage(request.user, household.grid):
        raise PermissionDenied("您的岗位不能调整户的网格。")
    village = village_of(household.grid)
    grids = (Area.objects.visible_to(request.user)
             .filter(kind=Area.Kind.GRID, retired_at__isnull=True,
                     path__startswith=village.path if village else household.grid.path)
             .exclude(pk=household.grid_id).select_related("parent").order_by("path"))
    form = MoveHouseholdForm(request.POST or None, grids=grids)
    if request.method == "POST":
        # A grid outside the choices (another village) is said in the action's words.
        chosen = Area.objects.visible_to(request.user).filter(
            pk=request.POST.get("grid") or 0).first() if request.POST.get("grid", "").isdigit() \
            else None
        if chosen is not None and areas.move_refusal(household, chosen):
            form.is_valid()
            form.errors.pop("grid", None)
            form.add_error("grid", areas.move_refusal(household, chosen))
        elif form.is_valid():
            try:
                areas.move_household(household, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, f"已调整到{form.cleaned_data['grid'].name}。")
                return redirect("grids:household_detail", household.pk)
    return _form_page(request, form, title=f"调整网格 · {household.address}", submit="调整",
                      cancel=reverse("grids:household_detail", args=[household.pk]),
                      note=f"现属{household.grid.name}。调整记录保留；调整日之前结束的统计期，走访覆盖仍计入原网格。")

