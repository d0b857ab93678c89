"""Validation, with Chinese messages next to the fields. Views hand cleaned_data to actions."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from grids.access import village_options
from grids.models import Area, KeyPlace, Visit
from pingxiang.bounds import BoundedDateField, column_integer
from pingxiang.listfilters import DRILL_FIELDS, ListFilterForm
from pingxiang.uploads import validate_upload

from .models import (
    Campaign,
    Centre,
    Hazard,
    HazardCategory,
    HazardPhoto,
    Inspection,
    IssueCategory,
    IssueItem,
    LegalActivity,
    TeamMember,
    today,
)

DATE = forms.DateInput(attrs={"type": "date"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more files, each checked by content and size; cleaned to the files to store
    (images re-encoded, every file named by its content: pingxiang.uploads.validate_upload)."""

    widget = MultipleFileInput

    def __init__(self, *args, kinds=("image",), **kwargs):
        self.kinds = kinds
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        errors, checked = [], []
        for upload in files:
            try:
                checked.append(validate_upload(upload, kinds=self.kinds))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        if self.required and not files:
            raise ValidationError("请选择要上传的文件。")
        return checked


def village_choices(user):
    return (Area.objects.visible_to(user).filter(kind=Area.Kind.VILLAGE)
            .order_by("sort_order", "path"))


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.short_name or obj.name


# --- Campaigns and inspections ---------------------------------------------------------------

class CampaignForm(forms.Form):
    name = forms.CharField(label="专项整治名称", max_length=60)
    scope = AreaChoiceField(label="范围", queryset=Area.objects.none(), empty_label=None,
                            help_text="全镇，或某个村(社区)")
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(label="结束日期", widget=DATE, required=False)
    focus = forms.CharField(label="重点内容", widget=forms.Textarea(attrs={"rows": 3}),
                            required=False)

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = scopes

    def clean(self):
        data = super().clean()
        if data.get("end_date") and data.get("start_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


class TeamForm(forms.Form):
    name = forms.CharField(label="督导组名称", max_length=40, initial="第三督导组")


class InspectionForm(forms.Form):
    campaign = forms.ModelChoiceField(label="专项整治", queryset=Campaign.objects.none(),
                                      required=False, empty_label="（不属于专项整治）")
    place = forms.ModelChoiceField(label="重点场所", queryset=KeyPlace.objects.none(),
                                   required=False, empty_label="（检查路段或区域）")
    target = forms.ChoiceField(label="非场所检查的对象", required=False,
                               choices=[("road", "路段"), ("area", "区域")], initial="road")
    road_section = forms.CharField(label="路段/区域", max_length=120, required=False,
                                   help_text="检查路段或区域时填写，如“某某大道城关段”")
    area = AreaChoiceField(label="路段/区域所在村(社区)", queryset=Area.objects.none(),
                           required=False)
    date = forms.DateField(label="检查日期", widget=DATE)
    members = forms.CharField(label="检查人员", max_length=200)
    findings = forms.CharField(label="检查情况", widget=forms.Textarea(attrs={"rows": 3}),
                               required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)
        self.fields["place"].queryset = (
            KeyPlace.objects.visible_to(user).order_by("kind", "name"))
        self.fields["place"].label_from_instance = lambda p: f"{p.kind}·{p.name}"
        self.fields["area"].queryset = village_choices(user)

    def clean(self):
        data = super().clean()
        if not data.get("place"):
            if not data.get("road_section"):
                self.add_error("road_section", "请选择重点场所，或填写检查的路段/区域。")
            if not data.get("area"):
                self.add_error("area", "请选择路段/区域所在的村(社区)。")
        if data.get("date") and data["date"] > today():
            self.add_error("date", "检查日期不能晚于今天。")
        return data


# --- Hazards -----------------------------------------------------------------------------------

class HazardForm(forms.Form):
    source = forms.ChoiceField(label="发现途径", choices=Hazard.Source.choices)
    category = forms.ModelChoiceField(label="隐患类别",
                                      queryset=HazardCategory.objects.filter(is_active=True))
    grade = forms.ChoiceField(label="隐患等级", choices=Hazard.Grade.choices,
                              initial=Hazard.Grade.GENERAL,
                              help_text="重大隐患登记后立即通知包村领导")
    area = AreaChoiceField(label="村(社区)/网格", queryset=Area.objects.none(), required=False,
                           help_text="选了重点场所时可不填")
    place = forms.ModelChoiceField(label="重点场所", queryset=KeyPlace.objects.none(),
                                   required=False)
    location = forms.CharField(label="具体位置", max_length=120, required=False)
    description = forms.CharField(label="隐患描述", widget=forms.Textarea(attrs={"rows": 4}))
    found_date = forms.DateField(label="发现日期", widget=DATE, initial=today)
    campaign = forms.ModelChoiceField(label="专项整治", queryset=Campaign.objects.none(),
                                      required=False)
    source_ref = forms.CharField(label="来源说明", max_length=200, required=False)
    visit = column_integer(Hazard, "source_visit_id", min_value=1, widget=forms.HiddenInput,
                           required=False)
    photos = PhotosField(label="整改前照片")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        visible = Area.objects.visible_to(user)
        self.fields["area"].queryset = visible.filter(
            kind__in=[Area.Kind.VILLAGE, Area.Kind.GROUP, Area.Kind.GRID]).order_by("path")
        self.fields["area"].label_from_instance = lambda a: (
            a.short_name if a.kind == Area.Kind.VILLAGE else f"　{a.name}")
        self.fields["place"].queryset = KeyPlace.objects.filter(grid__in=visible).order_by(
            "kind", "name")
        self.fields["place"].label_from_instance = lambda p: f"{p.kind}·{p.name}"
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)

    def clean(self):
        data = super().clean()
        # The source visit must be one the user may see, as for a case's (cases.views).
        if "visit" in self.errors or data.get("visit") and not Visit.objects.visible_to(
                self.user).filter(pk=data["visit"]).exists():
            self.add_error(None, "来源走访记录不存在或不在您的辖区内。")
        if not data.get("area") and not data.get("place"):
            self.add_error("area", "请选择隐患所在的村(社区)或重点场所。")
        if data.get("found_date") and data["found_date"] > today():
            self.add_error("found_date", "发现日期不能晚于今天。")
        return data


