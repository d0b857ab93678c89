"""The policy, the kinds and the work-group robots, edited by the 系统管理员; each change is
an audit row. People's numbers are not here (their settings pages mask them)."""

from django.contrib import admin

from grids.admin import AreaScopedAdmin
from messaging import config
from messaging.models import DigestRun, GroupRobot, KindRule, MessagingPolicy, forget_cached
from pingxiang import audit


class AuditedAdmin(admin.ModelAdmin):
    """Saving or deleting here writes the audit trail, as an action would."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_cached()  # this process at once; the workers within PER_PROCESS_SECONDS
        fields = ", ".join(str(form.fields[f].label) for f in form.changed_data if f in form.fields)
        audit.record(obj, actor=request.user, action=f"messaging.{obj._meta.model_name}.save",
                     action_label=f"{'修改' if change else '新增'}{obj._meta.verbose_name}",
                     reason=fields)

    def delete_model(self, request, obj):
        audit.record(obj, actor=request.user, action=f"messaging.{obj._meta.model_name}.delete",
                     action_label=f"删除{obj._meta.verbose_name}")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(MessagingPolicy)
class MessagingPolicyAdmin(AuditedAdmin):
    list_display = ["__str__", "quiet_start", "quiet_end", "digest_time", "max_attempts"]
    fieldsets = [
        ("免打扰与早间汇总", {"fields": ["quiet_start", "quiet_end", "digest_time",
                                         "digest_working_days_only", "digest_max_lines"]}),
        ("重试", {"fields": ["max_attempts", "backoff_seconds", "backoff_max_seconds",
                             "lease_seconds"]}),
        ("发送频率上限", {"fields": ["wecom_per_minute", "robot_per_minute", "sms_per_minute"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not MessagingPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KindRule)
class KindRuleAdmin(AuditedAdmin):
    list_display = ["label", "code", "mode", "urgent", "wecom_default", "sms_default", "to_robot"]
    list_editable = ["mode", "urgent", "wecom_default", "sms_default", "to_robot"]
    readonly_fields = ["code"]

    def has_add_permission(self, request):
        return False  # a kind exists because code sends it

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GroupRobot)
class GroupRobotAdmin(AreaScopedAdmin, AuditedAdmin):
    list_display = ["label", "area", "key_name", "key_configured", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["label", "key_name"]
    list_select_related = ["area"]

    @admin.display(description="key 已配置", boolean=True)
    def key_configured(self, obj):
        return bool(config.robot_key(obj.key_name))


@admin.register(DigestRun)
class DigestRunAdmin(admin.ModelAdmin):
    list_display = ["date", "built_at", "items", "digests"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
