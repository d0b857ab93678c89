"""The bulk form under the hazard and issue lists: ticked items, one action, one unit and
deadline for 交办."""

from django import forms

from grids.pickers import PersonPickerField

from ..models import today
from .common import DATE


class BulkOpenForm(forms.Form):
    """The query string that opens the bulk form: `?bulk=1` on a list draws it in the page
    (the way without JavaScript); `params` carries the list's filters to the fragment."""

    bulk = forms.BooleanField(required=False)
    params = forms.CharField(required=False, max_length=1000)

    def opened(self):
        return self.is_valid() and self.cleaned_data["bulk"]

    def list_params(self):
        return self.cleaned_data["params"] if self.is_valid() else ""


class BulkForm(forms.Form):
    ACTIONS = [("assign", "批量交办"), ("extend", "批量延期"), ("close", "批量销号")]

    items = forms.ModelMultipleChoiceField(
        label="所选事项", queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少勾选一项。",
                        "invalid_choice": "所选事项中有您看不到的，本批均未办理。",
                        "invalid_pk_value": "所选事项有误。"})
    action = forms.ChoiceField(label="批量操作", choices=ACTIONS)
    responsible_unit = forms.CharField(label="责任单位", max_length=60, required=False)
    responsible_person = forms.CharField(label="责任人", max_length=30, required=False)
    handler = PersonPickerField(label="平台内整改责任人", queryset=None, required=False,
                                     help_text="选定后每一项都会通知其本人")
    deadline = forms.DateField(label="整改时限", widget=DATE, required=False)
    measures = forms.CharField(label="整改措施/要求", max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label="延期理由", max_length=500, required=False)
    params = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def __init__(self, *args, queryset, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = queryset
        self.fields["handler"].queryset = handlers

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign":
            for name in ("responsible_unit", "responsible_person", "deadline"):
                if not data.get(name):
                    self.add_error(name, f"批量交办须填写{self.fields[name].label}。")
        if data.get("action") == "extend":
            if not data.get("deadline"):
                self.add_error("deadline", "批量延期须填写新的整改时限。")
            if not data.get("reason", "").strip():
                self.add_error("reason", "批量延期须写明延期理由。")
        deadline = data.get("deadline")
        if data.get("action") in ("assign", "extend") and deadline and deadline < today():
            self.add_error("deadline", "整改时限不能早于今天。")
        return data

    def action_kwargs(self, kind):
        data = self.cleaned_data
        if data["action"] == "extend":
            return {"deadline": data["deadline"], "reason": data["reason"]}
        if data["action"] != "assign":
            return {}
        kwargs = {"responsible_unit": data["responsible_unit"],
                  "responsible_person": data["responsible_person"],
                  "deadline": data["deadline"], "handler": data["handler"]}
        if kind == "hazard":
            kwargs["measures"] = data["measures"]
        elif data["measures"]:
            kwargs["requirement"] = data["measures"]
        return kwargs

