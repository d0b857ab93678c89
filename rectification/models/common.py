"""What the sub-domains share: the local date, the policy row the administrator edits, and
background exports (of the hazard ledger and of supervision issue lists)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from pingxiang.requestcache import memo
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
        return memo("rectification.Policy", lambda: cls.objects.order_by("pk").first() or cls())


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
