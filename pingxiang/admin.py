"""The Django admin, for reference data and a read-only look at records.

Two rules hold here as in the app (SECURITY.md):
- Records that belong to an area are shown to a staff user only under the areas of their
  memberships (grids.admin.AreaScopedAdmin); only a superuser sees every area.
- No ModelAdmin shows a resident's ID or phone number: residents, case parties and petitioners
  are not registered, and tests/trust/test_admin_matrix.py fails if a registered admin lists,
  shows or searches a field holding one.
"""

from django.conf import settings
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


# The logs show who did what to which record (type and number), not the record's contents:
# object_repr (a household's address, a key person's name), states (some hold an address or a
# visit's findings) and free-text reasons stay out of the auditor's view and cannot be
# searched (pingxiang/auditlog.py does the same).
@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyLogAdmin):
    list_display = ("at", "actor_name", "action_label", "content_type", "object_id")
    list_filter = ("action",)
    search_fields = ("actor_name",)
    date_hierarchy = "at"
    fields = ("at", "actor_name", "action", "action_label", "content_type", "object_id")


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyLogAdmin):
    list_display = ("at", "username", "kind", "content_type", "object_id", "detail", "ip")
    list_filter = ("kind",)
    search_fields = ("username",)
    date_hierarchy = "at"
    fields = ("at", "username", "kind", "content_type", "object_id", "detail", "ip")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "recipient", "title", "read_at")
    search_fields = ("title",)


admin.site.site_header = f"{settings.SITE_NAME} · 管理"

admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "数据维护"
