"""Legal-awareness activities (普法宣传)."""

from django.db import models
from django.utils import timezone

from grids.access import q_under_user_areas
from grids.models import Area

from .common import User
from .inspections import Campaign


class LegalActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
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
