"""What the sub-domains' forms share: the date input, the upload field, area choices, the
assign and pass/fail forms of the two rectification loops, a filter's category choices."""

from django import forms
from django.core.exceptions import ValidationError

from grids.models import Area
from grids.pickers import PersonPickerField
from pingxiang.uploads import validate_upload

from ..models import today

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


class AssignForm(forms.Form):
    responsible_unit = forms.CharField(label="责任单位", max_length=60)
    responsible_person = forms.CharField(label="责任人", max_length=30)
    handler = PersonPickerField(label="平台内整改责任人", queryset=None, required=False,
                                help_text="选定后由其在平台上报整改情况，并接收临期、逾期提醒")
    deadline = forms.DateField(label="整改时限", widget=DATE)

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < today():
            raise ValidationError("整改时限不能早于交办日期（今天）。")
        return deadline


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


def category_choices(category_model):
    """A filter's category choices: 全部, then (pk, name) in the model's order."""
    return [("", "全部"), *category_model.objects.values_list("pk", "name")]
