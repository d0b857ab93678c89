"""Special campaigns (专项整治) and inspections of key places, road sections and areas."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from grids.access import area_paths, q_under_user_areas
from grids.models import Area, KeyPlace

from .common import User, today


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A campaign is seen by anyone whose areas lie under its scope or above it."""
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
