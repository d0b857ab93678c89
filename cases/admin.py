from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path

from cases.calendar_import import CalendarImportError, import_calendar_rows, read_rows
from cases.models import (
    POLICY_AREA_KINDS,
    CalendarDay,
    Case,
    Category,
    Level,
    LevelOverride,
    Policy,
    ReferralRoute,
)
from grids.admin import AreaScopedAdmin, under_user_areas
from grids.models import Area
from pingxiang import audit


class AuditedPolicyAdmin(admin.ModelAdmin):
    """Policy data that moves deadlines and receivers: saving or deleting here writes the
    audit trail, as an action would (messaging's policy admin does the same)."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        fields = ", ".join(str(form.fields[f].label) for f in form.changed_data if f in form.fields)
        audit.record(obj, actor=request.user, action=f"cases.{obj._meta.model_name}.save",
                     action_label=f"{'修改' if change else '新增'}{obj._meta.verbose_name}",
                     to_state=str(obj), reason=fields)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit.record(obj, actor=request.user, action=f"cases.{obj._meta.model_name}.save",
                         action_label=f"新增{obj._meta.verbose_name}", to_state=str(obj))
        for obj, fields in formset.changed_objects:
            audit.record(obj, actor=request.user, action=f"cases.{obj._meta.model_name}.save",
                         action_label=f"修改{obj._meta.verbose_name}", to_state=str(obj),
                         reason=", ".join(fields))
        for obj in formset.deleted_objects:
            audit.record(obj, actor=request.user, action=f"cases.{obj._meta.model_name}.delete",
                         action_label=f"删除{obj._meta.verbose_name}", from_state=str(obj))

    def delete_model(self, request, obj):
        audit.record(obj, actor=request.user, action=f"cases.{obj._meta.model_name}.delete",
                     action_label=f"删除{obj._meta.verbose_name}", from_state=str(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class CalendarImportForm(forms.Form):
    file = forms.FileField(label="日历文件（CSV 或 Excel）",
                           help_text="每行一个日期：日期(2027-01-01), 是否上班(上班/休息 或 1/0), 说明")
    replace_year = forms.BooleanField(label="先清除文件所含年份的原有记录", required=False)


@admin.register(CalendarDay)
class CalendarDayAdmin(AreaScopedAdmin, AuditedPolicyAdmin):
    """The installation's days for every staff user who keeps the calendar; a county's own
    days only under the user's areas (a 陇西 administrator neither sees nor sets 通渭's)."""

    list_display = ["date", "is_working_day", "where", "note"]
    list_filter = ["is_working_day", ("area", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["area"]
    fields = ["date", "is_working_day", "area", "note"]

    @admin.display(description="适用范围", ordering="area__path")
    def where(self, obj):
        return obj.area.name if obj.area_id else "全系统"

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        return qs.filter(Q(area__isnull=True) | under_user_areas(request.user, "area"))
    date_hierarchy = "date"
    search_fields = ["note"]
    change_list_template = "admin/cases/calendarday/change_list.html"

    def get_changeform_initial_data(self, request):
        # Most days entered by hand are holidays (元旦 entered with the box left ticked was
        # saved as a working day): a new day starts as 放假; 调休上班 is the one to tick.
        return {"is_working_day": False, **super().get_changeform_initial_data(request)}

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view),
                     name="cases_calendarday_import")] + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:cases_calendarday_changelist")
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = read_rows(upload.read(), upload.name)
                result = import_calendar_rows(rows, replace=form.cleaned_data["replace_year"])
            except CalendarImportError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, f"已导入 {result['count']} 天（{result['years']}年）。")
                return redirect("admin:cases_calendarday_changelist")
        return render(request, "admin/cases/calendarday/import.html",
                      {**self.admin_site.each_context(request), "form": form,
                       "title": "导入工作日历", "opts": self.model._meta})


class LevelOverrideForm(forms.ModelForm):
    class Meta:
        model = LevelOverride
        fields = ["area", "level", "handler_kind", "recipients", "note"]

    def clean(self):
        data = super().clean()
        area, recipients = data.get("area"), data.get("recipients")
        if not data.get("handler_kind") and not recipients:
            raise forms.ValidationError("请选择承办人或指定接收人，至少填写一项。")
        if area is not None and recipients:
            # A receiver must be able to open the case: a post at the county or above it.
            above = area.ancestor_ids()
            strangers = [u for u in recipients
                         if not u.memberships.filter(is_active=True, area_id__in=above).exists()]
            if strangers:
                names = "、".join(u.get_full_name() or u.username for u in strangers)
                self.add_error("recipients", f"{names} 在{area.name}及上级没有任职，"
                                             "看不到该县的案件，不能指定为接收人。")
        return data


@admin.register(LevelOverride)
class LevelOverrideAdmin(AreaScopedAdmin, AuditedPolicyAdmin):
    """A county's own receivers for a rung (issue 22 §5); without a row, Level holds. A
    non-superuser sees and sets only the counties under their own areas."""

    form = LevelOverrideForm
    list_display = ["area", "level", "handler_kind", "receivers", "note"]
    list_filter = [("area", admin.RelatedOnlyFieldListFilter), "level"]
    list_select_related = ["area", "level"]
    autocomplete_fields = ["recipients"]  # a city has thousands of accounts

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("recipients")

    @admin.display(description="指定接收人")
    def receivers(self, obj):
        return "、".join(u.get_full_name() or u.username for u in obj.recipients.all()) or "—"


class LevelOverrideInline(admin.TabularInline):
    model = LevelOverride
    form = LevelOverrideForm
    extra = 0
    verbose_name = "县区承办设置"
    verbose_name_plural = "各县(区)与全系统不同的承办人（留空的县区按本层级设置）"
    autocomplete_fields = ["recipients"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(
            under_user_areas(request.user, "area"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area" and not request.user.is_superuser:
            kwargs["queryset"] = Area.objects.filter(under_user_areas(request.user, ""),
                                                     kind__in=POLICY_AREA_KINDS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Level)
class LevelAdmin(AuditedPolicyAdmin):
    list_display = ["number", "name", "handler_kind", "day_limit", "working_days"]
    list_editable = ["day_limit"]
    inlines = [LevelOverrideInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(ReferralRoute)
class ReferralRouteAdmin(AuditedPolicyAdmin):
    list_display = ["source", "recipient", "is_active"]
    list_filter = ["source"]


@admin.register(Policy)
class PolicyAdmin(AuditedPolicyAdmin):
    list_display = ["__str__", "warn_hours", "followup_days", "max_pause_days", "jc_limit_days"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Policy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(AreaScopedAdmin):
    """Workflow objects are read-only here: they change only through the case pages."""

    list_display = ["number", "village", "category", "status", "level", "deadline"]
    list_filter = ["status", "level", "source", "risk"]
    search_fields = ["number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