class HazardSourceForm(forms.Form):
    """?inspection= and ?visit= that prefill the intake form: records the user may see."""

    inspection = forms.ModelChoiceField(queryset=None, required=False, error_messages={
        "invalid_choice": "来源检查记录不存在或不在您的辖区内，未带入。"})
    visit = forms.ModelChoiceField(queryset=None, required=False, error_messages={
        "invalid_choice": "来源走访记录不存在或不在您的辖区内，未带入。"})

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["inspection"].queryset = Inspection.objects.visible_to(user)
        self.fields["visit"].queryset = Visit.objects.visible_to(user)


class AssignForm(forms.Form):
    responsible_unit = forms.CharField(label="责任单位", max_length=60)
    responsible_person = forms.CharField(label="责任人", max_length=30)
    handler = forms.ModelChoiceField(label="平台内整改责任人", queryset=None, required=False,
                                     help_text="选定后由其在平台上报整改情况，并接收临期、逾期提醒")
    deadline = forms.DateField(label="整改时限", widget=DATE)

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers
        self.fields["handler"].label_from_instance = (
            lambda u: f"{u.last_name}{u.first_name}（{u.username}）")

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < today():
            raise ValidationError("整改时限不能早于交办日期（今天）。")
        return deadline


class HazardAssignForm(AssignForm):
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 3}))
    order_no = forms.CharField(label="交办单号", max_length=40, required=False,
                               help_text="不填则自动编号")


class NoteForm(forms.Form):
    note = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label="整改后照片")


