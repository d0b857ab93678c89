"""Forms of the people and area pages (grids.account_views): Chinese messages next to the
fields; the views hand cleaned_data to grids.accounts and grids.areas."""

from django import forms
from django.core.exceptions import ValidationError

from grids.access import roles_of, village_options
from grids.accounts import areas_for_posts
from grids.filters import ListFilterForm
from grids.forms import AreaChoiceField, UserChoiceField
from grids.models import Area
from grids.roles import ROLE_RANK
from pingxiang.personal import NameField, validate_plain_text
from pingxiang.roles import Role


def grantable_roles(actor):
    """The posts `actor` may hand out somewhere: below their own highest rank, never an
    administrator's or an auditor's (grids.roles.grant_refusal decides per area)."""
    if actor.is_superuser:
        top = max(ROLE_RANK.values()) + 1
    else:
        top = max((ROLE_RANK.get(r, 0) for r in roles_of(actor)), default=0)
    return [(r.value, r.label) for r in Role if r != Role.ADMIN and ROLE_RANK.get(r, 99) < top]


OUT_OF_SCOPE = {"invalid_choice": "该辖区不在您管辖的范围内，不能在此授予岗位。"}
ROLE_OUT_OF_RANK = {"invalid_choice": "不能授予与本人同级或更高的岗位。"}


class PasswordPair(forms.Form):
    password = forms.CharField(label="临时密码", strip=False, max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="至少8位，不能全是数字；本人下次登录时须修改")
    password2 = forms.CharField(label="再次输入临时密码", strip=False, max_length=128,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") \
                and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class ContactFields(forms.Form):
    mobile = forms.CharField(label="手机号", required=False, max_length=20,
                             validators=[validate_plain_text])
    wecom_userid = forms.CharField(
        label="企业微信账号（UserID）", required=False, max_length=64,
        validators=[validate_plain_text],
        help_text="企业微信管理后台“通讯录”中成员的账号，用于推送消息")


class PersonForm(ContactFields, PasswordPair):
    """A new account with its first post."""

    field_order = ["username", "name", "mobile", "wecom_userid", "role", "area", "title",
                   "password", "password2"]
    username = forms.RegexField(
        label="登录名", max_length=150, regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": "登录名只能用字母、数字和 _ . @ + -。"},
        help_text="如 wangjianguo，登录时使用")
    name = NameField(label="姓名", max_length=40, help_text="完整姓名，如 王建国")
    role = forms.ChoiceField(label="岗位", error_messages=ROLE_OUT_OF_RANK)
    area = AreaChoiceField(label="辖区", queryset=Area.objects.none(), error_messages=OUT_OF_SCOPE)
    title = forms.CharField(label="职务", required=False, max_length=60,
                            validators=[validate_plain_text])

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "请选择")] + grantable_roles(actor)
        self.fields["area"].queryset = areas_for_posts(actor).select_related("parent")


class PersonEditForm(ContactFields):
    field_order = ["name", "mobile", "wecom_userid"]
    name = NameField(label="姓名", max_length=40)

    def __init__(self, *args, stored_mobile="", **kwargs):
        super().__init__(*args, **kwargs)
        if stored_mobile:
            self.fields["mobile"].help_text = "已填写，不修改请留空"


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, validators=[validate_plain_text],
                             error_messages={"required": "请写明原因。"})


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, required=False,
                             validators=[validate_plain_text])


class GrantForm(forms.Form):
    role = forms.ChoiceField(label="岗位", error_messages=ROLE_OUT_OF_RANK)
    area = AreaChoiceField(label="辖区", queryset=Area.objects.none(), error_messages=OUT_OF_SCOPE)
    title = forms.CharField(label="职务", required=False, max_length=60,
                            validators=[validate_plain_text])

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "请选择")] + grantable_roles(actor)
        self.fields["area"].queryset = areas_for_posts(actor).select_related("parent")


class RevokeForm(forms.Form):
    membership = forms.ModelChoiceField(label="岗位", queryset=None,
                                        error_messages={"invalid_choice": "该岗位不存在或已撤销。"})
    reason = forms.CharField(label="原因", max_length=200, required=False,
                             validators=[validate_plain_text])

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = person.memberships.filter(is_active=True)


class HandoverForm(forms.Form):
    successor = UserChoiceField(label="接手人", queryset=None,
                                error_messages={"invalid_choice": "接手人不在可选范围内。"})
    reason = forms.CharField(label="移交原因", max_length=200, validators=[validate_plain_text],
                             help_text="如 调离、退休、岗位调整")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = people


class PeopleFilterForm(ListFilterForm):
    """The people list's search bar: name or login, post, village, active or not."""

    field_order = ["q", "role", "village", "status"]
    q = forms.CharField(label="姓名或登录名", required=False, max_length=40, strip=True,
                        widget=forms.SearchInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="岗位", required=False,
                             choices=[("", "全部岗位")] + list(Role.choices))
    village = forms.TypedChoiceField(label="村(社区)", required=False, coerce=int,
                                     empty_value=None)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "启用"), ("inactive", "已停用"), ("all", "全部")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["village"].choices = [("", "全部村(社区)")] + village_options(user)


class AreaAddForm(forms.Form):
    kind = forms.ChoiceField(label="层级")
    name = forms.CharField(label="名称", max_length=100, validators=[validate_plain_text])
    short_name = forms.CharField(label="简称", max_length=50, required=False,
                                 validators=[validate_plain_text],
                                 help_text="社/小区的简称用在住址里（如 高家庄社），不填则同名称")

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]


class AreaRenameForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, validators=[validate_plain_text])
    short_name = forms.CharField(label="简称", max_length=50, required=False,
                                 validators=[validate_plain_text])


class MoveHouseholdForm(forms.Form):
    grid = AreaChoiceField(label="调整到网格", queryset=Area.objects.none())
    reason = forms.CharField(label="原因", max_length=200, validators=[validate_plain_text])

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids


class UserImportForm(PasswordPair):
    file = forms.FileField(label="Excel 文件（.xlsx）")
    field_order = ["file", "password", "password2"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError("请上传 .xlsx 格式的 Excel 文件（可先下载模板）。")
        return upload
