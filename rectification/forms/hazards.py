"""Hazards: intake, the loop's steps, photos and the list's (and export's) filters."""

from django import forms
from django.db.models import Q

from grids.access import village_options
from grids.filters import ListFilterForm
from grids.models import Area, KeyPlace, Visit
from grids.pickers import KeyPlacePickerField
from pingxiang.bounds import BoundedDateField, column_integer
from pingxiang.geo import PositionFormMixin
from pingxiang.listfilters import DRILL_FIELDS

from ..models import Campaign, Hazard, HazardCategory, HazardPhoto, Inspection, today
from .common import DATE, AreaChoiceField, AssignForm, PhotosField, category_choices


class HazardForm(PositionFormMixin):
    source = forms.ChoiceField(label="发现途径", choices=Hazard.Source.choices)
    category = forms.ModelChoiceField(label="隐患类别",
                                      queryset=HazardCategory.objects.filter(is_active=True))
    grade = forms.ChoiceField(label="隐患等级", choices=Hazard.Grade.choices,
                              initial=Hazard.Grade.GENERAL,
                              help_text="重大隐患登记后立即通知包村领导")
    area = AreaChoiceField(label="村(社区)/网格", queryset=Area.objects.none(), required=False,
                           help_text="选了重点场所时可不填")
    # Filtered by the village/grid chosen above as the user types (grids.pickers).
    place = KeyPlacePickerField(label="重点场所", queryset=KeyPlace.objects.none(),
                                required=False, village_field="area")
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
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)

    def clean(self):
        data = super().clean()
        # The source visit must be one the user may see, as for a case's (cases.views).
        if "visit" in self.errors or data.get("visit") and not Visit.objects.visible_to(
                self.user).filter(pk=data["visit"]).exists():
            self.add_error(None, "来源走访记录不存在或不在您的辖区内。")
        place, area = data.get("place"), data.get("area")
        if place and area and not place.grid.path.startswith(area.path):
            self.add_error("place", "所选重点场所不在所选村(社区)/网格内。")
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


class HazardAssignForm(AssignForm):
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 3}))
    order_no = forms.CharField(label="交办单号", max_length=40, required=False,
                               help_text="不填则自动编号")


class NoteForm(forms.Form):
    note = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label="整改后照片")


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label="阶段", choices=HazardPhoto.Stage.choices)
    photo = PhotosField(label="照片", required=True)


STATUS_FILTER_EXTRA = [("overdue", "逾期未整改"), ("open", "未销号")]


