"""Special campaigns, inspections of key places, the hazard closed loop, supervision issue
lists, centre standardisation (阵地建设), legal-awareness activities, background exports.

Every status change goes through rectification.actions; deadlines are indexed date columns
read by rectification.sweeps and by the pages (so overdue flags are right with no worker).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grids.models import Area, KeyPlace
from pingxiang.uploads import UploadTo

User = settings.AUTH_USER_MODEL


def today():
    return timezone.localdate()


# --- Reference data (editable by administrators; defaults from migration 0002) -----------

class Policy(models.Model):
    """One row of settings the administrator may change without a deploy."""

    due_soon_days = models.PositiveSmallIntegerField(
        "临期提醒天数", default=3, validators=[MaxValueValidator(60)],
        help_text="整改时限前多少天提醒责任人（0至60）")
    export_sync_limit = models.PositiveIntegerField(
        "直接下载的最大行数", default=2000,
        validators=[MinValueValidator(1), MaxValueValidator(100000)],
        help_text="超过此行数的导出在后台生成，完成后下载（1至100000）")
    default_deadline_days = models.PositiveSmallIntegerField(
        "默认整改天数", default=15, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="交办时默认的整改时限（自交办日起，自然日；1至365）")

    class Meta:
        verbose_name = "隐患整改参数"
        verbose_name_plural = "隐患整改参数"

    def __str__(self):
        return "隐患整改参数"

    @classmethod
    def current(cls):
        from pingxiang.requestcache import memo

        return memo("rectification.Policy", lambda: cls.objects.order_by("pk").first() or cls())


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


class IssueCategory(models.Model):
    name = models.CharField("名称", max_length=30, unique=True)
    concerns_centre = models.BooleanField(
        "涉及综治中心阵地", default=False, help_text="此类问题关联到被督导村(社区)的综治中心")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "督导问题类别"
        verbose_name_plural = "督导问题类别"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class StandardItem(models.Model):
    """One line of the 六有 / 八化 checklist. Only the 六有 and the first 八化 item are
    confirmed by sources; the rest are editable guesses (domain.md §4.1)."""

    class Group(models.TextChoices):
        SIX_HAVES = "六有", "六有"
        EIGHT = "八化", "八化"

    group = models.CharField("类别", max_length=4, choices=Group.choices)
    name = models.CharField("内容", max_length=40)
    confirmed = models.BooleanField("有据可查", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "阵地建设标准项"
        verbose_name_plural = "阵地建设标准项（六有、八化）"
        ordering = ["group", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="standard_item_unique")]

    def __str__(self):
        return f"{self.group}·{self.name}"


# --- Campaigns and inspections ---------------------------------------------------------------

class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A campaign is seen by anyone whose areas lie under its scope or above it."""
        from grids.access import area_paths

        paths = area_paths(user)
        if not paths:
            return self.none()
        q = Q()
        for path in paths:
            q |= Q(scope__path__startswith=path)
            ancestors = [p for p in path.strip("/").split("/") if p]
            q |= Q(scope_id__in=[int(p) for p in ancestors])
        return self.filter(q)


class Campaign(models.Model):
    name = models.CharField("专项整治名称", max_length=60)
    scope = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                              verbose_name="范围")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    focus = models.TextField("重点内容", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "专项整治"
        verbose_name_plural = "专项整治"
        ordering = ["start_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["scope", "name", "start_date"],
                                               name="campaign_unique")]
        indexes = [models.Index(fields=["start_date", "end_date"], name="campaign_period")]

    def __str__(self):
        return self.name

    @property
    def is_current(self):
        d = today()
        return self.start_date <= d and (self.end_date is None or d <= self.end_date)


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        from grids.access import q_under_user_areas

        return self.filter(q_under_user_areas(user, "area", village="village"))

    def counts(self):
        """Inspections and distinct places inspected (the "3 places, 6 inspections" form)."""
        return self.aggregate(
            inspections=models.Count("pk"),
            places=models.Count("place", distinct=True),
        )

    def counts_by_place_kind(self):
        return {
            row["place_kind"]: row
            for row in self.exclude(place_kind="").values("place_kind").annotate(
                inspections=models.Count("pk"), places=models.Count("place", distinct=True),
            ).order_by("place_kind")
        }


