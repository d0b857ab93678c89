"""Centres: the list's filters, 巩固提升 and photos."""

from django import forms

from grids.filters import ListFilterForm

from ..models import Centre, today
from .common import DATE, PhotosField


class CentreFilterForm(ListFilterForm):
    """The centre list's filters (its filter bar is `{{ form }}`)."""

    upgrade = forms.ChoiceField(label="提升状态", required=False,
                                choices=[("", "全部")] + Centre.Upgrade.choices)
    demo = forms.BooleanField(label="只看示范", required=False)

    def filter(self, qs):
        d = self.applied
        if d.get("demo"):
            qs = qs.filter(is_demonstration=True)
        if d.get("upgrade"):
            qs = qs.filter(upgrade_status=d["upgrade"])
        return self.narrow(qs, area_field="area", upto_date_field="upgraded_on")


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
