"""The message settings form (one's own, or a person's for their administrator), the filters
of the two lists, and the resend form. Every value from a request passes through one of them."""

from django import forms
from django.core.exceptions import ValidationError

from grids.filters import ListFilterForm
from messaging.models import (
    Channel,
    Delivery,
    Status,
    validate_mobile,
    validate_wecom_userid,
)
from pingxiang.bounds import BoundedDateField, column_integer
from pingxiang.listfilters import DATE
from pingxiang.masks import mask_phone
from pingxiang.personal import normalise_phone, validate_plain_text


class SettingsForm(forms.Form):
    """Where a person is reached and which channels per kind. The stored mobile number is
    never put back into the page (only its mask): an empty box keeps it."""

    wecom_userid = forms.CharField(
        label="企业微信账号（UserID）", required=False, max_length=64,
        validators=[validate_plain_text, validate_wecom_userid],
        help_text="企业微信管理后台“通讯录”中成员的账号，不是姓名或手机号")
    mobile = forms.CharField(label="手机号", required=False, max_length=20)
    clear_mobile = forms.BooleanField(label="删除已填写的手机号", required=False)
    sms_fallback = forms.BooleanField(label="企业微信发送失败时改发短信", required=False)

    def __init__(self, *args, contact, rules, current, **kwargs):
        initial = {"wecom_userid": contact.wecom_userid if contact else "",
                   "sms_fallback": contact.sms_fallback if contact else True}
        for rule in rules:
            wecom, sms = current[rule.code]
            initial[f"{rule.code}__wecom"], initial[f"{rule.code}__sms"] = wecom, sms
        super().__init__(*args, initial=initial, **kwargs)
        self.stored_mobile = contact.mobile if contact else ""
        masked = mask_phone(self.stored_mobile)
        self.fields["mobile"].help_text = (f"已填写 {masked}，不修改请留空" if masked
                                           else "11位手机号，用于接收短信")
        if not masked:
            del self.fields["clear_mobile"]
        self.rules = list(rules)
        for rule in self.rules:
            for channel in ("wecom", "sms"):
                field = forms.BooleanField(
                    label=f"{rule.label} · {'企业微信' if channel == 'wecom' else '短信'}",
                    required=False, disabled=rule.urgent)
                self.fields[f"{rule.code}__{channel}"] = field

    def clean_mobile(self):
        raw = self.cleaned_data.get("mobile", "")
        if not raw:
            return None  # keep what is stored
        phone = normalise_phone(raw)
        validate_mobile(phone)
        return phone

    def clean(self):
        data = super().clean()
        mobile = data.get("mobile")  # None: keep the stored number
        if data.get("clear_mobile"):
            if mobile:
                raise ValidationError("请在“填写新手机号”和“删除手机号”中选一项。")
            mobile = ""
        data["new_mobile"] = mobile
        return data

    def kind_rows(self):
        """(rule, wecom field, sms field) for the table of kinds."""
        return [(r, self[f"{r.code}__wecom"], self[f"{r.code}__sms"]) for r in self.rules]

    def choices(self):
        return {r.code: (self.cleaned_data[f"{r.code}__wecom"], self.cleaned_data[f"{r.code}__sms"])
                for r in self.rules}


class PeopleFilterForm(ListFilterForm):
    q = forms.CharField(label="姓名或用户名", required=False, max_length=50, strip=True)
    status = forms.ChoiceField(label="填写情况", required=False, choices=[
        ("", "全部"), ("missing", "未填写企业微信和手机号"), ("wecom", "已填写企业微信"),
        ("mobile", "已填写手机号")])


class FailureFilterForm(ListFilterForm):
    status = forms.ChoiceField(label="状态", required=False, choices=[
        ("", "失败和结果不明"), (Status.FAILED, Status.FAILED.label),
        (Status.UNKNOWN, Status.UNKNOWN.label), ("resent", "已重发")])
    channel = forms.ChoiceField(label="渠道", required=False,
                                choices=[("", "全部渠道"), *Channel.choices])
    start = BoundedDateField(label="开始日期", required=False, widget=DATE)
    end = BoundedDateField(label="结束日期", required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "结束日期不能早于开始日期。")
        return data


class ResendForm(forms.Form):
    delivery = column_integer(
        Delivery, "id", min_value=1,
        error_messages={"required": "请选择要重发的消息。", "invalid": "消息编号无效。"})

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = queryset

    def clean_delivery(self):
        found = self.queryset.filter(pk=self.cleaned_data["delivery"]).first()
        if found is None:
            raise ValidationError("这条消息不存在或不在您的辖区内。")
        return found
