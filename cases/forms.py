import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cases.models import (
    UNCOUNTED_STATUSES,
    Agreement,
    Attachment,
    Case,
    CaseParty,
    Category,
    FollowUp,
    Level,
    ResolutionMethod,
    Risk,
    Source,
    Status,
    category_names,
)
from grids.access import village_options
from grids.filters import ListFilterForm, PeriodForm
from grids.idcard import validate_id_number
from grids.models import Area, Resident
from grids.pickers import AreaPickerField, village_area_label
from pingxiang.bounds import BoundedDateField
from pingxiang.geo import PositionFormMixin
from pingxiang.personal import validate_plain_text

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _not_future(value, what):
    if value and value > timezone.localdate():
        raise ValidationError(f"{what}不能晚于今天。")
    return value


class IntakeAreaField(AreaPickerField):
    """The 社/小区 or 网格 of a case (issue 19 §4): the area picker, searching within the
    form's chosen village (depends), each place labelled with its village ("西关村 ·
    高家庄社第一网格"): across 32 villages names like 一社 repeat."""

    def __init__(self, **kwargs):
        super().__init__(depends=("village",),
                         params={"kind": [Area.Kind.GROUP, Area.Kind.GRID]}, **kwargs)

    def label_from_instance(self, obj):
        return village_area_label(obj)


def areas_for_intake(village_ids):
    """社/小区 (and 网格 placed straight under a village) of these villages, and their 网格."""
    return (Area.objects.filter(parent_id__in=village_ids)
            | Area.objects.filter(parent__parent_id__in=village_ids, kind=Area.Kind.GRID)
            ).order_by("path")


class VillagePickerField(AreaPickerField):
    """The 村(社区) of a case: the area picker over villages (a county's 330 are too many for
    a plain select)."""

    def __init__(self, **kwargs):
        super().__init__(params={"kind": [Area.Kind.VILLAGE]}, **kwargs)

    def label_from_instance(self, obj):
        return str(obj)  # 西关村: the level goes without saying here


