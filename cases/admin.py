from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path

from cases.calendar_import import CalendarImportError, import_calendar_rows, read_rows
from cases.models import (
    CalendarDay,
    Case,
    Category,
    Level,
    Policy,
    ReferralRoute,
)
from grids.admin import AreaScopedAdmin


class CalendarImportForm(forms.Form):
    file = forms.FileField(label="日历文件（CSV 或 Excel）",
                           help_text="每行一个日期：日期(2027-01-01), 是否上班(上班/休息 或 1/0), 说明")
    replace_year = forms.BooleanField(label="先清除文件所含年份的原有记录", required=False)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
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


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "handler_kind", "day_limit", "working_days"]
    list_editable = ["day_limit"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(ReferralRoute)
class ReferralRouteAdmin(admin.ModelAdmin):
    list_display = ["source", "recipient", "is_active"]
    list_filter = ["source"]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
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

