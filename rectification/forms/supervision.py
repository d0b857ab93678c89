"""Supervision: teams, rounds, visits, issue items and the issue lists' filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from grids.filters import ListFilterForm
from grids.models import Area
from pingxiang.listfilters import DRILL_FIELDS

from ..models import Campaign, IssueCategory, IssueItem, TeamMember, today
from .common import DATE, AreaChoiceField, AssignForm, PhotosField, VerifyForm, category_choices


class TeamForm(forms.Form):
    name = forms.CharField(label="督导组名称", max_length=40, initial="第三督导组")


class TeamMemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=30)
    unit = forms.ChoiceField(label="单位", choices=TeamMember.Unit.choices)
    is_leader = forms.BooleanField(label="组长", required=False)


class RoundForm(forms.Form):
    name = forms.CharField(label="轮次名称", max_length=40, initial="第一轮")
    campaign = forms.ModelChoiceField(label="专项整治", queryset=Campaign.objects.none(),
                                      required=False)
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(label="结束日期", widget=DATE, required=False)
    focus = forms.CharField(label="督导重点", widget=forms.Textarea(attrs={"rows": 2}),
                            required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)

    def clean(self):
        data = super().clean()
        if data.get("end_date") and data.get("start_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


class VisitForm(forms.Form):
    area = AreaChoiceField(label="被督导村(社区)/镇", queryset=Area.objects.none())
    department = forms.CharField(label="被督导部门", max_length=60, required=False,
                                 help_text="督导镇直部门时填写，村(社区)一栏选所在的镇")
    date = forms.DateField(label="督导日期", widget=DATE, initial=today)
    members = forms.CharField(label="参加人员", max_length=200)
    summary = forms.CharField(label="督导情况", widget=forms.Textarea(attrs={"rows": 3}),
                              required=False)

    def __init__(self, *args, user, town, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(
            Q(pk=town.pk) | Q(parent=town, kind=Area.Kind.VILLAGE)).order_by("depth", "sort_order")

    def clean_date(self):
        if self.cleaned_data["date"] > today():
            raise ValidationError("督导日期不能晚于今天。")
        return self.cleaned_data["date"]


class IssueForm(forms.Form):
    category = forms.ModelChoiceField(label="问题类别",
                                      queryset=IssueCategory.objects.filter(is_active=True))
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 3}))
    requirement = forms.CharField(label="整改要求", widget=forms.Textarea(attrs={"rows": 2}),
                                  required=False)
    evidence = PhotosField(label="佐证材料（照片或 PDF）", kinds=("image", "pdf"))


class IssueAssignForm(AssignForm):
    requirement = forms.CharField(label="整改要求", widget=forms.Textarea(attrs={"rows": 2}),
                                  required=False)


class ReportForm(forms.Form):
    report = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 3}))
    evidence = PhotosField(label="整改佐证（照片或 PDF）", kinds=("image", "pdf"))


class RecheckForm(VerifyForm):
    passed = forms.TypedChoiceField(label="复核结论", coerce=lambda v: v == "1",
                                    choices=[("1", "通过"), ("0", "不通过，退回整改")],
                                    widget=forms.RadioSelect)
    note = forms.CharField(label="复核意见", widget=forms.Textarea(attrs={"rows": 3}),
                           required=False)


class EvidenceForm(forms.Form):
    evidence = PhotosField(label="佐证材料（照片或 PDF）", kinds=("image", "pdf"), required=True)


class IssueFilterForm(ListFilterForm):
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部")] + IssueItem.Status.choices
                               + [("overdue", "逾期未整改"), ("pending", "未销号")])
    category = forms.TypedChoiceField(label="类别", coerce=int, required=False, empty_value=None,
                                      choices=lambda: category_choices(IssueCategory))
    FIELDS = ("status", "category", *DRILL_FIELDS)

    def __init__(self, data=None, *, user):
        super().__init__(data, user=user, auto_id="f_%s")  # the page also holds the add-item form

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        if d.get("category"):
            qs = qs.filter(category=d["category"])
        if d.get("status") == "overdue":
            qs = qs.overdue()
        elif d.get("status") == "pending":
            qs = qs.exclude(status=IssueItem.Status.CLOSED)
        elif d.get("status"):
            qs = qs.filter(status=d["status"])
        # ?area/from/to: the dashboard's drill-down (same query as the number it came from).
        return self.narrow(qs, area_field="area", datetime_field="created_at")

    def as_params(self):
        return {k: self.data.get(k, "") for k in self.FIELDS if self.data.get(k)}
