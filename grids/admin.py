from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as _UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from grids.access import area_paths
from grids.actions import assign_responsibility, grant_membership, revoke_membership
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
from grids.roles import ROLE_RANK, grant_refusal
from pingxiang import audit
from pingxiang.roles import Role


def under_user_areas(user, field):
    """A Q: `field` (an Area, or "" for the Area itself) lies under the user's areas."""
    paths = area_paths(user)
    if not paths:
        return Q(pk__in=[])
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    q = Q()
    for path in paths:
        q |= Q(**{lookup: path})
    return q


class AreaScopedAdmin(admin.ModelAdmin):
    """Lists, forms, autocompletes and object pages show only records under the staff
    user's areas; another area's object answers like a missing one."""

    area_field = "area"  # "" for Area itself

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(under_user_areas(request.user, self.area_field))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Area and not request.user.is_superuser:
            kwargs["queryset"] = Area.objects.filter(under_user_areas(request.user, ""))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Area)
class AreaAdmin(AreaScopedAdmin):
    area_field = ""
    list_display = ("name", "short_name", "kind", "code", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "code")
    readonly_fields = ("path", "depth")
    list_select_related = ("parent",)

    def has_delete_permission(self, request, obj=None):
        return False  # records hang on areas; retire a node instead of deleting it


@admin.register(Membership)
class MembershipAdmin(AreaScopedAdmin):
    """Posts are granted and revoked through grids.actions (one audit row each), and only as
    grids.roles.grant_refusal allows: never to oneself, only inside one's own areas, only below
    one's own rank; administrators and auditors are the superuser's to appoint (等保2.0
    separation of duties). A post the user may not grant is shown read-only, an auditor's not at
    all. A post is never deleted here: 撤销 keeps it, inactive, with its history."""

    list_display = ("user", "role", "area", "title", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__last_name", "area__name")
    autocomplete_fields = ("area",)
    list_select_related = ("user", "area")
    actions = ("revoke_selected",)

    def get_fields(self, request, obj=None):
        return ("user", "area", "role", "title", "is_active") if obj else (
            "user", "area", "role", "title")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "area", "role") if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # The accounts this administrator manages (UserAdmin's scoping), not themselves.
            users = admin.site._registry[db_field.related_model].get_queryset(request)
            kwargs["queryset"] = users.exclude(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [c for c in db_field.choices
                                 if c[0] in ROLE_RANK and c[0] != Role.ADMIN]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class CheckedForm(base):
            def clean(self):
                data = super().clean()
                if obj is None and data.get("user") and data.get("area") and data.get("role"):
                    refusal = grant_refusal(actor, data["user"], data["area"], data["role"])
                    if refusal:
                        raise ValidationError(refusal)
                return data

        return CheckedForm

    def save_model(self, request, obj, form, change):
        actor = request.user
        refusal = grant_refusal(actor, obj.user, obj.area, obj.role)
        if refusal:  # the form said so already; this holds for any other way in
            raise PermissionDenied(refusal)
        if not change:
            obj.pk = grant_membership(obj.user, obj.area, obj.role, title=obj.title,
                                      actor=actor).pk
            return
        with transaction.atomic():
            if "title" in form.changed_data:
                before = Membership.objects.select_for_update().get(pk=obj.pk).title
                Membership.objects.filter(pk=obj.pk).update(title=obj.title)
                audit.record(obj, actor=actor, action="membership.title",
                             action_label="修改职务", from_state=before, to_state=obj.title)
            if "is_active" in form.changed_data:
                if obj.is_active:
                    grant_membership(obj.user, obj.area, obj.role, actor=actor)
                else:
                    revoke_membership(obj, actor=actor, reason="管理后台撤销")

    @admin.action(description="撤销所选岗位", permissions=["change"])
    def revoke_selected(self, request, queryset):
        done = refused = 0
        for membership in queryset.select_related("user", "area"):
            if grant_refusal(request.user, membership.user, membership.area, membership.role):
                refused += 1
            elif revoke_membership(membership, actor=request.user, reason="管理后台撤销"):
                done += 1
        self.message_user(request, f"已撤销 {done} 个岗位。" + (
            f"{refused} 个无权撤销，未改动。" if refused else ""))

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and grant_refusal(request.user, obj.user, obj.area, obj.role):
            return False
        return super().has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        if obj is not None and obj.role == Role.AUDITOR and not request.user.is_superuser:
            return False
        return super().has_view_permission(request, obj)


# Reference data an administrator edits.
@admin.register(HouseholdFlag)
class HouseholdFlagAdmin(admin.ModelAdmin):
    list_display = ("name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


@admin.register(KeyPersonCategory)
class KeyPersonCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "visit_every_days", "sort_order", "is_active")
    list_editable = ("visit_every_days", "sort_order", "is_active")


@admin.register(Campaign)
class CampaignAdmin(AreaScopedAdmin):
    list_display = ("name", "mode", "focus", "start_date", "end_date", "area")
    autocomplete_fields = ("area",)


@admin.register(Responsibility)
class ResponsibilityAdmin(AreaScopedAdmin):
    """New assignments go through grids.actions.assign_responsibility (membership + audit)."""

    list_display = ("user", "kind", "area", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("user__username", "user__last_name", "area__name")
    autocomplete_fields = ("area", "user")
    list_select_related = ("user", "area")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "area", "kind", "is_active") if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            saved = assign_responsibility(obj.user, obj.area, obj.kind, actor=request.user)
            obj.pk = saved.pk


# Workflow records: read-only here, written by the app's pages and actions.
class ReadOnlyAdmin(AreaScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    area_field = "grid"
    list_display = ("address", "grid", "member_count")
    search_fields = ("address", "search_text")
    list_select_related = ("grid",)


@admin.register(KeyPerson)
class KeyPersonAdmin(ReadOnlyAdmin):
    area_field = "grid"
    list_display = ("resident", "grid", "risk_level", "status", "next_visit_due")
    list_filter = ("status", "risk_level")
    list_select_related = ("resident", "grid")


@admin.register(KeyPlace)
class KeyPlaceAdmin(ReadOnlyAdmin):
    area_field = "grid"
    list_display = ("name", "kind", "grid")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("grid",)


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("visited_on", "visit_type", "area", "visitor")
    list_filter = ("visit_type",)
    list_select_related = ("area", "visitor")
    date_hierarchy = "visited_on"


# --- Users: the system administrator manages accounts, not privileges ----------------------
User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(_UserAdmin):
    """Roles come from memberships (grids.roles syncs each role's group). A non-superuser may
    not make anyone a superuser or staff (staff opens this admin) nor hand out groups or
    single permissions: privileges come only from posts, granted in grids' MembershipAdmin."""

    PRIVILEGES = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_queryset(self, request):
        """A non-superuser sees the accounts holding a post inside their areas, and accounts
        with no post yet (to give them one). Never a superuser's nor a 安全审计员's account:
        whoever could reset the auditor's password could read the logs as the auditor and
        erase nothing but watch everything, which separation of duties (等保2.0) forbids;
        auditors are the superuser's to manage."""
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        auditors = Membership.objects.filter(role=Role.AUDITOR).values("user_id")
        in_scope = Membership.objects.filter(under_user_areas(request.user, "area"))
        return (qs.filter(is_superuser=False).exclude(pk__in=auditors)
                .filter(Q(pk__in=in_scope.values("user_id")) | ~Q(pk__in=Membership.objects
                                                                 .values("user_id"))))

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + self.PRIVILEGES