class CaseForm(PositionFormMixin):
    village = VillagePickerField(label="村(社区)", queryset=Area.objects.none(),
                                 empty_label="请选择")
    area = IntakeAreaField(label="社/小区或网格", queryset=Area.objects.none(),
                           required=False, empty_label="（不细分）",
                           help_text="已知所在网格时请选择，网格员将直接收到。"
                                     "选定村(社区)后输入社或网格的名称查找。")
    category = forms.ModelChoiceField(label="纠纷类别",
                                      queryset=Category.objects.filter(is_active=True),
                                      empty_label="请选择")
    description = forms.CharField(label="简要情况", widget=forms.Textarea(attrs={"rows": 4}),
                                  max_length=2000)
    risk = forms.ChoiceField(label="风险等级", choices=Risk.choices, initial=Risk.BLUE)
    source = forms.ChoiceField(label="来源", choices=Source.choices)
    source_ref = forms.CharField(label="来源编号", required=False, max_length=100,
                                 help_text="如 案号、警情编号、走访记录#12、信访件#7")
    received_at = forms.DateTimeField(label="登记时间", required=False, widget=DATETIME,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                      help_text="不填为现在")
    visit = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    petition = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    known_parties = forms.ModelMultipleChoiceField(
        label="已建档当事人", queryset=Resident.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    not_duplicate = forms.BooleanField(
        label="已核对，不是同一纠纷，仍然登记", required=False,
        help_text="同一纠纷请不要重复登记：打开上面的案件补充情况，或登记后由综治中心合并")

    def __init__(self, *args, villages, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        village_ids = list(villages.values_list("pk", flat=True))
        # Only places under the user's villages are valid (and drawn without JavaScript).
        self.fields["area"].queryset = areas_for_intake(village_ids)
        self.fields["known_parties"].queryset = residents if residents is not None else \
            Resident.objects.none()

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError("登记时间不能晚于现在。")
        if value and value.year < 2004:
            raise ValidationError("登记时间不正确。")
        return value

    def clean(self):
        data = super().clean()
        village, area = data.get("village"), data.get("area")
        if village and area and not area.is_under(village):
            self.add_error("area", f"所选社/网格“{area}”不在{village}，请重新选择。")
        return data


class PartyForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, required=False,
                           validators=[validate_plain_text])
    id_number = forms.CharField(label="身份证号", max_length=18, required=False,
                                validators=[validate_plain_text])
    phone = forms.CharField(label="联系电话", max_length=20, required=False,
                            validators=[validate_plain_text])
    address = forms.CharField(label="住址", max_length=200, required=False,
                              help_text="已在本镇建档立户的可不填，协议书用户籍住址")

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number", "")
        return validate_id_number(value) if value else ""

    def clean(self):
        data = super().clean()
        if (data.get("id_number") or data.get("phone") or data.get("address")) \
                and not data.get("name"):
            self.add_error("name", "请填写当事人姓名。")
        return data


PartyFormSet = forms.formset_factory(PartyForm, extra=3, max_num=10)


class VersionedForm(forms.Form):
    """Carries the version of the case the user saw, so a stale page cannot overwrite."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def level_choices(numbers=None):
    return [(r.number, str(r)) for r in Level.ladder()
            if numbers is None or r.number in numbers]


class AcceptForm(VersionedForm):
    level = forms.TypedChoiceField(label="受理层级", coerce=int, choices=())
    note = forms.CharField(label="受理意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = level_choices(levels)


class SessionForm(VersionedForm):
    held_at = forms.DateTimeField(label="调解时间", required=False, widget=DATETIME,
                                  input_formats=["%Y-%m-%dT%H:%M"])
    place = forms.CharField(label="地点", max_length=100, required=False)
    participants = forms.CharField(label="参加人员", max_length=200, required=False)
    notes = forms.CharField(label="调解情况", widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(VersionedForm):
    method = forms.ChoiceField(label="化解方式", choices=ResolutionMethod.choices)
    kind = forms.ChoiceField(label="协议形式", choices=Agreement.Kind.choices)
    facts = forms.CharField(label="纠纷事实及争议事项", widget=forms.Textarea(attrs={"rows": 3}))
    responsibilities = forms.CharField(label="各方责任", required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    terms = forms.CharField(label="协议内容（各方权利义务）", widget=forms.Textarea(attrs={"rows": 3}))
    performance = forms.CharField(label="履行方式、地点和期限",
                                  widget=forms.Textarea(attrs={"rows": 2}))
    perform_by = forms.DateField(label="履行期限", required=False, widget=DATE)
    reached_on = forms.DateField(label="达成日期", widget=DATE)

    def clean_reached_on(self):
        return _not_future(self.cleaned_data.get("reached_on"), "达成日期")


class UnresolvedForm(VersionedForm):
    route = forms.ChoiceField(label="转出去向", choices=[
        ("人民法院（诉讼）", "人民法院（诉讼）"), ("仲裁机构", "仲裁机构"), ("行政主管部门", "行政主管部门")])
    reason = forms.CharField(label="未化解原因", widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(VersionedForm):
    to_level = forms.TypedChoiceField(label="上报到", coerce=int, choices=())
    reason = forms.CharField(label="调处不成的原因", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_level"].choices = level_choices(levels)


class SendDownForm(VersionedForm):
    to_level = forms.TypedChoiceField(label="交办给", coerce=int, choices=())
    instructions = forms.CharField(label="交办意见", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_level"].choices = level_choices(levels)


class PauseRequestForm(VersionedForm):
    reason = forms.CharField(label="暂停理由", widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="如 等待鉴定结果、当事人外出联系不上")
    days = forms.IntegerField(label="暂停工作日数", min_value=1, max_value=60)


class PauseDecisionForm(VersionedForm):
    approve = forms.TypedChoiceField(label="审批", coerce=lambda v: v == "1",
                                     choices=[("1", "批准"), ("0", "不批准")])
    note = forms.CharField(label="审批意见", required=False)


class ResumeForm(VersionedForm):
    pass


class FollowUpForm(VersionedForm):
    visited_on = forms.DateField(label="回访日期", widget=DATE)
    carried_out = forms.TypedChoiceField(label="协议是否履行", coerce=lambda v: v == "1",
                                         choices=[("1", "已履行"), ("0", "未履行")])
    satisfaction = forms.ChoiceField(label="当事人满意度", choices=FollowUp.Satisfaction.choices)
    notes = forms.CharField(label="回访情况", required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def clean_visited_on(self):
        return _not_future(self.cleaned_data.get("visited_on"), "回访日期")


class ArchiveForm(VersionedForm):
    pass


class TakeChargeForm(VersionedForm):
    note = forms.CharField(label="包案说明", required=False)


class JudicialForm(VersionedForm):
    court = forms.CharField(label="法院", max_length=100)

    def __init__(self, *args, county=None, **kwargs):
        super().__init__(*args, **kwargs)
        if county is not None:  # the case's county's basic court, named from the area tree
            self.fields["court"].initial = f"{county.name}人民法院"
    confirmed_on = forms.DateField(label="申请/确认日期", widget=DATE)

    def clean_confirmed_on(self):
        return _not_future(self.cleaned_data.get("confirmed_on"), "司法确认日期")


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Attachment.Kind.choices)
    file = forms.FileField(label="文件", help_text="图片（JPG、PNG、GIF）或 PDF，不超过 10 MB")


def _category_choices():
    return [("", "全部"), *category_names()]


class IntakePrefillForm(forms.Form):
    """The intake page's GET prefill (?source=&description=&ref=&visit=&petition=&area=&party=),
    from a visit, a petition or a household page. Ids resolve among what the user may see; a
    bad or foreign value is simply not carried over (the check on submit says why)."""

    source = forms.ChoiceField(choices=Source.choices, required=False)
    description = forms.CharField(required=False, strip=True)
    ref = forms.CharField(required=False, strip=True)
    visit = forms.ModelChoiceField(queryset=None, required=False)
    petition = forms.ModelChoiceField(queryset=None, required=False)
    area = forms.ModelChoiceField(queryset=None, required=False)
    party = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, data, *, user, villages, visits, petitions):
        super().__init__(data)
        areas = Area.objects.visible_to(user)
        self.fields["visit"].queryset = visits
        self.fields["petition"].queryset = petitions
        self.fields["area"].queryset = Area.objects.filter(
            Q(pk__in=areas.values("pk")) | Q(pk__in=villages.values("pk")))
        self.fields["party"].queryset = Resident.objects.filter(area_id__in=areas.values("pk"))

    def value(self, name):
        """The cleaned value, or empty when it was bad (the prefill never refuses a page)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None


class CaseFilterForm(ListFilterForm):
    village = forms.TypedChoiceField(label="村(社区)", coerce=int, required=False,
                                     empty_value=None)  # the user's villages, in __init__
    category = forms.TypedChoiceField(label="类别", coerce=int, required=False,
                                      empty_value=None, choices=_category_choices)
    level = forms.TypedChoiceField(label="层级", coerce=int, required=False, empty_value=None,
                                   choices=())  # the ladder's rungs, in __init__
    risk = forms.ChoiceField(label="风险", required=False, choices=[("", "全部")] + Risk.choices)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部"), ("active", "办理中"), ("overdue", "已逾期"),
                                        ("done", "已化解（含回访、归档）")]
                               + Status.choices)
    source = forms.ChoiceField(label="来源", required=False,
                               choices=[("", "全部")] + Source.choices)
    start = BoundedDateField(label="登记自", required=False, widget=DATE)
    end = BoundedDateField(label="至", required=False, widget=DATE)
    q = forms.CharField(label="编号/内容/当事人", required=False, max_length=50)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # The user's villages from the area tree: one list that both draws and validates.
        self.fields["village"].choices = [
            ("", "全部"), *village_options(user, order=("sort_order", "name"))]
        self.fields["level"].choices = [("", "全部")] + [(r.number, f"{r.number}级")
                                                       for r in Level.ladder()]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "结束日期不能早于开始日期。")
        return data

    def counted_only(self, qs):
        """The default list: withdrawn and merged cases only when their status is asked for,
        as in every figure (Case.objects.counted)."""
        status = self.cleaned_data.get("status") if self.is_valid() else ""
        return qs if status in UNCOUNTED_STATUSES else qs.counted()

    def filter(self, qs, now=None):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data.get("village"):
            qs = qs.filter(village=data["village"])
        if data.get("category"):
            qs = qs.filter(category=data["category"])
        if data.get("level"):
            qs = qs.filter(level=data["level"])
        if data.get("risk"):
            qs = qs.filter(risk=data["risk"])
        status = data.get("status")
        if status == "active":
            qs = qs.active()
        elif status == "overdue":
            qs = qs.overdue(now)
        elif status == "done":
            qs = qs.resolved()
        elif status:
            qs = qs.filter(status=status)
        if data.get("source"):
            qs = qs.filter(source=data["source"])
        tz = timezone.get_current_timezone()
        if data.get("start"):
            qs = qs.filter(received_at__gte=dt.datetime.combine(data["start"], dt.time(),
                                                               tzinfo=tz))
        if data.get("end"):
            qs = qs.filter(received_at__lt=dt.datetime.combine(
                data["end"] + dt.timedelta(days=1), dt.time(), tzinfo=tz))
        if data.get("q"):
            # A party's name too (issue 19 §3): the case list finds 王建国's cases.
            parties = CaseParty.objects.filter(case=OuterRef("pk"),
                                               resident__name__contains=data["q"])
            qs = qs.filter(Q(number__icontains=data["q"]) | Q(description__icontains=data["q"])
                           | Exists(parties))
        return qs


