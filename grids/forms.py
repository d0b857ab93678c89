"""Form validation with Chinese messages next to the fields; views hand cleaned_data to
grids.actions."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from grids.access import can_see_positions
from grids.filters import ListFilterForm
from grids.idcard import validate_id_number
from grids.models import (
    Area,
    Campaign,
    HouseholdFlag,
    KeyPerson,
    KeyPersonCategory,
    KeyPlace,
    Responsibility,
    Visit,
)
from grids.pickers import AreaPickerField, PersonPickerField
from pingxiang.bounds import BoundedDateField
from pingxiang.geo import PositionFormMixin
from pingxiang.personal import (
    BirthDateField,
    NameField,
    PhoneField,
    validate_birth_date,
    validate_plain_text,
)
from pingxiang.uploads import validate_upload


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _id_number(value):
    return validate_id_number(value) if value else ""


class IdNumberField(forms.CharField):
    """An optional ID number, refused with hidden characters in it (pingxiang.personal)."""

    default_validators = [validate_plain_text]

    def __init__(self, **kwargs):
        super().__init__(max_length=18, required=False, **kwargs)


class VisitForm(PositionFormMixin):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput,
                                      error_messages={"required": "提交编号缺失，请刷新页面重填。",
                                                      "invalid": "提交编号无效，请刷新页面重填。"})
    visited_on = forms.DateField(label="走访日期", widget=DateInput())
    visit_type = forms.ChoiceField(label="走访类型", choices=Visit.Type.choices,
                                   widget=forms.RadioSelect)
    persons_met = forms.ModelMultipleChoiceField(
        label="见到的家庭成员", queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        # A visit typed offline can name someone who has left the household since.
        error_messages={"invalid_choice": "勾选的人已不在本户名单上（户成员或重点人员有变动），"
                                          "请重新勾选。",
                        "invalid_pk_value": "勾选的人已不在本户名单上，请重新勾选。"})
    persons_met_other = forms.CharField(label="其他走访对象", max_length=60, required=False,
                                        help_text="不在本户名单上的人，如邻居、场所负责人")
    findings = forms.MultipleChoiceField(
        label="发现问题", choices=Visit.Finding.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择发现的问题；没有问题请选“无异常”。"})
    notes = forms.CharField(label="情况说明", max_length=1000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    companions = forms.CharField(label="同行人员", max_length=100, required=False,
                                 help_text="如包社干部、治安民警、网格辅助人员，用顿号分隔")
    photo = forms.FileField(label="照片（可选）", required=False)

    def __init__(self, *args, household=None, key_place=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["visited_on"].widget.attrs["max"] = self.today.isoformat()
        if household is not None:
            self.fields["persons_met"].queryset = household.members.order_by("pk")
        else:
            del self.fields["persons_met"]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
            self.initial.setdefault("visited_on", self.today)
            self.initial.setdefault(
                "visit_type", Visit.Type.KEY_PLACE if key_place else Visit.Type.ROUTINE)

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > self.today:
            raise ValidationError("走访日期不能晚于今天。")
        if (self.today - day).days > 366:
            raise ValidationError("走访日期不能早于一年前，请核对。")
        return day

    def clean_findings(self):
        findings = self.cleaned_data["findings"]
        if Visit.Finding.NONE in findings and len(findings) > 1:
            raise ValidationError("“无异常”不能与其他问题同时选择。")
        return findings

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:
            photo = validate_upload(photo, kinds=("image",))  # re-encoded, named .jpg/.png/.webp
        return photo

    def clean(self):
        data = super().clean()
        findings = data.get("findings") or []
        if findings and Visit.Finding.NONE not in findings and not data.get("notes"):
            self.add_error("notes", "发现了问题，请简要写明情况。")
        return data


class HouseholdForm(forms.Form):
    grid = AreaPickerField(label="网格", queryset=Area.objects.none(), params={"kind": "grid"})
    house_number = forms.CharField(label="门牌号", max_length=20)
    head_name = NameField(label="户主姓名", max_length=50)
    head_id_number = IdNumberField(label="户主身份证号")
    head_phone = PhoneField(label="户主联系电话", max_length=20, required=False)
    flags = forms.MultipleChoiceField(label="户标签", required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["flags"].choices = flag_choices()

    def clean_head_id_number(self):
        return _id_number(self.cleaned_data["head_id_number"])


def flag_choices():
    return [(f, f) for f in HouseholdFlag.objects.filter(is_active=True)
            .values_list("name", flat=True)]


class FlagsForm(forms.Form):
    flags = forms.MultipleChoiceField(label="户标签", required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flags"].choices = flag_choices()


class MemberForm(forms.Form):
    """A new member. Built without birth_date for a user who sees ID numbers masked (they
    see birth years only); the date then comes from the ID number, if one is given."""

    name = NameField(label="姓名", max_length=50)
    relation = forms.CharField(label="与户主关系", max_length=20,
                               help_text="如：配偶、子、女、父亲、母亲、孙子")
    id_number = IdNumberField(label="身份证号")
    sex = forms.ChoiceField(label="性别", required=False,
                            choices=[("", "—"), ("男", "男"), ("女", "女")])
    birth_date = BirthDateField(label="出生日期", required=False, widget=DateInput())
    phone = PhoneField(label="联系电话", max_length=20, required=False)

    def __init__(self, *args, full_id, **kwargs):
        super().__init__(*args, **kwargs)
        if not full_id:
            del self.fields["birth_date"]

    def clean_id_number(self):
        return _id_number(self.cleaned_data["id_number"])


class KeyPersonForm(forms.Form):
    resident = forms.ModelChoiceField(label="人员", queryset=None)
    categories = forms.ModelMultipleChoiceField(
        label="类别", queryset=KeyPersonCategory.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple)
    risk_level = forms.ChoiceField(label="风险等级", choices=KeyPerson.Risk.choices)
    visit_every_days = forms.IntegerField(label="走访频次（天）", min_value=1, max_value=365,
                                          required=False,
                                          help_text="留空则按所选类别中最短的频次")
    responsible = PersonPickerField(label="包联责任人", queryset=None, required=False)
    notes = forms.CharField(label="情况说明", max_length=500, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, residents, responsible_users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = residents
        self.fields["responsible"].queryset = responsible_users


class KeyPersonStatusForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=KeyPerson.Status.choices)
    reason = forms.CharField(label="理由", max_length=200)


class KeyPlaceForm(forms.Form):
    grid = AreaPickerField(label="所属网格", queryset=Area.objects.none(), params={"kind": "grid"})
    kind = forms.ChoiceField(label="类别", choices=KeyPlace.Kind.choices)
    name = forms.CharField(label="名称", max_length=100)
    address = forms.CharField(label="地址", max_length=200, required=False)
    responsible_person = NameField(label="负责人", max_length=50, required=False)
    contact = PhoneField(label="联系电话", max_length=20, required=False)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids

    def clean(self):
        data = super().clean()
        if data.get("grid") and data.get("name") and KeyPlace.objects.filter(
                grid=data["grid"], name=data["name"]).exists():
            self.add_error("name", "该网格已有同名重点场所。")
        return data


class AreaChoiceForm(forms.Form):
    """?area= on a page that shows one area of the user's: a bad or foreign id is refused."""

    area = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["area"].queryset = Area.objects.visible_to(user)