class Inspection(models.Model):
    class Target(models.TextChoices):
        PLACE = "place", "重点场所"
        ROAD = "road", "路段"
        AREA = "area", "区域"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="inspections", verbose_name="专项整治")
    target = models.CharField("检查对象类型", max_length=8, choices=Target.choices)
    place = models.ForeignKey(KeyPlace, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="inspections", verbose_name="重点场所")
    place_kind = models.CharField("场所类别", max_length=20, blank=True,
                                  help_text="检查时场所的类别（统计用）")
    sequence = models.PositiveSmallIntegerField(
        "检查次序", default=1, help_text="同一专项中对同一场所的第几次检查")
    road_section = models.CharField("路段/区域", max_length=120, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="所属辖区")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                                verbose_name="村(社区)", null=True)
    date = models.DateField("检查日期")
    members = models.CharField("检查人员", max_length=200)
    findings = models.TextField("检查情况", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "检查记录"
        verbose_name_plural = "检查记录"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["village", "date"], name="inspection_village_date"),
            models.Index(fields=["place_kind", "date"], name="inspection_kind_date"),
            models.Index(fields=["place", "campaign"], name="inspection_place_campaign"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target="place") | Q(place__isnull=False),
                name="inspection_place_required"),
        ]

    def __str__(self):
        what = self.place.name if self.place_id else self.road_section
        return f"{self.date:%Y-%m-%d} {what}"

    @property
    def target_label(self):
        return self.place.name if self.place_id else self.road_section


# --- Hazards -----------------------------------------------------------------------------------

class HazardQuerySet(models.QuerySet):
    def visible_to(self, user):
        from grids.access import q_under_user_areas

        return self.filter(q_under_user_areas(user, "area", village="village"))

    def open(self):
        return self.exclude(status=Hazard.Status.CLOSED)

    def overdue(self, on=None):
        return self.filter(status__in=Hazard.RECTIFYING_STATES, deadline__lt=on or today())

    def with_due_flags(self):
        """Annotate `flag_due_soon` in SQL, so a list shows 临期 without a query per row."""
        import datetime as dt

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


# --- Supervision -----------------------------------------------------------------------------

class SupervisionTeamQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Teams of a town the user oversees (SUPERVISION_VIEWERS), and the user's own."""
        from grids.access import q_under_user_areas
        from rectification.access import SUPERVISION_VIEWERS  # it imports this module

        return self.filter(q_under_user_areas(user, "town", roles=SUPERVISION_VIEWERS)
                           | Q(members__user=user))


class SupervisionTeam(models.Model):
    name = models.CharField("督导组", max_length=40)
    town = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="所属镇")
    created_at = models.DateTimeField(default=timezone.now)

    objects = SupervisionTeamQuerySet.as_manager()

    class Meta:
        verbose_name = "督导组"
        verbose_name_plural = "督导组"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="team_unique")]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    class Unit(models.TextChoices):
        DISCIPLINE = "镇纪委", "镇纪委"
        CENTRE = "综治中心", "综治中心"
        JUSTICE = "司法所", "司法所"
        PETITION = "信访办", "信访办"
        OTHER = "其他", "其他"

    team = models.ForeignKey(SupervisionTeam, on_delete=models.CASCADE, related_name="members")
    name = models.CharField("姓名", max_length=30)
    unit = models.CharField("单位", max_length=10, choices=Unit.choices)
    is_leader = models.BooleanField("组长", default=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="supervision_memberships", verbose_name="平台账号")

    class Meta:
        verbose_name = "督导组成员"
        verbose_name_plural = "督导组成员"
        ordering = ["-is_leader", "pk"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="team_member_unique")]

    def __str__(self):
        return f"{self.name}（{self.unit}）"