class LedgerPeriodForm(PeriodForm):
    """The 矛盾纠纷排查化解台账's period picker: a month, quarter, year, campaign or dates
    (the period reports' own form). Empty ?kind: the list's own dates."""

    PREFIXED = ("kind", "year", "month", "quarter", "campaign", "start", "end")

    def __init__(self, *args, user, **kwargs):
        # Drawn on the list page beside the list's filters, which have a start and end too.
        kwargs.setdefault("auto_id", "ledger_%s")
        super().__init__(*args, user=user, optional=True, **kwargs)
        self.fields["kind"].label = "按期间"
        self.fields["kind"].choices = [("", "按上面的筛选"), ("month", "某月"), ("quarter", "某季度"),
                                       ("year", "某年"), ("campaign", "专项活动"),
                                       ("dates", "起止日期")]
        if not self.is_bound:
            today = timezone.localdate()
            last_month = today.replace(day=1) - dt.timedelta(days=1)
            self.initial.update(year=last_month.year, month=last_month.month)

    def list_query(self, query):
        """The list's query string with the period's dates as its own ?start=&end=, so the
        ledger holds exactly the rows the list shows for that period."""
        query = query.copy()
        for name in self.PREFIXED:
            query.pop(name, None)
        start, end, _label = self.cleaned_data["period"]
        query["start"], query["end"] = start.isoformat(), end.isoformat()
        return query


