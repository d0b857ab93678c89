"""The hazard closed loop (隐患排查整改): 登记 → 交办 → 整改 → 验收 → 销号, with photos."""

import datetime as dt

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grids.access import q_under_user_areas
from grids.models import Area, KeyPlace
from pingxiang.uploads import UploadTo

from .common import Policy, User, today
from .inspections import Campaign, Inspection


class HazardCategory(models.Model):
    name = models.CharField("名称", max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "隐患类别"
        verbose_name_plural = "隐患类别"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class HazardQuerySet(models.QuerySet):
    def counted(self):
        """Hazards that count: not withdrawn (撤销, registered by mistake; issue 19)."""
        return self.filter(withdrawn_at__isnull=True)

    def visible_to(self, user):
        return self.filter(q_under_user_areas(user, "area", village="village"))

    def open(self):
        return self.exclude(status=Hazard.Status.CLOSED)

    def overdue(self, on=None):
        return self.filter(status__in=Hazard.RECTIFYING_STATES, deadline__lt=on or today())

    def with_due_flags(self):
        """Annotate `flag_due_soon` in SQL, so a list shows 临期 without a query per row."""
        on = today()
        horizon = on + dt.timedelta(days=Policy.current().due_soon_days)
        return self.annotate(flag_due_soon=models.ExpressionWrapper(
            Q(status__in=Hazard.RECTIFYING_STATES, deadline__gte=on, deadline__lte=horizon),
            output_field=models.BooleanField()))


class Hazard(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", "已登记"
        ASSIGNED = "assigned", "已交办"
        RECTIFYING = "rectifying", "整改中"
        SUBMITTED = "submitted", "待验收"
        VERIFIED = "verified", "验收通过"
        CLOSED = "closed", "已销号"

    class Grade(models.TextChoices):
        GENERAL = "一般", "一般"
        MAJOR = "重大", "重大"

    class Source(models.TextChoices):
        INSPECTION = "inspection", "专项检查"
        VISIT = "visit", "网格走访"
        SUPERVISION = "supervision", "督导检查"
        PUBLIC = "public", "群众举报"

    # Overdue and reminders concern the handler's part of the loop.
    RECTIFYING_STATES = ("assigned", "rectifying")

    number = models.CharField("隐患编号", max_length=20, unique=True, null=True, blank=True)
    source = models.CharField("发现途径", max_length=12, choices=Source.choices)
    source_ref = models.CharField("来源说明", max_length=200, blank=True)
    source_visit_id = models.IntegerField("来源走访记录", null=True, blank=True, db_index=True)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="hazards", verbose_name="检查记录")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="hazards", verbose_name="专项整治")
    category = models.ForeignKey(HazardCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="隐患类别")
    grade = models.CharField("隐患等级", max_length=4, choices=Grade.choices,
                             default=Grade.GENERAL)
    place = models.ForeignKey(KeyPlace, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="hazards", verbose_name="重点场所")
    location = models.CharField("具体位置", max_length=120, blank=True)
    # Where the reporter's phone was, with their consent (issue 21 §3); null without it.
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    accuracy = models.FloatField("定位精度(米)", null=True, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="所属辖区")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                                verbose_name="村(社区)", null=True)
    description = models.TextField("隐患描述")
    found_date = models.DateField("发现日期")
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True,
                                    related_name="+", verbose_name="登记人")
    status = models.CharField("状态", max_length=12, choices=Status.choices,
                              default=Status.REGISTERED)
    # 交办
    order_no = models.CharField("交办单号", max_length=40, blank=True)
    responsible_unit = models.CharField("责任单位", max_length=60, blank=True)
    responsible_person = models.CharField("责任人", max_length=30, blank=True)
    handler = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name="平台内整改责任人")
    measures = models.TextField("整改措施", blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True)
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="交办人")
    # 整改
    rectification_note = models.TextField("整改情况", blank=True)
    rectified_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    rectified_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name="整改人")
    # 验收 / 销号
    verified_at = models.DateTimeField("验收时间", null=True, blank=True)
    verified_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="验收人")
    verification_note = models.TextField("验收意见", blank=True)
    failed_verifications = models.PositiveSmallIntegerField("验收未通过次数", default=0)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    # Sweep markers: each reminder happens once.
    due_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_flagged_at = models.DateTimeField("逾期标记时间", null=True, blank=True,
                                              editable=False)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    # Issue 19: kept on file, counted nowhere; the version corrections are checked against.
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_reason = models.TextField("撤销原因", blank=True)
    version = models.PositiveIntegerField("版本", default=0)

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = "隐患"
        verbose_name_plural = "隐患"
        ordering = ["-found_date", "-pk"]
        indexes = [
            models.Index(fields=["village", "found_date"], name="hazard_village_found"),
            models.Index(fields=["category", "found_date"], name="hazard_category_found"),
            models.Index(fields=["status", "deadline"], name="hazard_status_deadline"),
            models.Index(fields=["village", "closed_at"], name="hazard_village_closed"),
            # The search box's "any part of the number" (number__contains, upper-cased).
            GinIndex(fields=["number"], opclasses=["gin_trgm_ops"], name="hazard_number_trgm"),
        ]

    def __str__(self):
        return f"{self.number or '隐患'} {self.description[:30]}"

    @property
    def is_overdue(self):
        return (self.status in self.RECTIFYING_STATES and self.deadline is not None
                and self.deadline < today())

    @property
    def is_due_soon(self):
        if hasattr(self, "flag_due_soon"):
            return self.flag_due_soon
        if self.status not in self.RECTIFYING_STATES or self.deadline is None:
            return False
        days = (self.deadline - today()).days
        return 0 <= days <= Policy.current().due_soon_days

    @property
    def days_left(self):
        return (self.deadline - today()).days if self.deadline else None


class HazardPhoto(models.Model):
    class Stage(models.TextChoices):
        BEFORE = "before", "整改前"
        AFTER = "after", "整改后"

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField("阶段", max_length=8, choices=Stage.choices)
    file = models.FileField("照片", upload_to=UploadTo("rectification/hazards"))
    content_type = models.CharField(max_length=40)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "隐患照片"
        verbose_name_plural = "隐患照片"
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return f"{self.get_stage_display()}照片"
