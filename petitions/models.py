"""Petitions (信访) from every channel, tracked on the statutory clock to closure.

Time limits are rows of TimeLimit (an administrator edits them in the admin); the action
that starts a clock writes its deadline into an indexed column, and petitions.sweeps
reminds and flags overdue from those columns. Pages derive on-time/overdue from them too.

Confidentiality: who filed a petition and what it says is read only through
petitions.access (centre staff of the area and the leader in charge); everyone else who
answers for the area sees the public columns in PUBLIC_FIELDS and nothing more.
"""

import datetime as dt
import re

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grids.access import q_under_user_areas
from grids.models import Area, Resident
from pingxiang.uploads import UploadTo


class TimeLimit(models.Model):
    """One statutory time limit in calendar days (信访工作条例), editable as data."""

    class Code(models.TextChoices):
        DECIDE = "decide", "登记后决定是否受理并告知"
        HANDLE = "handle", "受理后办结"
        EXTEND = "extend", "延期最长天数"
        REVIEW_REQUEST = "review_request", "收到答复后申请复查"
        REVIEW_ANSWER = "review_answer", "复查答复"
        RECHECK_REQUEST = "recheck_request", "收到复查意见后申请复核"
        RECHECK_ANSWER = "recheck_answer", "复核答复"

    code = models.CharField("代码", max_length=32, choices=Code.choices, unique=True)
    # At least a day (0 would make every petition overdue on arrival), at most a year.
    days = models.PositiveSmallIntegerField(
        "天数（自然日）", validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="1至365天")
    remind_days_before = models.PositiveSmallIntegerField(
        "提前提醒天数", default=3, validators=[MaxValueValidator(60)],
        help_text="到期前几天提醒承办人；0 表示不提前提醒")
    basis = models.CharField("依据", max_length=100, blank=True)

    class Meta:
        verbose_name = "信访办理时限"
        verbose_name_plural = "信访办理时限"
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_code_display()}：{self.days}日"

    def clean(self):
        if self.days is not None and self.remind_days_before is not None \
                and self.remind_days_before >= self.days:
            raise ValidationError({"remind_days_before": "提醒天数应小于时限天数。"})