# Every level a leader's visits figure drills into (the city's and a county's too).
LEDGER_AREA_KINDS = [Area.Kind.CITY, Area.Kind.COUNTY, Area.Kind.TOWN, Area.Kind.VILLAGE,
                     Area.Kind.GROUP, Area.Kind.GRID]
LEDGER_AREAS_DRAWN = 60


class PeriodForm(ListFilterForm):
    """Area and period for the ledger export and the visit list (its own "area" select; the
    drill-down's ?from/to besides, after the list's own fields)."""

    field_order = ["area", "start", "end", "mine", "far", "positions"]
    # A picker: a county has thousands of 社 and grids. Without JavaScript the select lists
    # the first LEDGER_AREAS_DRAWN (the towns and villages come first) and the chosen one.
    area = AreaPickerField(label="辖区", queryset=Area.objects.none(), required=False,
                           empty_label="我的全部辖区", params={"kind": LEDGER_AREA_KINDS},
                           limit=LEDGER_AREAS_DRAWN,
                           error_messages={"invalid_choice": "不在您的辖区内。"})
    start = BoundedDateField(label="开始日期", required=False, widget=DateInput())
    end = BoundedDateField(label="结束日期", required=False, widget=DateInput())
    mine = forms.BooleanField(label="只看我的", required=False)
    # Only for the roles that see positions (access.POSITION_ROLES): the others have neither.
    far = forms.IntegerField(
        label="距户超过(米)", required=False, min_value=10, max_value=100_000,
        help_text="只看记录位置离户(场所)参考位置超过这么远的走访",
        error_messages={"min_value": "距离至少 10 米。", "max_value": "距离不能超过 100 公里。",
                        "invalid": "请填写整数米数。"})
    positions = forms.BooleanField(label="导出含位置", required=False,
                                   help_text="台账加上走访时的经纬度、精度和距户距离")

    def __init__(self, *args, user, areas, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["area"].queryset = areas
        if not can_see_positions(user):
            del self.fields["far"], self.fields["positions"]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "结束日期不能早于开始日期。")
        return data


