from django.contrib import admin

from pingxiang.models import AccessEvent, AuditEvent, Notification


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """Logs are append-only: the admin may read them, never add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyLogAdmin):
    list_display = ("at", "actor_name", "action_label", "object_repr", "from_state", "to_state")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_name", "reason")
    date_hierarchy = "at"


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyLogAdmin):
    list_display = ("at", "username", "kind", "object_repr", "detail", "ip")
    list_filter = ("kind",)
    search_fields = ("username", "object_repr")
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "recipient", "title", "read_at")
    search_fields = ("title",)


admin.site.site_header = "平襄镇综治工作平台 · 管理"
admin.site.site_title = "平襄综治"
admin.site.index_title = "数据维护"
