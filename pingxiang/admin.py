"""The Django admin, for reference data and a read-only look at records.

Two rules hold here as in the app (SECURITY.md):
- Records that belong to an area are shown to a staff user only under the areas of their
  memberships (AreaScopedAdmin); only a superuser sees every area.
- No ModelAdmin shows a resident's ID or phone number: residents, case parties and petitioners
  are not registered, and tests/trust/test_admin_matrix.py fails if a registered admin lists,
  shows or searches a field holding one.
"""

from django.conf import settings
from django.contrib import admin
from django.db.models import Q

from pingxiang.models import AccessEvent, AuditEvent, Notification


def _user_area_paths(user):
    from grids.access import area_paths

    return area_paths(user)


def under_user_areas(user, field):
    """A Q: `field` (an Area, or "" for the Area itself) lies under the user's areas."""
    from django.db.models import Q

    paths = _user_area_paths(user)
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
        from grids.models import Area

        if db_field.related_model is Area and not request.user.is_superuser:
            kwargs["queryset"] = Area.objects.filter(under_user_areas(request.user, ""))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


# --- Users: the system administrator manages accounts, not privileges ----------------------
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.admin import UserAdmin as _UserAdmin  # noqa: E402

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
        from grids.models import Membership
        from pingxiang.roles import Role

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