def _flag_choices():
    return [("", "全部"), *HouseholdFlag.objects.filter(is_active=True).values_list("name", "name")]


class HouseholdFilterForm(ListFilterForm):
    """The household list's search bar: one box (names, initials, house numbers, addresses)
    and a tag. A coverage page's ?campaign=&visited= (or a drill-down's ?visited=) ride along
    hidden, and only when the request names them, so paging and a new search keep them."""

    field_order = ["q"]  # the search box first, then the drill-down's fields
    q = forms.CharField(label="查找户", required=False, max_length=50, strip=True,
                        widget=forms.SearchInput(attrs={
                            "id": "q",  # the results follow the typing: hx-trigger from:#q
                            "autocomplete": "off",
                            "placeholder": "户主或成员姓名、拼音首字母（如 wjg）、门牌号、住址"}))
    # Any tag a household carries may be asked for (a retired one too); the select offers the
    # active ones, read when it is drawn (not for an htmx page of results). The bound is a
    # validator: max_length would put a maxlength attribute on the <select>.
    flag = forms.CharField(label="户标签", required=False, validators=[MaxLengthValidator(30)],
                           widget=forms.Select(choices=_flag_choices))
    campaign = forms.ModelChoiceField(label="走访活动", queryset=None, required=False,
                                      widget=forms.HiddenInput,
                                      error_messages={"invalid_choice": "走访活动不存在或不在您的辖区内。"})
    visited = forms.ChoiceField(label="走访", required=False, widget=forms.HiddenInput,
                                choices=[("", "全部"), ("1", "已走访"), ("0", "未走访")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if not (self.drilled or self.data.get("campaign") or self.data.get("visited")):
            del self.fields["campaign"], self.fields["visited"]
            return
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)


class KeyPersonFilterForm(ListFilterForm):
    """No ?status= at all lists the active ones (the form is filled with it, so the select
    says so); ?status= (empty) lists all."""

    q = forms.CharField(label="姓名", required=False, max_length=30, strip=True,
                        widget=forms.SearchInput)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部")] + KeyPerson.Status.choices)
    overdue = forms.BooleanField(label="只看逾期未访", required=False)

    def __init__(self, data=None, *args, user, **kwargs):
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = KeyPerson.Status.ACTIVE
        super().__init__(data, *args, user=user, **kwargs)


class KeyPlaceFilterForm(ListFilterForm):
    q = forms.CharField(label="名称", required=False, max_length=30, strip=True,
                        widget=forms.SearchInput)
    kind = forms.ChoiceField(label="类别", required=False,
                             choices=[("", "全部")] + KeyPlace.Kind.choices)


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


# --- Editing on the pages -------------------------------------------------------------
# The pickers of grids.pickers (issue 19 §4): a search box over a plain select, labels that
# tell two 高彩霞 apart (name · post · village) and grids by their 社.
UserChoiceField = PersonPickerField
AreaChoiceField = AreaPickerField


class VersionedForm(forms.Form):
    """Carries the version of the record the editor saw: a page opened before someone
    else's save cannot overwrite it (grids.actions.EditConflict)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0,
                                 error_messages={"required": "页面已过期，请刷新后重填。",
                                                 "invalid": "页面已过期，请刷新后重填。"})


class HouseholdEditForm(VersionedForm):
    grid = AreaChoiceField(label="所属网格", queryset=Area.objects.none(),
                           help_text="换到其他网格时，住址中的社(小区)随之改变")
    house_number = forms.CharField(label="门牌号", max_length=20)
    head = forms.ModelChoiceField(label="户主", queryset=None, required=False,
                                  empty_label="（未登记）",
                                  help_text="更换户主后，请同时修改各成员的“与户主关系”")
    flags = forms.MultipleChoiceField(label="户标签", required=False,
                                      widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, grids, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["head"].queryset = members
        choices = flag_choices()
        # A flag since switched off in the admin stays choosable on households that have it.
        known = {c for c, _ in choices}
        for flag in self.initial.get("flags") or []:
            if flag not in known:
                choices.append((flag, flag))
        self.fields["flags"].choices = choices


class MemberEditForm(VersionedForm):
    """A member's details. Built without id_number / phone for a user who only ever sees
    those masked (grids.access.Masker), so a masked number never reaches the form; without
    birth_date too when the ID number is masked (the date is its digits 7-14)."""

    name = NameField(label="姓名", max_length=50)
    relation = forms.CharField(label="与户主关系", max_length=20, required=False,
                               help_text="如：户主、配偶、子、女、父亲、母亲、孙子")
    sex = forms.ChoiceField(label="性别", required=False,
                            choices=[("", "—"), ("男", "男"), ("女", "女")])
    birth_date = forms.DateField(label="出生日期", required=False, widget=DateInput())
    id_number = IdNumberField(label="身份证号",
                              help_text="18位，校验位自动核对；一个身份证号只对应一人")
    phone = PhoneField(label="联系电话", max_length=20, required=False)

    def __init__(self, *args, full_id, full_phone, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if not full_id:
            del self.fields["id_number"]
            del self.fields["birth_date"]
        if not full_phone:
            del self.fields["phone"]

    def clean_id_number(self):
        return _id_number(self.cleaned_data["id_number"])

    def clean_birth_date(self):
        day = self.cleaned_data["birth_date"]
        validate_birth_date(day, today=self.today)
        return day


class KeyPlaceEditForm(VersionedForm):
    kind = forms.ChoiceField(label="类别", choices=KeyPlace.Kind.choices)
    name = forms.CharField(label="名称", max_length=100)
    address = forms.CharField(label="地址", max_length=200, required=False)
    grid = AreaChoiceField(label="所属网格", queryset=Area.objects.none())
    responsible_person = NameField(label="负责人", max_length=50, required=False)
    contact = PhoneField(label="联系电话", max_length=20, required=False)

    def __init__(self, *args, grids, full_phone, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        if not full_phone:
            del self.fields["contact"]


class KeyPersonEditForm(VersionedForm):
    categories = forms.ModelMultipleChoiceField(
        label="类别", queryset=KeyPersonCategory.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个类别。"})
    risk_level = forms.ChoiceField(label="风险等级", choices=KeyPerson.Risk.choices)
    responsible = UserChoiceField(label="包联责任人", queryset=None, required=False)
    visit_every_days = forms.IntegerField(
        label="走访频次（天）", min_value=1, max_value=365,
        error_messages={"min_value": "走访频次至少为1天。", "max_value": "走访频次不能超过365天。",
                        "required": "请填写走访频次。"})
    status = forms.ChoiceField(label="管理状态", choices=KeyPerson.Status.choices)
    reason = forms.CharField(label="状态变更理由", max_length=200, required=False,
                             help_text="变更管理状态时必填")
    notes = forms.CharField(label="情况说明", max_length=500, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, responsible_users, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = responsible_users
        if categories is not None:
            self.fields["categories"].queryset = categories


# Focus areas offered as ticks (the seed article's own examples first); anything else goes
# in the free-text box. Stored joined by 、 in Campaign.focus.
FOCUS_SUGGESTIONS = ["婚恋纠纷", "民间借贷", "邻里纠纷", "家庭矛盾", "土地山林纠纷",
                     "房屋宅基地纠纷", "劳资纠纷", "征地拆迁"]


class CampaignForm(forms.Form):
    name = forms.CharField(label="活动名称", max_length=100)
    area = AreaChoiceField(label="范围", queryset=Area.objects.none())
    start_date = forms.DateField(label="开始日期", widget=DateInput())
    end_date = forms.DateField(label="结束日期", widget=DateInput())
    mode = forms.ChoiceField(label="排查方式", choices=Campaign.Mode.choices,
                             widget=forms.RadioSelect)
    focus_choices = forms.MultipleChoiceField(
        label="排查重点", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(f, f) for f in FOCUS_SUGGESTIONS])
    focus_other = forms.CharField(label="其他排查重点", max_length=100, required=False,
                                  help_text="用顿号分隔，如：电信诈骗、校园周边")
    description = forms.CharField(label="说明", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, areas, campaign=None, **kwargs):
        if campaign is not None and "initial" not in kwargs:
            listed = [f for f in campaign.focus_list if f in FOCUS_SUGGESTIONS]
            others = [f for f in campaign.focus_list if f not in FOCUS_SUGGESTIONS]
            kwargs["initial"] = {
                "name": campaign.name, "area": campaign.area_id,
                "start_date": campaign.start_date, "end_date": campaign.end_date,
                "mode": campaign.mode, "focus_choices": listed,
                "focus_other": "、".join(others), "description": campaign.description,
                "version": campaign.version}
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and \
                data["end_date"] < data["start_date"]:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        other = (data.get("focus_other") or "").replace(",", "、").replace("，", "、")
        focus = list(dict.fromkeys([*(data.get("focus_choices") or []),
                                    *[f.strip() for f in other.split("、") if f.strip()]]))
        data["focus"] = "、".join(focus)
        if len(data["focus"]) > 200:
            self.add_error("focus_other", "排查重点太长，请精简到200字以内。")
        return data

    def action_kwargs(self):
        data = self.cleaned_data
        return {k: data[k] for k in ("name", "area", "start_date", "end_date", "mode",
                                     "focus", "description")}


class CampaignEditForm(VersionedForm, CampaignForm):
    pass


class ResponsibilityForm(forms.Form):
    kind = forms.ChoiceField(label="包抓类型", choices=Responsibility.Kind.choices)
    area = AreaChoiceField(label="包抓辖区", queryset=Area.objects.none(),
                           help_text="包村领导选村(社区)；驻村、帮扶、村干部和治安民警选社(小区)；"
                                     "网格员选网格")
    user = UserChoiceField(label="责任人", queryset=None,
                           error_messages={"invalid_choice": "只能从您辖区内的人员中选择。"})

    def __init__(self, *args, areas, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["area"].error_messages["invalid_choice"] = "只能选择本村(社区)内的辖区。"
        self.fields["user"].queryset = people


class EndResponsibilityForm(forms.Form):
    responsibility = forms.ModelChoiceField(
        queryset=None, error_messages={"invalid_choice": "这项包抓已解除或不在本村(社区)。",
                                       "required": "请选择要解除的包抓。"})
    reason = forms.CharField(label="理由", max_length=200, required=False)

    def __init__(self, *args, responsibilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsibility"].queryset = responsibilities


def errors_onto(form, exc):
    """An action's ValidationError onto the form: on its field where it names one of the
    form's, else above the form (Django's add_error refuses a field the form lacks)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)
