"""Supervision (督导检查): teams, rounds, visits and the issue lists they hand out."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from grids.access import q_under_user_areas
from grids.models import Area
from pingxiang.roles import Role
from pingxiang.uploads import UploadTo

from .common import User, today
from .inspections import Campaign


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


# Who sees a town's supervision teams (besides their members). Here, not in access.py,
# because the teams' visible_to reads it and access.py imports this module.
SUPERVISION_VIEWERS = (Role.SUPERVISOR, Role.CENTRE_STAFF, Role.LEADER, Role.ADMIN)


class SupervisionTeamQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Teams of a town the user oversees (SUPERVISION_VIEWERS), and the user's own."""
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

    @property
    def label(self):
        """How the supervision pages name a member: 王志刚（镇纪委·组长）."""
        return f"{self.name}（{self.unit}{'·组长' if self.is_leader else ''}）"


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
