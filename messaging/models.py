"""Messages that reach people outside the app: who wants what where, the policy an
administrator sets, and the outbox itself (one Delivery row per notification, channel and
recipient, with an idempotency key), its attempts and the morning digests."""

import datetime as dt
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grids.models import Area
from pingxiang.people import display_name
from pingxiang.personal import validate_plain_text


class Channel(models.TextChoices):
    WECOM = "wecom", "企业微信"
    ROBOT = "robot", "企业微信群"
    SMS = "sms", "短信"


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", "即时发送（免打扰时段顺延）"
    DIGEST = "digest", "并入每日早间汇总"


PER_PROCESS_SECONDS = 5
_PER_PROCESS = {}


def _per_process(name, load):
    """A small value read from the database at most every PER_PROCESS_SECONDS in a process."""
    stamp, value = _PER_PROCESS.get(name, (None, None))
    now = time.monotonic()
    if stamp is None or now - stamp > PER_PROCESS_SECONDS:
        value = load()
        _PER_PROCESS[name] = (now, value)
    return value


def forget_cached():
    """Tests and the admin: read the policy and the labels afresh on next use."""
    _PER_PROCESS.clear()


# The whole retry schedule stays inside WeCom's duplicate-check window (4 hours): a retried
# request that a proxy answered with 5xx after WeCom had taken it is then not shown twice. (A
# request whose answer was lost is never retried: it becomes 结果不明, backends/wecom.py.)
MAX_RETRY_SPAN = 3.5 * 3600


class MessagingPolicy(models.Model):
    """Quiet hours, the morning digest, retries and rate limits: one row (pk=1), edited in the
    admin. Defaults are the issue's: quiet 22:00–07:00, digest 08:00 on working days."""

    quiet_start = models.TimeField("免打扰开始", default=dt.time(22, 0))
    quiet_end = models.TimeField("免打扰结束", default=dt.time(7, 0),
                                 help_text="开始与结束相同表示不设免打扰时段")
    digest_time = models.TimeField("早间汇总时间", default=dt.time(8, 0))
    digest_working_days_only = models.BooleanField("只在工作日发送汇总", default=True)
    digest_max_lines = models.PositiveSmallIntegerField(
        "汇总中列出的条数", default=8, validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="1至30条，其余写“等共N项”")
    max_attempts = models.PositiveSmallIntegerField(
        "最多尝试次数", default=8, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="1至20次；默认8次，间隔翻倍，约一个半小时后才判定失败")
    backoff_seconds = models.FloatField(
        "首次重试间隔（秒）", default=60,
        validators=[MinValueValidator(1), MaxValueValidator(3600)], help_text="1至3600秒，之后每次翻倍")
    backoff_max_seconds = models.FloatField(
        "最长重试间隔（秒）", default=1800,
        validators=[MinValueValidator(1), MaxValueValidator(6 * 3600)])
    lease_seconds = models.PositiveIntegerField(
        "发送租约（秒）", default=120, validators=[MinValueValidator(30), MaxValueValidator(3600)],
        help_text="工作进程领取后超过此时间未发出，退回待发送；发送中超过此时间，记为“结果不明”")
    wecom_per_minute = models.PositiveIntegerField(
        "企业微信应用消息每分钟上限", default=6000,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text="企业微信规定每个企业调用同一接口每分钟不超过1万次，其他应用也要用")
    robot_per_minute = models.PositiveSmallIntegerField(
        "每个群机器人每分钟上限", default=20, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="企业微信规定每个机器人每分钟最多20条")
    sms_per_minute = models.PositiveIntegerField(
        "短信每分钟上限", default=1000, validators=[MinValueValidator(1), MaxValueValidator(10000)])

    class Meta:
        verbose_name = "消息推送策略"
        verbose_name_plural = "消息推送策略"

    def __str__(self):
        return "消息推送策略"

    def clean(self):
        if self.backoff_max_seconds is not None and self.backoff_seconds is not None \
                and self.backoff_max_seconds < self.backoff_seconds:
            raise ValidationError({"backoff_max_seconds": "最长重试间隔不能小于首次重试间隔。"})
        if None not in (self.backoff_seconds, self.backoff_max_seconds, self.max_attempts) \
                and self.retry_span() > MAX_RETRY_SPAN:
            raise ValidationError(
                "从首次发送到最后一次重试不能超过3.5小时（企业微信只在4小时内识别重复消息，"
                "超过后重发可能让对方收到两遍），请减少尝试次数或重试间隔。")
        if self.digest_time and self.in_quiet_hours(self.digest_time):
            raise ValidationError({"digest_time": "早间汇总时间不能落在免打扰时段内。"})

    @classmethod
    def current(cls):
        policy = cls.objects.filter(pk=1).first()
        return policy or cls(pk=1)

    @classmethod
    def cached(cls):
        """current(), read at most every few seconds per process: a worker sending thousands
        of messages does not read the same row for each (an edit applies within seconds)."""
        return _per_process("policy", cls.current)

    def in_quiet_hours(self, moment):
        """Whether a local time of day falls in the quiet hours (which may run past midnight)."""
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        if start < end:
            return start <= moment < end
        return moment >= start or moment < end

    def release_time(self, at):
        """`at` itself, or the end of the quiet hours it falls in (Asia/Shanghai)."""
        local = timezone.localtime(at)
        if not self.in_quiet_hours(local.time().replace(tzinfo=None)):
            return at
        end = local.replace(hour=self.quiet_end.hour, minute=self.quiet_end.minute, second=0,
                            microsecond=0)
        if end <= local:
            end += dt.timedelta(days=1)
        return end

    def backoff(self, attempts):
        """Seconds to wait after the `attempts`-th failed attempt: doubling, capped."""
        return min(self.backoff_seconds * (2 ** max(attempts - 1, 0)), self.backoff_max_seconds)

    def retry_span(self):
        """Seconds from the first attempt to the last, if every attempt fails."""
        return sum(self.backoff(n) for n in range(1, self.max_attempts))