class VerifyForm(forms.Form):
    passed = forms.TypedChoiceField(label="验收结论", coerce=lambda v: v == "1",
                                    choices=[("1", "通过"), ("0", "不通过，退回整改")],
                                    widget=forms.RadioSelect)
    note = forms.CharField(label="验收意见", widget=forms.Textarea(attrs={"rows": 3}),
                           required=False)

    def clean(self):
        data = super().clean()
        if data.get("passed") is False and not (data.get("note") or "").strip():
            self.add_error("note", "不通过时请写明原因。")
        return data


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label="阶段", choices=HazardPhoto.Stage.choices)
    photo = PhotosField(label="照片", required=True)


STATUS_FILTER_EXTRA = [("overdue", "逾期未整改"), ("open", "未销号")]


def _choices(category_model):
    """A filter's category choices: 全部, then (pk, name) in the model's order."""
    return [("", "全部"), *category_model.objects.values_list("pk", "name")]


class HazardFilterForm(ListFilterForm):
    """The list's filters (with the drill-down's ?area/from/to); the export uses the same
    form, so it has exactly the page's rows."""

    village = forms.TypedChoiceField(label="村(社区)", coerce=int, required=False,
                                     empty_value=None)  # the user's villages, in __init__
    category = forms.TypedChoiceField(label="类别", coerce=int, required=False, empty_value=None,
                                      choices=lambda: _choices(HazardCategory))
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部")] + Hazard.Status.choices + STATUS_FILTER_EXTRA)
    grade = forms.ChoiceField(label="等级", required=False,
                              choices=[("", "全部")] + Hazard.Grade.choices)
    campaign = forms.ModelChoiceField(label="专项整治", queryset=Campaign.objects.none(),
                                      required=False, empty_label="全部")
    date_from = BoundedDateField(label="发现日期自", widget=DATE, required=False)
    date_to = BoundedDateField(label="至", widget=DATE, required=False)
    q = forms.CharField(label="关键词", required=False, max_length=50)

    FIELDS = ("village", "category", "status", "grade", "campaign", "date_from", "date_to", "q",
              *DRILL_FIELDS)

    def __init__(self, data=None, *, user):
        super().__init__(data, user=user)
        self.fields["village"].choices = [("", "全部"), *village_options(user)]
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        if d.get("village"):
            qs = qs.filter(village=d["village"])
        if d.get("category"):
            qs = qs.filter(category=d["category"])
        if d.get("grade"):
            qs = qs.filter(grade=d["grade"])
        if d.get("campaign"):
            qs = qs.filter(campaign=d["campaign"])
        status = d.get("status")
        if status == "overdue":
            qs = qs.overdue()
        elif status == "open":
            qs = qs.open()
        elif status:
            qs = qs.filter(status=status)
        if d.get("date_from"):
            qs = qs.filter(found_date__gte=d["date_from"])
        if d.get("date_to"):
            qs = qs.filter(found_date__lte=d["date_to"])
        if d.get("q"):
            qs = qs.filter(Q(description__icontains=d["q"]) | Q(number__icontains=d["q"])
                           | Q(place__name__icontains=d["q"]) | Q(location__icontains=d["q"]))
        # ?area/from/to: the dashboard's drill-down (same query as the number it came from).
        return self.narrow(qs, area_field="area", date_field="found_date")

    def as_params(self):
        """The filters as plain strings (stored on a background export job)."""
        return {k: self.data.get(k, "") for k in self.FIELDS if self.data.get(k)}

    def describe(self):
        if not self.is_valid():
            return ""
        parts = []
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, "") or name not in self.fields:
                continue
            field = self.fields[name]
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                value = dict(field.choices).get(value, value)
            elif hasattr(value, "strftime"):
                value = value.strftime("%Y-%m-%d")
            parts.append(f"{field.label}：{value}")
        return "　".join(parts)


# --- Supervision ---------------------------------------------------------------------------------

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
                                      choices=lambda: _choices(IssueCategory))
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