class SeenVersionForm(forms.Form):
    """The version the page showed (?version= on an action form opened from the case page,
    and the posted action's hidden field)."""

    version = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1)


# --- Corrections, withdrawal and merging (issue 19) ------------------------------------------
REASON = forms.CharField(label="更正原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                         help_text="必填，记入办理记录")


class CorrectForm(VersionedForm):
    """更正 what was recorded at intake; opens with the case's current values."""

    village = VillagePickerField(label="村(社区)", queryset=Area.objects.none(),
                                 empty_label="请选择")
    area = IntakeAreaField(label="社/小区或网格", queryset=Area.objects.none(),
                           required=False, empty_label="（不细分）")
    category = forms.ModelChoiceField(label="纠纷类别", queryset=Category.objects.all(),
                                      empty_label="请选择")
    description = forms.CharField(label="简要情况", widget=forms.Textarea(attrs={"rows": 4}),
                                  max_length=2000)
    source = forms.ChoiceField(label="来源", choices=Source.choices)
    source_ref = forms.CharField(label="来源编号", required=False, max_length=100)
    reason = REASON

    def __init__(self, *args, case, villages, **kwargs):
        super().__init__(*args, **kwargs)
        villages = villages.filter(path__startswith=case.town.path)
        self.fields["village"].queryset = villages
        self.fields["area"].queryset = areas_for_intake(list(villages.values_list("pk", flat=True)))
        self.initial = {"village": case.village_id,
                        "area": case.area_id if case.area_id != case.village_id else None,
                        "category": case.category_id, "description": case.description,
                        "source": case.source, "source_ref": case.source_ref, **self.initial}

    def clean(self):
        data = super().clean()
        village, area = data.get("village"), data.get("area")
        if village and area and not area.is_under(village):
            self.add_error("area", f"所选社/网格“{area}”不在{village}，请重新选择。")
        return data


class CorrectPartiesForm(PartyForm, VersionedForm):
    """Remove parties registered by mistake and add one: the added party is the intake's
    PartyForm (its fields and checks), under its own labels."""

    remove = forms.ModelMultipleChoiceField(label="删除登记错的当事人", required=False,
                                            queryset=Resident.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)
    reason = REASON
    field_order = ["remove", "name", "id_number", "phone", "address", "reason"]

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "增加当事人：姓名"
        self.fields["address"].help_text = ""
        field = self.fields["remove"]
        field.queryset = Resident.objects.filter(pk__in=case.party_links.values("resident"))
        field.label_from_instance = lambda r: r.name

    @staticmethod
    def added(data):
        """The party to add, from cleaned_data, as register_case's `parties` take them."""
        if not data.get("name"):
            return []
        return [{k: data.get(k, "") for k in ("name", "id_number", "phone", "address")}]


class RegradeForm(VersionedForm):
    risk = forms.ChoiceField(label="风险等级", choices=Risk.choices)
    reason = forms.CharField(label="调整原因", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="必填。红色风险可越级上报，并即时告知包村领导")

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = {"risk": case.risk, **self.initial}


class WithdrawForm(VersionedForm):
    reason = forms.CharField(label="撤销原因", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="必填。撤销的案件保留备查，不计入任何统计")


class MergeForm(VersionedForm):
    duplicate = forms.CharField(label="重复案件编号", max_length=30,
                                help_text="同一纠纷另行登记的案件（填其案件编号）："
                                          "其当事人、附件并入本案，原案件保留并标记为已合并，只计一次")
    reason = forms.CharField(label="合并原因", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.case, self.user = case, user

    def clean_duplicate(self):
        number = self.cleaned_data["duplicate"].strip()
        found = Case.objects.visible_to(self.user).filter(number=number).first()
        if found is None:
            raise ValidationError(f"没有找到编号为“{number}”的案件，或不在您的辖区内。")
        if found.pk == self.case.pk:
            raise ValidationError("不能把案件合并到它自己。")
        return found
