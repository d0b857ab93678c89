"""Reference data (categories, the 六有/八化 checklist, policy values) is edited here;
workflow records are read-only in the admin: they change only through the actions."""

from django.contrib import admin

from grids.admin import AreaScopedAdmin

from .models import (
    Campaign,
    Centre,
    Hazard,
    HazardCategory,
    IssueCategory,
    IssueItem,
    Policy,
    StandardItem,
    SupervisionTeam,
    TeamMember,
)


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "due_soon_days", "default_deadline_days", "export_sync_limit")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Policy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HazardCategory)
class HazardCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


@admin.register(IssueCategory)
class IssueCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "concerns_centre", "sort_order", "is_active")
    list_editable = ("concerns_centre", "sort_order", "is_active")


@admin.register(StandardItem)
class StandardItemAdmin(admin.ModelAdmin):
    list_display = ("group", "name", "confirmed", "sort_order", "is_active")
    list_filter = ("group", "confirmed", "is_active")
    list_editable = ("name", "confirmed", "sort_order", "is_active")


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ()
    raw_id_fields = ("user",)


@admin.register(SupervisionTeam)
class SupervisionTeamAdmin(AreaScopedAdmin):
    area_field = "town"
    list_display = ("name", "town")
    inlines = [TeamMemberInline]


class ReadOnlyAdmin(AreaScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    list_display = ("number", "found_date", "village", "category", "grade", "status", "deadline")
    list_filter = ("status", "grade", "category")
    search_fields = ("number", "description")
    list_select_related = ("village", "category")


@admin.register(IssueItem)
class IssueItemAdmin(ReadOnlyAdmin):
    list_display = ("visit", "number", "category", "status", "deadline")
    list_filter = ("status", "category")
    list_select_related = ("visit", "visit__area", "category")


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    area_field = "scope"
    list_display = ("name", "scope", "start_date", "end_date")


@admin.register(Centre)
class CentreAdmin(ReadOnlyAdmin):
    list_display = ("name", "upgrade_status", "upgraded_on", "is_demonstration")
    list_filter = ("upgrade_status", "is_demonstration")
