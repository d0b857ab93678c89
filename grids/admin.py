from django.contrib import admin

from grids.actions import assign_responsibility
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
    Role,
    Visit,
)
from pingxiang.admin import AreaScopedAdmin


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
    """等保2.0 separation of duties: the administrator whose work the auditor reads may not
    appoint auditors (nor change an auditor's membership); a superuser does that."""

    list_display = ("user", "role", "area", "title", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__last_name", "area__name")
    autocomplete_fields = ("area",)
    list_select_related = ("user", "area")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [c for c in db_field.choices if c[0] != Role.AUDITOR]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.role == Role.AUDITOR and not request.user.is_superuser:
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
