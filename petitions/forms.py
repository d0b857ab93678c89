"""Forms: validation with Chinese messages next to the fields. Views hand cleaned_data to
actions; nothing here saves a workflow object."""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from grids.access import area_paths, centre_name, village_options
from grids.filters import ListFilterForm
from grids.idcard import validate_id_number
from grids.models import Area
from grids.pickers import AreaPickerField
from petitions.access import readable_by, registrable_paths, search_q
from petitions.models import Category, Petition, Rating, ReceptionDay, Satisfaction, TimeLimit
from petitions.stats import STAGES
from pingxiang.bounds import BoundedDateField, column_integer
from pingxiang.people import display_name
from pingxiang.personal import validate_plain_text
from pingxiang.roles import Role
from pingxiang.uploads import validate_upload

DT_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DT_FORMAT, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def dt_field(label, **kwargs):
    return forms.DateTimeField(label=label, widget=DateTimeLocal(),
                               input_formats=[DT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
                               **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned = []
        for upload in files:
            upload = super().clean(upload, initial)
            cleaned.append(validate_upload(upload))  # the file to store: see pingxiang.uploads
        return cleaned


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return display_name(user)


def leaders_of(paths):
    """Users holding the leader role at or under any of these paths (the town's leaders)."""
    if not paths:
        return get_user_model().objects.none()
    q = Q()
    for path in paths:
        q |= Q(memberships__area__path__startswith=path)
    return (get_user_model().objects.filter(q, memberships__role=Role.LEADER,
                                            memberships__is_active=True, is_active=True)
            .distinct().order_by("last_name", "first_name", "pk"))


def parse_people(text):
    """联名信访人, one per line: 姓名 身份证号 电话 (ID and phone optional)."""
    people, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.replace("，", " ").replace(",", " ").split()
        if not parts:
            continue
        person = {"name": parts[0], "id_number": "", "phone": ""}
        try:  # the parts, not the line: a tab between them (pasted from Excel) is fine
            for part in parts:
                validate_plain_text(part)
        except ValidationError as exc:
            errors.append(f"第{number}行：{exc.messages[0]}")
            continue
        for part in parts[1:]:
            if len(part) == 18 or (len(part) > 11 and part[:-1].isdigit()):
                try:
                    person["id_number"] = validate_id_number(part)
                except ValidationError as exc:
                    errors.append(f"第{number}行：{exc.messages[0]}")
            else:
                person["phone"] = part
        people.append(person)
    if errors:
        raise ValidationError(errors)
    return people


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(label="来源渠道", choices=Petition.Channel.choices)
    order_type = forms.ChoiceField(label="工单类型（民生信息平台）", required=False,
                                   choices=[("", "—")] + Petition.OrderType.choices)
    channel_ref = forms.CharField(label="渠道编号", max_length=60, required=False,
                                  help_text="网上信访件号、民生平台工单号、12345 工单号；来访、来信可不填")
    received_at = dt_field("收到时间")
    # A town's villages and grids, hundreds in a county: the area picker (grids.pickers).
    area = AreaPickerField(label="所属村(社区)/网格", queryset=Area.objects.none(),
                           params={"kind": [Area.Kind.VILLAGE, Area.Kind.GRID]})
    reception = forms.ModelChoiceField(label="公开接访日（来访时）", required=False,
                                       queryset=ReceptionDay.objects.none())
    name = forms.CharField(label="信访人姓名", max_length=50, validators=[validate_plain_text])
    id_number = forms.CharField(label="身份证号", max_length=18, required=False,
                                validators=[validate_plain_text],
                                help_text="按身份证号查找已有档案；同一人多次信访会被识别")
    phone = forms.CharField(label="联系电话", max_length=20, required=False,
                            validators=[validate_plain_text])
    co_petitioners = forms.CharField(
        label="联名信访人", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="联名信访时每行一人：姓名 身份证号 电话")
    headcount = column_integer(Petition, "headcount", label="人数", min_value=1, initial=1)
    title = forms.CharField(label="信访事项（摘要）", max_length=200)
    content = forms.CharField(label="主要诉求及事实", widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ModelChoiceField(label="类别",
                                      queryset=Category.objects.filter(is_active=True))
    repeat_of_number = forms.CharField(label="同一事项前次信访编号", max_length=20,
                                       required=False,
                                       help_text="重复信访时填写，如 XF2026-00012")
    attachments = MultipleFileField(label="附件（图片或 PDF，可多选）")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        paths = registrable_paths(user)
        self.fields["area"].queryset = (
            Area.objects.under_paths(paths)
            .filter(kind__in=[Area.Kind.VILLAGE, Area.Kind.GRID]).order_by("path"))
        today = timezone.localdate()
        self.fields["reception"].queryset = (
            ReceptionDay.objects.filter(town__in=Area.objects.under_paths(paths))
            .filter(date__gte=today - dt.timedelta(days=60), date__lte=today)
            .select_related("leader").order_by("-date"))
        self.fields["reception"].label_from_instance = (
            lambda d: f"{d.date:%Y-%m-%d} {display_name(d.leader)} {d.place}")
        if not self.is_bound:
            self.initial.setdefault("received_at",
                                    timezone.localtime().strftime(DT_FORMAT))

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip()
        return validate_id_number(value) if value else ""

    def clean_co_petitioners(self):
        return parse_people(self.cleaned_data["co_petitioners"])

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError("收到时间不能晚于现在。")
        return value

    def clean_repeat_of_number(self):
        number = self.cleaned_data["repeat_of_number"].strip().upper()
        if not number:
            return None

        earlier = readable_by(self.user).filter(number=number).first()
        if earlier is None:
            raise ValidationError("没有找到这个信访编号（或不在您的辖区）。")
        return earlier

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        if channel == Petition.Channel.LIVELIHOOD and not data.get("order_type"):
            self.add_error("order_type", "民生信息平台工单须选择工单类型。")
        if channel in (Petition.Channel.ONLINE, Petition.Channel.LIVELIHOOD) and \
                not data.get("channel_ref"):
            self.add_error("channel_ref", "网上信访和民生平台工单须填写渠道编号。")
        if channel != Petition.Channel.VISIT and data.get("reception"):
            self.add_error("reception", "只有来访可以关联公开接访日。")
        earlier = data.get("repeat_of_number")
        if earlier is not None and data.get("id_number") and \
                earlier.petitioner.id_number != data["id_number"]:
            self.add_error("repeat_of_number", "前次信访的信访人与本次不是同一人。")
        return data


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="决定", widget=forms.RadioSelect, choices=[
        ("accept", "受理"), ("decline", "不予受理"), ("transfer", "转送其他机关")])
    to_body = forms.CharField(label="转送机关", max_length=100, required=False)
    reason = forms.CharField(label="理由/说明", required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    at = dt_field("决定时间", required=False)

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", "不予受理须写明理由。")
        if decision == "transfer" and not data.get("to_body", "").strip():
            self.add_error("to_body", "请填写转送的机关、单位。")
        return data


class ExtendForm(forms.Form):
    days = forms.IntegerField(label="延期天数", min_value=1)
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 3}))
    approver = UserChoiceField(label="批准人（本机关负责人）", queryset=None)
    notice_method = forms.ChoiceField(label="告知信访人方式", choices=[
        ("", "—"), ("电话", "电话"), ("书面", "书面"), ("当面", "当面"), ("短信", "短信")])
    notified_at = dt_field("告知时间", required=False)

    def __init__(self, *args, petition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = leaders_of([petition.town.path])
        maximum = TimeLimit.objects.filter(code=TimeLimit.Code.EXTEND).values_list(
            "days", flat=True).first() or 30
        self.fields["days"].max_value = maximum
        self.fields["days"].validators.append(
            forms.IntegerField(max_value=maximum).validators[-1])
        self.fields["days"].help_text = f"只能延期一次，最长{maximum}日"
        self.fields["days"].widget.attrs["max"] = maximum


class CloseForm(forms.Form):
    reply = forms.CharField(label="处理意见（打印为处理意见书）",
                            widget=forms.Textarea(attrs={"rows": 8}))
    at = dt_field("办结时间", required=False)


class RateForm(forms.Form):
    handling = forms.ChoiceField(label="对办理过程", choices=Satisfaction.choices,
                                 widget=forms.RadioSelect)
    result = forms.ChoiceField(label="对办理结果", choices=Satisfaction.choices,
                               widget=forms.RadioSelect)
    method = forms.ChoiceField(label="评价方式", choices=Rating.Method.choices)
    note = forms.CharField(label="信访人意见", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="评价“不满意”时必填")

    def clean(self):
        data = super().clean()
        if Satisfaction.UNSATISFIED in (data.get("handling"), data.get("result")) and \
                not data.get("note", "").strip():
            self.add_error("note", "评价为“不满意”时须记录信访人的意见。")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label="申请理由", widget=forms.Textarea(attrs={"rows": 3}))
    at = dt_field("申请时间", required=False)


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 6}))
    at = dt_field("答复时间", required=False)


