from django.contrib import admin

from grids.admin import AreaScopedAdmin
from petitions.models import Category, Petition, PlatformFormat, ReceptionDay, TimeLimit


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    """The statutory time limits are data: an administrator edits the days here."""

    list_display = ("code", "days", "remind_days_before", "basis")
    list_editable = ("days", "remind_days_before")
    readonly_fields = ("code",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


@admin.register(ReceptionDay)
class ReceptionDayAdmin(AreaScopedAdmin):
    area_field = "town"
    list_display = ("date", "leader", "place", "town")
    list_select_related = ("leader", "town")
    readonly_fields = ("created_by", "created_at")


@admin.register(Petition)
class PetitionAdmin(AreaScopedAdmin):
    """Workflow records are read-only here (changes go through the actions, which audit)."""

    list_display = ("number", "channel", "village", "status", "received_at", "due_at")
    list_filter = ("channel", "status")
    list_select_related = ("village",)
    search_fields = ("number",)
    fields = ("number", "channel", "order_type", "village", "status", "received_at",
              "clock", "due_at")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlatformFormat)
class PlatformFormatAdmin(admin.ModelAdmin):
    list_display = ["channel", "pattern", "example", "is_active"]
