from django.db import models
from django.utils import timezone


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
