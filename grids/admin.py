from django.contrib import admin

from grids.models import Area, Membership


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "code", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "code")
    readonly_fields = ("path", "depth")
    list_select_related = ("parent",)

    def has_delete_permission(self, request, obj=None):
        return False  # records hang on areas; retire a node instead of deleting it


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "area", "title", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__last_name", "area__name")
    autocomplete_fields = ("area",)
    list_select_related = ("user", "area")