class LeaderForm(forms.Form):
    leader = UserChoiceField(label="包案领导", queryset=None)

    def __init__(self, *args, petition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders_of([petition.town.path])


class AttachForm(forms.Form):
    files = MultipleFileField(label="附件（图片或 PDF，可多选）", required=True)


class ReceptionForm(forms.Form):
    leader = UserChoiceField(label="接访领导", queryset=None)
    date = forms.DateField(label="接访日期", widget=DateInput())
    time_range = forms.CharField(label="时间", max_length=40, initial="09:00-12:00")
    place = forms.CharField(label="地点", max_length=100)  # initial: the user's centre
    topic = forms.CharField(label="接访重点", max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders_of(area_paths(user, roles=[Role.CENTRE_STAFF, Role.LEADER]))
        self.fields["place"].initial = f"{centre_name(user)}接访室"


class FilterForm(ListFilterForm):
    """The list's filters; stats links use the same names so a number opens its list."""

    q = forms.CharField(label="搜索", required=False,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": "编号、姓名、事项"}))
    channel = forms.ChoiceField(label="渠道", required=False,
                                choices=[("", "全部渠道")] + Petition.Channel.choices)
    village = forms.TypedChoiceField(label="村(社区)", coerce=int, required=False,
                                     empty_value=None)  # the user's villages, in __init__
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部状态")] + Petition.Status.choices)
    stage = forms.ChoiceField(label="统计口径", required=False, choices=[("", "—")])
    due = forms.ChoiceField(label="期限", required=False, choices=[
        ("", "全部"), ("overdue", "已逾期"), ("soon", "3日内到期"), ("open", "在办")])
    mine = forms.BooleanField(label="我包案的", required=False)
    date_from = BoundedDateField(label="收到日期自", required=False, widget=DateInput())
    date_to = BoundedDateField(label="至", required=False, widget=DateInput())
    reception = forms.ModelChoiceField(label="公开接访", required=False, widget=forms.HiddenInput,
                                       queryset=ReceptionDay.objects.none())
    withdrawn = forms.BooleanField(label="只看已撤销", required=False,
                                   help_text="撤销的信访件保留备查，不计入统计，默认不列出")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["reception"].queryset = ReceptionDay.objects.visible_to(user)
        self.fields["village"].choices = [("", "全部村(社区)"), *village_options(user)]
        self.fields["stage"].choices = [("", "全部")] + [
            (k, label) for k, (label, _q) in STAGES.items()]

    def apply(self, qs):
        data = self.cleaned_data if self.is_valid() else {}
        qs = qs.exclude(withdrawn_at=None) if data.get("withdrawn") else qs.counted()
        if data.get("q"):
            qs = qs.filter(search_q(self.user, data["q"]))
        if data.get("channel"):
            qs = qs.filter(channel=data["channel"])
        if data.get("village"):
            qs = qs.filter(village=data["village"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("stage"):
            qs = qs.filter(STAGES[data["stage"]][1])
        if data.get("reception"):
            qs = qs.filter(reception=data["reception"])
        now = timezone.now()
        if data.get("due") == "overdue":
            qs = qs.overdue(now)
        elif data.get("due") == "soon":
            qs = qs.due_soon(now)
        elif data.get("due") == "open":
            qs = qs.open()
        if data.get("mine"):
            qs = qs.filter(leader=self.user)
        return period(qs, data.get("date_from"), data.get("date_to"))


class StatsForm(ListFilterForm):
    """The statistics' period and channel (the list's names, so a number opens its list).
    The period is this year to date unless the request names one; the form is filled with it,
    so the filter bar shows the period counted."""

    date_from = BoundedDateField(label="收到日期自", required=False, widget=DateInput())
    date_to = BoundedDateField(label="至", required=False, widget=DateInput())
    channel = forms.ChoiceField(label="渠道", required=False,
                                choices=[("", "全部渠道")] + Petition.Channel.choices)

    def __init__(self, data=None, *args, user, **kwargs):
        today = timezone.localdate()
        self.default_period = (today.replace(month=1, day=1), today)
        if data is not None:
            data = data.copy()
            for name, day in zip(("date_from", "date_to"), self.default_period, strict=True):
                if not data.get(name):
                    data[name] = day.isoformat()
        super().__init__(data, *args, user=user, **kwargs)

    def period(self):
        """(first, last day) counted: the request's, or this year to date for a date not
        named or refused (the form says which)."""
        start, end = self.default_period
        return self.value("date_from", start), self.value("date_to", end)


class YearForm(ListFilterForm):
    """?year= of the reception schedule."""

    year = forms.IntegerField(label="年份", required=False, min_value=2000, max_value=2100)


def period(qs, date_from, date_to):
    """Received on or after date_from and on or before date_to (local dates)."""
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(received_at__gte=dt.datetime.combine(date_from, dt.time(), tzinfo=tz))
    if date_to:
        qs = qs.filter(received_at__lt=dt.datetime.combine(
            date_to + dt.timedelta(days=1), dt.time(), tzinfo=tz))
    return qs


# --- Corrections and withdrawal (issue 19) -------------------------------------------------------
class CorrectForm(forms.Form):
    """更正 what was registered; opens with the petition's current values. The petitioner
    fields are left empty: filled in, they name the right person (found by ID number)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    channel = forms.ChoiceField(label="来源渠道", choices=Petition.Channel.choices)
    order_type = forms.ChoiceField(label="工单类型", required=False,
                                   choices=[("", "—")] + Petition.OrderType.choices,
                                   help_text="仅民生信息平台工单")
    category = forms.ModelChoiceField(label="类别", queryset=Category.objects.all(),
                                      empty_label="请选择")
    name = forms.CharField(label="信访人姓名", max_length=50, required=False,
                           validators=[validate_plain_text], help_text="信访人登记错了才填写")
    id_number = forms.CharField(label="身份证号", max_length=18, required=False,
                                validators=[validate_plain_text])
    phone = forms.CharField(label="联系电话", max_length=20, required=False,
                            validators=[validate_plain_text])
    reason = forms.CharField(label="更正原因", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}), help_text="必填，记入办理记录")

    def __init__(self, *args, petition, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = {"version": petition.version, "channel": petition.channel,
                        "order_type": petition.order_type, "category": petition.category_id}

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number", "")
        return validate_id_number(value) if value else ""

    def clean(self):
        data = super().clean()
        if (data.get("id_number") or data.get("phone")) and not data.get("name"):
            self.add_error("name", "请填写信访人姓名。")
        return data


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(label="撤销原因", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="必填。撤销的信访件保留备查，停止计时，不计入任何统计")

    def __init__(self, *args, petition, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = {"version": petition.version}
