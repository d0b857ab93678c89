"""Centre standardisation (阵地建设): each town's and village's centre, checked against the
六有/八化 items, upgraded (巩固提升) and named a demonstration centre."""

from django.db import models
from django.utils import timezone

from grids.access import q_under_user_areas
from grids.models import Area
from pingxiang.uploads import UploadTo

from .common import User


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


class CentreQuerySet(models.QuerySet):
    def visible_to(self, user):
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