class SupervisionRound(models.Model):
    team = models.ForeignKey(SupervisionTeam, on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField("轮次", max_length=40)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name="专项整治")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    focus = models.TextField("督导重点", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "督导轮次"
        verbose_name_plural = "督导轮次"
        ordering = ["-start_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="round_unique")]

    def __str__(self):
        return f"{self.team.name}{self.name}"


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        from grids.access import q_under_user_areas

        return self.filter(q_under_user_areas(user, "area"))


class SupervisionVisit(models.Model):
    round = models.ForeignKey(SupervisionRound, on_delete=models.PROTECT, related_name="visits")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="被督导村(社区)/镇")
    department = models.CharField("被督导部门", max_length=60, blank=True,
                                  help_text="督导镇直部门时填写")
    date = models.DateField("督导日期")
    members = models.CharField("参加人员", max_length=200)
    summary = models.TextField("督导情况", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "督导检查"
        verbose_name_plural = "督导检查"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["area", "date"], name="supervision_visit_area_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.department or self.area}"

    @property
    def target_label(self):
        return self.department or str(self.area)


class IssueQuerySet(models.QuerySet):
    def visible_to(self, user):
        from grids.access import q_under_user_areas

        return self.filter(q_under_user_areas(user, "area", village="village"))

    def overdue(self, on=None):
        return self.filter(status__in=IssueItem.RECTIFYING_STATES, deadline__lt=on or today())


class IssueItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "待交办"
        ASSIGNED = "assigned", "整改中"
        REPORTED = "reported", "待复核"
        PASSED = "passed", "复核通过"
        CLOSED = "closed", "已销号"

    RECTIFYING_STATES = ("assigned",)

    visit = models.ForeignKey(SupervisionVisit, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveSmallIntegerField("序号")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="所属辖区")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, related_name="+",
                                verbose_name="村(社区)")
    category = models.ForeignKey(IssueCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="问题类别")
    centre = models.ForeignKey("Centre", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="issues", verbose_name="涉及综治中心")
    description = models.TextField("问题描述")
    requirement = models.TextField("整改要求", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    responsible_unit = models.CharField("责任单位", max_length=60, blank=True)
    responsible_person = models.CharField("责任人", max_length=30, blank=True)
    handler = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name="平台内整改责任人")
    deadline = models.DateField("整改时限", null=True, blank=True)
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    report = models.TextField("整改情况报告", blank=True)
    reported_at = models.DateTimeField("报送时间", null=True, blank=True)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="报送人")
    rechecked_at = models.DateTimeField("复核时间", null=True, blank=True)
    rechecked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name="复核人")
    recheck_note = models.TextField("复核意见", blank=True)
    failed_rechecks = models.PositiveSmallIntegerField("复核未通过次数", default=0)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = "督导问题"
        verbose_name_plural = "督导问题清单"
        ordering = ["visit", "number"]
        constraints = [models.UniqueConstraint(fields=["visit", "number"], name="issue_number_unique")]
        indexes = [
            models.Index(fields=["village", "status"], name="issue_village_status"),
            models.Index(fields=["status", "deadline"], name="issue_status_deadline"),
        ]

    def __str__(self):
        return f"问题{self.number}：{self.description[:30]}"

    @property
    def is_overdue(self):
        return (self.status in self.RECTIFYING_STATES and self.deadline is not None
                and self.deadline < today())


