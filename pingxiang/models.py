"""What every app shares: the audit trail, the access log, the in-app inbox, the heartbeat."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("记录只可追加，不能修改。")

    def delete(self):
        raise PermissionError("记录只可追加，不能删除。")


class AppendOnlyModel(models.Model):
    """Rows are inserted once and never changed. Enforced here for the ORM and by a
    PostgreSQL trigger (migration 0002) for everything else, the admin included."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("记录只可追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("记录只可追加，不能删除。")


class AuditEvent(AppendOnlyModel):
    """One row per change of state: who, when, which object, from what to what, and why.

    Written only by the action functions that change state (pingxiang.audit.record);
    it is also the timeline shown on each object's page.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    action = models.CharField("动作", max_length=64)
    action_label = models.CharField("动作名称", max_length=64, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    from_state = models.CharField("原状态", max_length=64, blank=True)
    to_state = models.CharField("新状态", max_length=64, blank=True)
    reason = models.TextField("理由/说明", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录（审计）"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action_label or self.action} {self.object_repr}"

    @property
    def sentence(self):
        """The timeline line as a sentence: "张明 于 2026-11-29 10:00 登记了案件", "… 记录调解，
        将状态由 受理（1级） 改为 调解中（1级）". No "— →": a state is named only when there is
        one, and a change only when the state changed. An app may set `what` on the row
        (the case page: "上报至第3级（镇综治中心）") to say more than the action's label."""
        who = self.actor_name or "系统"
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")
        label = self.action_label or self.action
        what = getattr(self, "what", "") or label
        before, after = self.from_state, self.to_state
        if before and after and before != after:
            return f"{who} 于 {when} {what}，将状态由 {before} 改为 {after}"
        if not before and after == label and len(label) <= 2:  # 登记 → 登记了案件
            noun = ContentType.objects.get_for_id(self.content_type_id).model_class()
            return f"{who} 于 {when} {what}了{noun._meta.verbose_name if noun else ''}"
        if after and after != what:
            return f"{who} 于 {when} {what}，状态为 {after}"
        return f"{who} 于 {when} {what}"


class AccessEvent(AppendOnlyModel):
    """Reads and exports of confidential records, reveals of ID numbers, logins."""

    class Kind(models.TextChoices):
        VIEW = "view", "查看"
        EXPORT = "export", "导出"
        REVEAL = "reveal", "查看完整证件号"
        DOWNLOAD = "download", "下载附件"
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOGOUT = "logout", "退出"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    detail = models.CharField("说明", max_length=500, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        verbose_name = "访问记录"
        verbose_name_plural = "访问记录（敏感信息）"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()} {self.object_repr}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app inbox message. `key` makes each notification happen once per recipient:
    a sweep that runs twice inserts with ignore_conflicts and the second insert is a no-op."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField("去重键", max_length=200)
    created_at = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("类型", max_length=32, blank=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self):
        return self.title


class Heartbeat(models.Model):
    """Last time the beat-scheduled heartbeat task ran through a worker."""

    name = models.CharField(max_length=32, primary_key=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = "心跳"
        verbose_name_plural = "心跳"

    def __str__(self):
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