class HazardFilterForm(ListFilterForm):
    """The list's filters (with the drill-down's ?area/from/to); the export uses the same
    form, so it has exactly the page's rows."""

    village = forms.TypedChoiceField(label="村(社区)", coerce=int, required=False,
                                     empty_value=None)  # the user's villages, in __init__
    category = forms.TypedChoiceField(label="类别", coerce=int, required=False, empty_value=None,
                                      choices=lambda: category_choices(HazardCategory))
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部")] + Hazard.Status.choices + STATUS_FILTER_EXTRA)
    grade = forms.ChoiceField(label="等级", required=False,
                              choices=[("", "全部")] + Hazard.Grade.choices)
    campaign = forms.TypedChoiceField(  # the user's campaigns, in __init__
        label="专项整治", coerce=int, required=False, empty_value=None,
        error_messages={"invalid_choice": "专项整治不存在或不在您的辖区内。"})
    date_from = BoundedDateField(label="发现日期自", widget=DATE, required=False)
    date_to = BoundedDateField(label="至", widget=DATE, required=False)
    q = forms.CharField(label="关键词", required=False, max_length=50)
    withdrawn = forms.BooleanField(label="只看已撤销", required=False,
                                   help_text="撤销的隐患保留备查，不计入统计，默认不列出")
    # The home panel's "交办给我的" count links here (issue 19 §5): being rectified by me.
    mine = forms.BooleanField(label="交办给我的", required=False)

    FIELDS = ("village", "category", "status", "grade", "campaign", "date_from", "date_to", "q",
              "withdrawn", "mine", *DRILL_FIELDS)

    def __init__(self, data=None, *, user):
        super().__init__(data, user=user)
        self.fields["village"].choices = [("", "全部"), *village_options(user)]
        # Plain (pk, name) choices, read in one query (a ModelChoiceField iterates its
        # queryset through a server-side cursor: three round trips on every list page).
        self.fields["campaign"].choices = [
            ("", "全部"), *Campaign.objects.visible_to(user).values_list("pk", "name")]

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        qs = qs.exclude(withdrawn_at=None) if d.get("withdrawn") else qs.counted()
        if d.get("village"):
            qs = qs.filter(village=d["village"])
        if d.get("category"):
            qs = qs.filter(category=d["category"])
        if d.get("grade"):
            qs = qs.filter(grade=d["grade"])
        if d.get("campaign"):
            qs = qs.filter(campaign=d["campaign"])
        if d.get("mine"):
            qs = qs.filter(handler=self.user, status__in=Hazard.RECTIFYING_STATES)
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
        return self.narrow(qs, area_field="area", village="village", date_field="found_date")

    def as_params(self):
        """The filters as plain strings (stored on a background export job)."""
        return {k: self.data.get(k, "") for k in self.FIELDS if self.data.get(k)}

    def describe(self):
        if not self.is_valid():
            return ""
        parts = []
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, "") or value is False or name not in self.fields:
                continue
            if value is True:
                parts.append(self.fields[name].label)
                continue
            field = self.fields[name]
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                value = dict(field.choices).get(value, value)
            elif hasattr(value, "strftime"):
                value = value.strftime("%Y-%m-%d")
            parts.append(f"{field.label}：{value}")
        return "　".join(parts)


# --- Corrections and withdrawal (issue 19) -------------------------------------------------------
class HazardCorrectForm(forms.Form):
    """更正 a hazard's category, grade and place; opens with its current values. The grade
    is fixed (disabled) for a user who may not change it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    category = forms.ModelChoiceField(label="隐患类别", queryset=HazardCategory.objects.all())
    grade = forms.ChoiceField(label="隐患等级", choices=Hazard.Grade.choices)
    area = AreaChoiceField(label="村(社区)/网格", queryset=Area.objects.none(), required=False,
                           help_text="选了重点场所时可不填")
    place = KeyPlacePickerField(label="重点场所", queryset=KeyPlace.objects.none(),
                                required=False, village_field="area")
    location = forms.CharField(label="具体位置", max_length=120, required=False)
    reason = forms.CharField(label="更正原因", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}), help_text="必填，记入办理记录")

    def __init__(self, *args, hazard, user, may_regrade, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Area.objects.visible_to(user)
        self.fields["area"].queryset = visible.filter(
            kind__in=[Area.Kind.VILLAGE, Area.Kind.GROUP, Area.Kind.GRID]).order_by("path")
        self.fields["area"].label_from_instance = lambda a: (
            a.short_name if a.kind == Area.Kind.VILLAGE else f"　{a.name}")
        self.fields["place"].queryset = KeyPlace.objects.filter(grid__in=visible).order_by(
            "kind", "name")
        if not may_regrade:
            self.fields["grade"].disabled = True
            self.fields["grade"].help_text = "隐患等级由镇综治中心工作人员调整"
        self.initial = {"version": hazard.version, "category": hazard.category_id,
                        "grade": hazard.grade, "area": hazard.area_id,
                        "place": hazard.place_id, "location": hazard.location}

    def clean(self):
        data = super().clean()
        if not data.get("area") and not data.get("place"):
            self.add_error("area", "请选择隐患所在的村(社区)或重点场所。")
        return data


class HazardWithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(label="撤销原因", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="必填。撤销的隐患保留备查，不再提醒，不计入任何统计")

    def __init__(self, *args, hazard, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = {"version": hazard.version}