class Category(models.Model):
    """信访事项分类 (reference data)."""

    name = models.CharField("名称", max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "信访事项分类"
        verbose_name_plural = "信访事项分类"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class PlatformFormat(models.Model):
    """The shape of a platform's work-order number (民生信息平台, 12345, 网上信访): an import
    refuses a number that does not match, so a column mix-up or a number from another
    platform never becomes a petition. Data an administrator edits, not code."""

    channel = models.CharField("平台", max_length=16, unique=True,
                               choices=[("livelihood", "民生信息平台"), ("phone", "12345"),
                                        ("online", "网上信访")])
    pattern = models.CharField("编号格式（正则表达式）", max_length=200,
                               help_text="整个编号须符合，如 MS\\d{9}")
    example = models.CharField("示例", max_length=60)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "平台工单编号格式"
        verbose_name_plural = "平台工单编号格式"
        ordering = ["channel"]

    def __str__(self):
        return f"{self.get_channel_display()}：{self.example}"

    def clean(self):
        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise ValidationError({"pattern": f"不是有效的正则表达式：{exc}"}) from exc
        if self.example and not compiled.fullmatch(self.example):
            raise ValidationError({"example": "示例不符合编号格式。"})

    def matches(self, number):
        return re.fullmatch(self.pattern, number) is not None


class ReceptionDayQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Days in the user's towns, and the leader's own days."""
        return self.filter(q_under_user_areas(user, "town") | Q(leader_id=user.pk))


class ReceptionDay(models.Model):
    """公开接访: a leader receives petitioners in public on a scheduled day."""

    town = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="镇")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="reception_days", verbose_name="接访领导")
    date = models.DateField("接访日期", db_index=True)
    time_range = models.CharField("时间", max_length=40, default="09:00-12:00")
    place = models.CharField("地点", max_length=100)
    topic = models.CharField("接访重点", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = ReceptionDayQuerySet.as_manager()

    class Meta:
        verbose_name = "公开接访日"
        verbose_name_plural = "公开接访安排"
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["town", "leader", "date"],
                                    name="reception_one_per_leader_day"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.place}"


class Satisfaction(models.TextChoices):
    SATISFIED = "满意", "满意"
    BASIC = "基本满意", "基本满意"
    UNSATISFIED = "不满意", "不满意"


# 双满意率 counts a rating as satisfied when it is 满意 or 基本满意 (the usual 满意率 reading:
# (满意 + 基本满意) ÷ 参评); see docs/petitions.md.
SATISFIED_VALUES = (Satisfaction.SATISFIED, Satisfaction.BASIC)


class PetitionQuerySet(models.QuerySet):
    def counted(self):
        """Petitions that count: not withdrawn (撤销, registered by mistake)."""
        return self.filter(withdrawn_at__isnull=True)

    def open(self):
        return self.filter(clock__gt="")

    def overdue(self, now=None):
        return self.filter(due_at__lt=now or timezone.now())

    def due_soon(self, now=None, days=3):
        now = now or timezone.now()
        return self.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=days))

    def visible_to(self, user):
        """Petitions whose existence the user may know (petitions.access.q_visible)."""
        from petitions.access import q_visible  # petitions.access imports this module

        return self.filter(q_visible(user))


class Petition(models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", "网上信访"
        LIVELIHOOD = "livelihood", "民生信息平台"
        LETTER = "letter", "来信"
        VISIT = "visit", "来访"
        PHONE = "phone", "来电/12345"

    class OrderType(models.TextChoices):
        HELP = "求助", "求助"
        ENQUIRY = "咨询", "咨询"
        SUGGESTION = "建议", "建议"
        COMPLAINT = "投诉", "投诉"

    class Status(models.TextChoices):
        REGISTERED = "registered", "待受理"
        ACCEPTED = "accepted", "办理中"
        NOT_ACCEPTED = "not_accepted", "不予受理"
        TRANSFERRED = "transferred", "已转送"
        CLOSED = "closed", "已办结"
        REVIEW = "review", "复查中"
        REVIEWED = "reviewed", "已复查"
        RECHECK = "recheck", "复核中"
        FINAL = "final", "复核终结"

    class Clock(models.TextChoices):
        NONE = "", "—"
        DECIDE = "decide", "受理告知"
        HANDLE = "handle", "办理"
        REVIEW = "review", "复查答复"
        RECHECK = "recheck", "复核答复"

    number = models.CharField("信访编号", max_length=20, unique=True, null=True, blank=True)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices,
                               db_index=True)
    order_type = models.CharField("工单类型", max_length=4, choices=OrderType.choices,
                                  blank=True)
    channel_ref = models.CharField("渠道编号", max_length=60, blank=True,
                                   help_text="网上信访件号、民生平台工单号、12345 工单号或来信编号")
    # Public: where and when (a grid worker sees these for their grid).
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="petitions",
                             verbose_name="所属村(社区)/网格")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                                verbose_name="村(社区)")
    town = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="镇")
    received_at = models.DateTimeField("收到时间", db_index=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices,
                              default=Status.REGISTERED, db_index=True)
    # Confidential: who and what.
    petitioner = models.ForeignKey(Resident, on_delete=models.PROTECT,
                                   related_name="petitions", verbose_name="信访人")
    co_petitioners = models.ManyToManyField(Resident, through="CoPetitioner",
                                            related_name="joint_petitions", blank=True,
                                            verbose_name="联名信访人")
    headcount = models.PositiveSmallIntegerField("人数", default=1)
    title = models.CharField("信访事项", max_length=200)
    content = models.TextField("主要诉求及事实")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name="类别")
    repeat_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="repeats", verbose_name="同一事项前次信访")
    is_repeat_petitioner = models.BooleanField("重复信访人", default=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      related_name="+", null=True, verbose_name="登记人")
    reception = models.ForeignKey(ReceptionDay, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="petitions",
                                  verbose_name="公开接访日")
    # 领导包案
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               null=True, blank=True, related_name="led_petitions",
                               verbose_name="包案领导")
    leader_assigned_at = models.DateTimeField("包案时间", null=True, blank=True)
    # The running clock: `due_at` is the deadline of `clock`; the sweep reminds at
    # `remind_at` and flags overdue at `due_at`, each once per clock (the *_clock markers).
    clock = models.CharField("当前时限", max_length=10, choices=Clock.choices, blank=True,
                             default="")
    due_at = models.DateTimeField("当前期限", null=True, blank=True, db_index=True)
    remind_at = models.DateTimeField("提醒时间", null=True, blank=True, db_index=True)
    reminded_clock = models.CharField(max_length=10, blank=True, default="")
    overdue_clock = models.CharField(max_length=10, blank=True, default="")
    # Step deadlines and results, kept for the record and the on-time rates.
    decide_due_at = models.DateTimeField("受理告知期限", null=True, blank=True)
    decided_at = models.DateTimeField("受理决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decision_reason = models.TextField("不予受理/转送理由", blank=True)
    transferred_to = models.CharField("转送机关", max_length=100, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True, db_index=True)
    handle_due_at = models.DateTimeField("办理期限", null=True, blank=True, db_index=True)
    extended_at = models.DateTimeField("延期时间", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("延期天数", null=True, blank=True)
    extension_reason = models.TextField("延期理由", blank=True)
    extension_approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                           null=True, blank=True, related_name="+",
                                           verbose_name="延期批准人")
    extension_notified_at = models.DateTimeField("告知信访人时间", null=True, blank=True)
    extension_notice_method = models.CharField("告知方式", max_length=10, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True, db_index=True)
    closed_on_time = models.BooleanField("按期办结", null=True)
    reply = models.TextField("处理意见", blank=True)
    reply_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    review_request_until = models.DateTimeField("可申请复查至", null=True, blank=True)
    review_requested_at = models.DateTimeField("申请复查时间", null=True, blank=True)
    review_reason = models.TextField("复查理由", blank=True)
    review_due_at = models.DateTimeField("复查答复期限", null=True, blank=True)
    review_answered_at = models.DateTimeField("复查答复时间", null=True, blank=True)
    review_opinion = models.TextField("复查意见", blank=True)
    recheck_request_until = models.DateTimeField("可申请复核至", null=True, blank=True)
    recheck_requested_at = models.DateTimeField("申请复核时间", null=True, blank=True)
    recheck_reason = models.TextField("复核理由", blank=True)
    recheck_due_at = models.DateTimeField("复核答复期限", null=True, blank=True)
    recheck_answered_at = models.DateTimeField("复核答复时间", null=True, blank=True)
    recheck_opinion = models.TextField("复核意见", blank=True)
    # Current satisfaction (history in Rating).
    rating_handling = models.CharField("对办理过程", max_length=4,
                                       choices=Satisfaction.choices, blank=True)
    rating_result = models.CharField("对办理结果", max_length=4,
                                     choices=Satisfaction.choices, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    # 访调对接: the dispute case made from this petition (cases app, linked at merge).
    transferred_to_case_at = models.DateTimeField("转矛盾纠纷时间", null=True, blank=True)
    dispute_case_ref = models.CharField("矛盾纠纷案件", max_length=60, blank=True)
    dispute_case_id = models.IntegerField("矛盾纠纷案件ID", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    # Issue 19: kept on file, counted nowhere; and the version corrections are checked
    # against (two people correcting at once: the second is told, nothing is overwritten).
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_reason = models.TextField("撤销原因", blank=True)
    version = models.PositiveIntegerField("版本", default=0)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = "信访件"
        verbose_name_plural = "信访件"
        ordering = ["-received_at", "-id"]
        permissions = [("export_petition", "导出信访台账")]
        constraints = [
            models.UniqueConstraint(fields=["channel", "channel_ref"],
                                    condition=~Q(channel_ref=""),
                                    name="petition_channel_ref_unique"),
            models.CheckConstraint(
                condition=Q(channel="livelihood", order_type__gt="") | Q(order_type=""),
                name="petition_order_type_only_livelihood"),
            models.CheckConstraint(condition=Q(extension_days__isnull=True) |
                                   Q(extension_days__gte=1),
                                   name="petition_extension_positive"),
        ]
        indexes = [
            models.Index(fields=["village", "received_at"], name="petition_village_received"),
            models.Index(fields=["channel", "received_at"], name="petition_channel_received"),
            # The search box's "any part of the number" (number__contains, upper-cased).
            GinIndex(fields=["number"], opclasses=["gin_trgm_ops"], name="petition_number_trgm"),
        ]

    def __str__(self):
        return self.number or f"信访件#{self.pk}"

    @property
    def is_open(self):
        return bool(self.clock)

    def deadline_state(self, now=None):
        return deadline_state(self.due_at, now)


def deadline_state(due_at, now=None, *, soon_days=3):
    """'overdue' / 'due' (within soon_days) / 'ok' / '' — what the tag on a page shows."""
    if due_at is None:
        return ""
    now = now or timezone.now()
    if due_at < now:
        return "overdue"
    if due_at < now + dt.timedelta(days=soon_days):
        return "due"
    return "ok"


# What someone who may only know that a petition exists may read.
PUBLIC_FIELDS = ("id", "number", "channel", "order_type", "received_at", "status", "area_id",
                 "village_id", "town_id", "clock", "due_at", "closed_at", "accepted_at",
                 "leader_id", "reception_id", "withdrawn_at")


class CoPetitioner(models.Model):
    """联名: the other named petitioners of a joint petition."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE,
                                 related_name="co_petitioner_links")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "联名信访人"
        verbose_name_plural = "联名信访人"
        constraints = [models.UniqueConstraint(fields=["petition", "resident"],
                                               name="copetitioner_unique")]

    def __str__(self):
        return str(self.resident_id)


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=UploadTo("petitions"))
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=60, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name


class Rating(models.Model):
    """One satisfaction visit/call: handling and result rated separately."""

    class Method(models.TextChoices):
        PHONE = "电话回访", "电话回访"
        VISIT = "上门回访", "上门回访"
        ONLINE = "网上评价", "网上评价"
        SMS = "短信评价", "短信评价"

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="ratings")
    handling = models.CharField("对办理过程", max_length=4, choices=Satisfaction.choices)
    result = models.CharField("对办理结果", max_length=4, choices=Satisfaction.choices)
    method = models.CharField("评价方式", max_length=8, choices=Method.choices)
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="记录人")
    recorded_at = models.DateTimeField("评价时间", default=timezone.now)

    class Meta:
        verbose_name = "满意度评价"
        verbose_name_plural = "满意度评价"
        ordering = ["recorded_at", "id"]

    def __str__(self):
        return f"办理{self.handling}／结果{self.result}"
