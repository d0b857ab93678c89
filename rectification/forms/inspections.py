"""Campaigns and inspections: entry forms and the inspection list's filters."""

from django import forms

from grids.filters import ListFilterForm
from grids.models import Area, KeyPlace
from grids.pickers import KeyPlacePickerField

from ..models import Campaign, today
from .common import DATE, AreaChoiceField, village_choices


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


class InspectionForm(forms.Form):
    campaign = forms.ModelChoiceField(label="专项整治", queryset=Campaign.objects.none(),
                                      required=False, empty_label="（不属于专项整治）")
    place = KeyPlacePickerField(label="重点场所", queryset=KeyPlace.objects.none(),
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


class InspectionFilterForm(ListFilterForm):
    """The inspection list's filters (its filter bar is `{{ form }}`). ?distinct=place lists one
    row per place inspected, as the dashboard's "places inspected" figures count them."""

    campaign = forms.ModelChoiceField(label="专项整治", queryset=Campaign.objects.none(),
                                      required=False, empty_label="全部", error_messages={
                                          "invalid_choice": "专项整治不存在或不在您的辖区内。"})
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
