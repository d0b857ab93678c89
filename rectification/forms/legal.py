"""Legal-awareness activities: the list's filters and the entry form."""

from django import forms
from django.core.exceptions import ValidationError

from grids.filters import ListFilterForm
from grids.models import Area
from pingxiang.bounds import BoundedDateField, column_integer

from ..models import Campaign, LegalActivity, today
from .common import DATE, AreaChoiceField, village_choices


class LegalFilterForm(ListFilterForm):
    """The legal-activity list's filters (its filter bar is `{{ form }}`)."""

    village = AreaChoiceField(label="村(社区)", queryset=Area.objects.none(), required=False,
                              empty_label="全部",
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
