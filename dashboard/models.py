from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from grids.access import q_under_user_areas
from pingxiang.periods import PeriodKind
from pingxiang.uploads import UploadTo


class DailyStat(models.Model):
    """The nightly snapshot: one value per village, metric and day. Re-running a day
    replaces that day's rows (upsert on the unique key), never adds to them."""

    day = models.DateField("日期")
    village = models.ForeignKey("grids.Area", on_delete=models.CASCADE, related_name="+",
                                verbose_name="村(社区)")
    metric = models.CharField("指标", max_length=64)
    value = models.IntegerField("数值")
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        db_table = "pingxiang_dailystat"  # created by the kernel before this app existed
        verbose_name = "每日统计"
        verbose_name_plural = "每日统计"
        constraints = [
            models.UniqueConstraint(fields=["day", "village", "metric"], name="dailystat_once")
        ]
        indexes = [models.Index(fields=["metric", "day"], name="dailystat_metric_day")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.metric} {self.value}"


class ClosedFigure(models.Model):
    """A finished campaign's figure as it stood at the campaign's end, per owning area (a
    village, or a town for its own records): written once the campaign is over (the nightly
    statistics of the day after its end, or the first time it is asked for later), then read
    instead of computing again, so a closed book's numbers do not move with today's data.
    Figures that are a state of "now" (registered households, overdue key persons) are taken
    from the nightly snapshot of the end date (DailyStat) when there is one."""

    campaign = models.ForeignKey("grids.Campaign", on_delete=models.CASCADE,
                                 related_name="+", verbose_name="专项活动")
    owner = models.ForeignKey("grids.Area", on_delete=models.CASCADE, related_name="+",
                              verbose_name="所属区域")
    metric = models.CharField("指标", max_length=64)
    value = models.IntegerField("数值")
    source = models.CharField("来源", max_length=16)  # "snapshot" (DailyStat) or "computed"
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        verbose_name = "活动结束时数字"
        verbose_name_plural = "活动结束时数字"
        constraints = [models.UniqueConstraint(fields=["campaign", "owner", "metric"],
                                               name="closedfigure_once")]

    def __str__(self):
        return f"{self.campaign_id} {self.metric} {self.value}"


class ClosedTable(models.Model):
    """A finished campaign's breakdown table (disputes by level, category and source,
    petitions by channel, hazards by category...) for one area, as it stood at the campaign's
    end: written with its ClosedFigure rows for the campaign's area, the areas above it and
    every town and village beneath it (the first time it is asked for, for any other area),
    then read instead of computing again. A table is not a sum of owners' values (its rows
    are categories), so it is kept per area whole, as the dashboard draws it."""

    campaign = models.ForeignKey("grids.Campaign", on_delete=models.CASCADE,
                                 related_name="+", verbose_name="专项活动")
    area = models.ForeignKey("grids.Area", on_delete=models.CASCADE, related_name="+",
                             verbose_name="范围")
    code = models.CharField("分类统计表", max_length=64)
    table = models.JSONField("表格", encoder=DjangoJSONEncoder)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        verbose_name = "活动结束时分类统计表"
        verbose_name_plural = "活动结束时分类统计表"
        constraints = [models.UniqueConstraint(fields=["campaign", "area", "code"],
                                               name="closedtable_once")]

    def __str__(self):
        return f"{self.campaign_id} {self.area_id} {self.code}"


class Rollup(models.Model):
    """The figures kept current per owning area (a village, or a town or county for its own
    records), day and metric (dashboard.rollups): for a flow, what was dated that day; for a
    stock, what was added that day (the first day holds everything until then). Only
    non-zero values are stored. Unlike the nightly snapshot (DailyStat, the record of each
    day as it stood), a correction of a past day rewrites that day's rollup."""

    day = models.DateField("日期")
    owner = models.ForeignKey("grids.Area", on_delete=models.CASCADE, related_name="+",
                              verbose_name="所属区域")
    metric = models.CharField("指标", max_length=64)
    value = models.IntegerField("数值")

    class Meta:
        verbose_name = "指标日汇总"
        verbose_name_plural = "指标日汇总"
        constraints = [models.UniqueConstraint(fields=["metric", "day", "owner"],
                                               name="rollup_once")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.metric} {self.value}"


class RollupDirty(models.Model):
    """A day whose rollups a write changed: (table, day), written by a trigger on every
    table a rolled-up metric counts from (dashboard.rollups), read and deleted by the
    per-minute refresh. Several rows for the same day are fine: one recompute serves them."""

    id = models.BigAutoField(primary_key=True)
    source = models.CharField("表", max_length=64)
    day = models.DateField("日期")

    class Meta:
        verbose_name = "待重算日"
        verbose_name_plural = "待重算日"

    def __str__(self):
        return f"{self.source} {self.day:%Y-%m-%d}"


class RollupState(models.Model):
    """One row: the first day the rollups hold (a period starting earlier is computed
    live), and a version the refresh moves when it changed anything (the dashboard's cache
    key). No row: the rollups were never built, every figure is computed live."""

    first_day = models.DateField("起始日期")
    version = models.PositiveBigIntegerField("版本", default=1)
    refreshed_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "指标日汇总状态"
        verbose_name_plural = "指标日汇总状态"

    def __str__(self):
        return f"{self.first_day:%Y-%m-%d} v{self.version}"


class PeriodReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports of the areas the user sees (their own area and below)."""
        return self.filter(q_under_user_areas(user, "area"))


class PeriodReport(models.Model):
    """A period report (月报/季报/年报, a campaign's, or free dates) for one area: the
    background job that writes the workbook and, once done, its entry in the area's report
    archive. Monthly reports made by the beat are `automatic`, one per area and month
    (a unique constraint: the beat may run twice)."""

    Kind = PeriodKind  # the kernel's, shared with the ledgers' period picker

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    area = models.ForeignKey("grids.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name="范围")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    campaign = models.ForeignKey("grids.Campaign", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name="专项活动")
    label = models.CharField("期间", max_length=120)
    automatic = models.BooleanField("自动生成", default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name="申请人")
    status = models.CharField("状态", max_length=8, choices=Status.choices,
                              default=Status.QUEUED)
    total = models.PositiveIntegerField("步骤数", default=0)
    progress = models.PositiveIntegerField("已完成步骤", default=0)
    file = models.FileField("文件", upload_to=UploadTo("dashboard/reports"), blank=True)
    filename = models.CharField("文件名", max_length=160, blank=True)
    error = models.CharField("错误", max_length=200, blank=True)
    created_at = models.DateTimeField("申请时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = PeriodReportQuerySet.as_manager()

    class Meta:
        verbose_name = "期间报表"
        verbose_name_plural = "期间报表"
        ordering = ["-end", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["area", "kind", "start", "end"],
                                    condition=models.Q(automatic=True),
                                    name="periodreport_auto_once"),
        ]
        indexes = [models.Index(fields=["area", "end"], name="periodreport_area_end")]

    def __str__(self):
        return f"{self.area} {self.label}"

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(self.progress * 100 / self.total)) if self.total else 0