class IssueEvidence(models.Model):
    class Stage(models.TextChoices):
        FOUND = "found", "问题佐证"
        REPORT = "report", "整改佐证"

    item = models.ForeignKey(IssueItem, on_delete=models.CASCADE, related_name="evidence")
    stage = models.CharField("阶段", max_length=8, choices=Stage.choices)
    file = models.FileField("文件", upload_to=UploadTo("rectification/issues"))
    content_type = models.CharField(max_length=40)
    original_name = models.CharField(max_length=120, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name or "佐证材料"

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


# --- Centre standardisation (阵地建设) ------------------------------------------------------

class CentreQuerySet(models.QuerySet):
    def visible_to(self, user):
        from grids.access import q_under_user_areas

        return self.filter(q_under_user_areas(user, "area"))


class Centre(models.Model):
    class Upgrade(models.TextChoices):
        NOT_STARTED = "not_started", "未启动"
        IN_PROGRESS = "in_progress", "提升中"
        DONE = "done", "已巩固提升"

    area = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="centre",
                                verbose_name="镇/村(社区)")
    name = models.CharField("名称", max_length=60)
    address = models.CharField("地址", max_length=120, blank=True)
    floor_area = models.PositiveIntegerField("面积(平方米)", null=True, blank=True)
    upgrade_status = models.CharField("巩固提升状态", max_length=12, choices=Upgrade.choices,
                                      default=Upgrade.NOT_STARTED)
    upgraded_on = models.DateField("完成提升日期", null=True, blank=True)
    is_demonstration = models.BooleanField("示范综治中心", default=False)
    demonstration_on = models.DateField("评为示范日期", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CentreQuerySet.as_manager()

    class Meta:
        verbose_name = "综治中心"
        verbose_name_plural = "综治中心（阵地）"
        ordering = ["area__path"]
        indexes = [
            models.Index(fields=["upgrade_status", "upgraded_on"], name="centre_upgrade"),
            models.Index(fields=["is_demonstration"], name="centre_demo"),
        ]

    def __str__(self):
        return self.name


class CentreCheck(models.Model):
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="checks")
    item = models.ForeignKey(StandardItem, on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField("达标", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "对标检查"
        verbose_name_plural = "对标检查"
        constraints = [models.UniqueConstraint(fields=["centre", "item"], name="centre_check_unique")]

    def __str__(self):
        return f"{self.centre_id}·{self.item_id}"


class CentrePhoto(models.Model):
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField("照片", upload_to=UploadTo("rectification/centres"))
    content_type = models.CharField(max_length=40)
    caption = models.CharField("说明", max_length=100, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "阵地照片"
        verbose_name_plural = "阵地照片"
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.caption or "阵地照片"


# --- Legal-awareness activities (普法宣传) ---------------------------------------------------

class LegalActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        from grids.access import q_under_user_areas

        return self.filter(q_under_user_areas(user, "area", village="village"))


class LegalActivity(models.Model):
    class Form(models.TextChoices):
        MEETING = "会议宣讲", "会议宣讲"
        DOOR = "入户宣传", "入户宣传"
        WECHAT = "微信公众号", "微信公众号"
        LEAFLET = "发放宣传资料", "发放宣传资料"
        STALL = "集中宣传摆点", "集中宣传摆点"
        OTHER = "其他", "其他"

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="村(社区)/镇")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, related_name="+")
    date = models.DateField("日期")
    form = models.CharField("形式", max_length=12, choices=Form.choices)
    title = models.CharField("主题", max_length=100)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name="专项整治")
    materials = models.PositiveIntegerField("发放资料(份)", default=0)
    people_reached = models.PositiveIntegerField("受众人数", default=0)
    organiser = models.CharField("组织人", max_length=60, blank=True)
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = LegalActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "普法宣传活动"
        verbose_name_plural = "普法宣传活动"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["village", "date"], name="legal_village_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"


# --- Background exports -------------------------------------------------------------------------

class ExportJob(models.Model):
    class Kind(models.TextChoices):
        HAZARDS = "hazards", "隐患整改台账"
        ISSUES = "issues", "督导问题清单"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    progress = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=UploadTo("rectification/exports"), blank=True)
    filename = models.CharField(max_length=120, blank=True)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when a worker claims the job: a RUNNING job whose claim is older than the lease
    # (rectification.tasks.EXPORT_LEASE) belonged to a worker that died, and is claimed again.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="exportjob_user")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(self.progress * 100 / self.total)) if self.total else 0