class KindRule(models.Model):
    """How one kind of notification (pingxiang.Notification.kind) travels: sent at once or
    gathered into the morning digest, urgent or not, which channels by default, and whether
    the area's work groups get it. Rows come with the app; an administrator edits them."""

    code = models.CharField("类型代码", max_length=32, unique=True)
    label = models.CharField("名称", max_length=60)
    mode = models.CharField("发送方式", max_length=16, choices=Mode.choices,
                            default=Mode.IMMEDIATE)
    urgent = models.BooleanField(
        "紧急", default=False,
        help_text="紧急消息立即发送（不受免打扰和汇总影响），企业微信和短信同时发送，本人不能关闭")
    wecom_default = models.BooleanField("默认发企业微信", default=True)
    sms_default = models.BooleanField("默认发短信", default=False)
    to_robot = models.BooleanField("发到所在村(社区)和镇的工作群", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "消息类型"
        verbose_name_plural = "消息类型（发送方式）"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.label

    @classmethod
    def labels(cls):
        """{code: label}, read at most every few seconds per process."""
        return _per_process("labels", lambda: dict(cls.objects.values_list("code", "label")))

    @classmethod
    def for_code(cls, code, rules=None):
        """The rule for a kind; an unknown kind is sent at once to WeCom, not urgent."""
        rules = rules if rules is not None else {r.code: r for r in cls.objects.all()}
        return rules.get(code) or cls(code=code, label=code or "其他消息")


validate_wecom_userid = RegexValidator(
    r"^[A-Za-z0-9_.@-]{1,64}$",
    "企业微信账号（UserID）由字母、数字和 _ - . @ 组成，不超过64位，可在企业微信管理后台"
    "“通讯录”中查看。")
validate_mobile = RegexValidator(r"^1[3-9]\d{9}$", "短信只能发到11位手机号（如 13800001234）。")


class Contact(models.Model):
    """Where a person is reached outside the app. The mobile number is stored here and
    nowhere else (deliveries look it up when they are sent) and shown masked on pages."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="message_contact", verbose_name="用户")
    wecom_userid = models.CharField("企业微信账号（UserID）", max_length=64, blank=True,
                                    validators=[validate_plain_text, validate_wecom_userid])
    mobile = models.CharField("手机号", max_length=11, blank=True,
                              validators=[validate_plain_text, validate_mobile])
    sms_fallback = models.BooleanField("企业微信发送失败时改发短信", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="更新人")

    class Meta:
        verbose_name = "消息接收设置"
        verbose_name_plural = "消息接收设置"

    def __str__(self):
        return f"{display_name(self.user)}的消息接收设置"


class KindChoice(models.Model):
    """A person's channels for one kind, where they differ from the kind's defaults."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="message_choices")
    kind = models.CharField("类型代码", max_length=32)
    wecom = models.BooleanField("企业微信", default=True)
    sms = models.BooleanField("短信", default=False)

    class Meta:
        verbose_name = "消息类型选择"
        constraints = [models.UniqueConstraint(fields=["user", "kind"],
                                               name="messaging_choice_once")]

    def __str__(self):
        return f"{self.kind}：企业微信{'是' if self.wecom else '否'}，短信{'是' if self.sms else '否'}"


validate_robot_name = RegexValidator(r"^[A-Za-z0-9_-]{1,40}$",
                                     "名称只能用字母、数字、_ 和 -，与 WECOM_ROBOT_KEYS 中的一致。")


class GroupRobot(models.Model):
    """A 企业微信 work group's robot: the area's group (a village's, the centre's) gets the
    area's urgent items. The webhook key is a secret and lives in the environment
    (WECOM_ROBOT_KEYS=name=key,...); this row names it."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="辖区")
    label = models.CharField("群名称", max_length=60)
    key_name = models.CharField("机器人名称", max_length=40, unique=True,
                                validators=[validate_robot_name],
                                help_text="与环境变量 WECOM_ROBOT_KEYS 中 名称=key 的名称一致")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "企业微信群机器人"
        verbose_name_plural = "企业微信群机器人"
        ordering = ["area__path", "label"]

    def __str__(self):
        return self.label


class Status(models.TextChoices):
    WAITING_DIGEST = "waiting_digest", "待汇总"
    PENDING = "pending", "待发送"
    CLAIMED = "claimed", "准备发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    DIGESTED = "digested", "已并入汇总"
    FAILED = "failed", "发送失败"
    UNKNOWN = "unknown", "结果不明"
    SETTLED = "settled", "事项已办结，未汇总"


# Where a person may resend from the failures page.
RESENDABLE = (Status.FAILED, Status.UNKNOWN)


class DeliveryQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(status=Status.PENDING, due_at__lte=now)

    def failures(self):
        return self.filter(status__in=RESENDABLE)


class Delivery(models.Model):
    """One message to one recipient (a person, or a work group's robot) on one channel: the
    transactional outbox. Written in the transaction of the in-app notification; `key` makes
    it exist once (n<notification>:<channel>, e:<event>:robot<id>, digest:<date>:...).

    pending → claimed (a worker's lease) → sending (committed before the gateway is called) →
    sent | pending again (retry, backoff) | failed (then the next channel) | unknown (the
    worker died while sending: the gateway may have it, so it is never resent by itself)."""

    key = models.CharField("幂等键", max_length=255, unique=True)
    notification = models.ForeignKey("pingxiang.Notification", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="deliveries")
    event_key = models.CharField("事件", max_length=200, blank=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="message_deliveries",
                                  verbose_name="接收人")
    robot = models.ForeignKey(GroupRobot, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="deliveries", verbose_name="工作群")
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    kind = models.CharField("类型", max_length=32, blank=True)
    urgent = models.BooleanField("紧急", default=False)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    due_at = models.DateTimeField("计划发送时间")
    enqueued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    claim = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField("最近发送时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送成功时间", null=True, blank=True)
    gateway_id = models.CharField("网关消息编号", max_length=128, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)
    digest = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="items", verbose_name="所在汇总")
    digest_date = models.DateField("汇总日期", null=True, blank=True)
    digest_count = models.PositiveIntegerField("汇总条数", default=0)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="followers",
                                 help_text="这条是它的改发短信或人工重发")
    resent_at = models.DateTimeField("人工重发时间", null=True, blank=True)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    updated_at = models.DateTimeField("状态更新时间", default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "消息发送"
        verbose_name_plural = "消息发送"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(robot__isnull=False),
                name="messaging_delivery_has_target"),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="pending"),
                         name="messaging_due"),
            models.Index(fields=["lease_until"], condition=Q(status="claimed"),
                         name="messaging_claimed"),
            models.Index(fields=["sending_at"], condition=Q(status="sending"),
                         name="messaging_sending"),
            models.Index(fields=["recipient", "channel"], condition=Q(status="waiting_digest"),
                         name="messaging_waiting_digest"),
            models.Index(fields=["updated_at"], condition=Q(status__in=["failed", "unknown"]),
                         name="messaging_failures"),
            models.Index(fields=["event_key"], condition=Q(robot__isnull=False),
                         name="messaging_robot_event"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()}：{self.title}"

    @property
    def target_name(self):
        return str(self.robot) if self.robot_id else display_name(self.recipient)


class DeliveryAttempt(models.Model):
    """One call to a gateway and what came of it: a delivery's own history."""

    class Outcome(models.TextChoices):
        SENT = "sent", "成功"
        RETRY = "retry", "失败，稍后重试"
        FAILED = "failed", "失败"
        UNKNOWN = "unknown", "结果不明"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts_log")
    at = models.DateTimeField("时间", default=timezone.now)
    outcome = models.CharField("结果", max_length=8, choices=Outcome.choices)
    detail = models.CharField("说明", max_length=500, blank=True)
    gateway_id = models.CharField("网关消息编号", max_length=128, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)

    class Meta:
        verbose_name = "发送记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_outcome_display()}"


class DigestRun(models.Model):
    """The morning digest of one day, built once (the date is unique)."""

    date = models.DateField("日期", unique=True)
    built_at = models.DateTimeField("生成时间", default=timezone.now)
    items = models.PositiveIntegerField("汇总条数", default=0)
    digests = models.PositiveIntegerField("汇总消息数", default=0)

    class Meta:
        verbose_name = "早间汇总"
        verbose_name_plural = "早间汇总"
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} 早间汇总"