class InspectionFilterForm(ListFilterForm):
    """The inspection list's filters, written out in its template."""

    campaign = forms.ModelChoiceField(label="专项整治", queryset=Campaign.objects.none(),
                                      required=False)
    kind = forms.ChoiceField(label="场所类别", required=False,
                             choices=[("", "全部"), ("none", "路段/区域")] + KeyPlace.Kind.choices)
    distinct = forms.ChoiceField(label="口径", required=False,
                                 choices=[("", "每次检查"), ("place", "每个场所")])

    def __init__(self, data=None, *, user):
        super().__init__(data, user=user)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)

    def filter(self, qs):
        d = self.applied
        if d.get("campaign"):
            qs = qs.filter(campaign=d["campaign"])
        if d.get("kind") == "none":  # road sections and areas, no key place
            qs = qs.filter(place_kind="")
        elif d.get("kind"):
            qs = qs.filter(place_kind=d["kind"])
        return self.narrow(qs, area_field="area", date_field="date")


class CentreFilterForm(ListFilterForm):
    demo = forms.BooleanField(label="只看示范", required=False)
    upgrade = forms.ChoiceField(label="提升状态", required=False,
                                choices=[("", "全部")] + Centre.Upgrade.choices)

    def filter(self, qs):
        d = self.applied
        if d.get("demo"):
            qs = qs.filter(is_demonstration=True)
        if d.get("upgrade"):
            qs = qs.filter(upgrade_status=d["upgrade"])
        return self.narrow(qs, area_field="area", upto_date_field="upgraded_on")


class LegalFilterForm(ListFilterForm):
    village = AreaChoiceField(label="村(社区)", queryset=Area.objects.none(), required=False,
                              error_messages={"invalid_choice": "不在您的辖区内。"})
    date_from = BoundedDateField(label="日期自", required=False, widget=DATE)
    date_to = BoundedDateField(label="至", required=False, widget=DATE)

    def __init__(self, data=None, *, user):
        super().__init__(data, user=user)
        self.fields["village"].queryset = village_choices(user)

    def filter(self, qs):
        d = self.applied
        if d.get("village"):
            qs = qs.filter(village=d["village"])
        if d.get("date_from"):
            qs = qs.filter(date__gte=d["date_from"])
        if d.get("date_to"):
            qs = qs.filter(date__lte=d["date_to"])
        return self.narrow(qs, area_field="area", date_field="date")


# --- Centres and legal activities -----------------------------------------------------------

class CentreUpgradeForm(forms.Form):
    upgrade_status = forms.ChoiceField(label="巩固提升状态", choices=Centre.Upgrade.choices)
    upgraded_on = forms.DateField(label="完成提升日期", widget=DATE, required=False)

    def clean(self):
        data = super().clean()
        if data.get("upgrade_status") == Centre.Upgrade.DONE and not data.get("upgraded_on"):
            self.add_error("upgraded_on", "请填写完成提升日期。")
        if data.get("upgraded_on") and data["upgraded_on"] > today():
            self.add_error("upgraded_on", "完成提升日期不能晚于今天。")
        return data


class CentrePhotoForm(forms.Form):
    photo = PhotosField(label="照片", required=True)
    caption = forms.CharField(label="说明", max_length=100, required=False)


class LegalActivityForm(forms.Form):
    area = AreaChoiceField(label="村(社区)/镇", queryset=Area.objects.none())
    date = forms.DateField(label="日期", widget=DATE, initial=today)
    form = forms.ChoiceField(label="形式", choices=LegalActivity.Form.choices)
    title = forms.CharField(label="主题", max_length=100)
    campaign = forms.ModelChoiceField(label="专项整治", queryset=Campaign.objects.none(),
                                      required=False)
    materials = column_integer(LegalActivity, "materials", label="发放资料(份)", initial=0)
    people_reached = column_integer(LegalActivity, "people_reached", label="受众人数", initial=0)
    organiser = forms.CharField(label="组织人", max_length=60, required=False)
    note = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, areas, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)

    def clean_date(self):
        if self.cleaned_data["date"] > today():
            raise ValidationError("活动日期不能晚于今天。")
        return self.cleaned_data["date"]
