"""Dispute cases (矛盾纠纷) on the "五级九天" ladder, and the policy data that drives it.

Policy (levels, categories, referral recipients, timings, the working-day calendar) is data
an administrator edits in the admin; defaults come from data migrations.
Every change of a Case's state goes through cases.actions.
"""

import copy

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import F, Q
from django.utils import timezone

from grids.models import Area, Resident
from pingxiang.held import Held
from pingxiang.uploads import UploadTo

# --- Policy data --------------------------------------------------------------------------
# Policy an area above the towns (a county, or the city) may set for itself where it differs
# from the installation's: its own extra holidays and make-up workdays, its own receivers of
# a ladder level. The nearest area's row wins, then the installation's.
POLICY_AREA_KINDS = ("county", "city")


def _check_policy_area(area, errors, field="area"):
    if area is not None and area.kind not in POLICY_AREA_KINDS:
        errors[field] = "只能选择县(区)或市，各镇沿用所属县(区)的设置。"


class CalendarDay(models.Model):
    """An override of the official calendar for one date (or a whole imported year): for the
    whole installation, or only for one county (or city) and the towns under it."""

    date = models.DateField("日期")
    is_working_day = models.BooleanField("工作日", default=True)
    note = models.CharField("说明", max_length=100, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="适用县(区)", limit_choices_to={"kind__in": POLICY_AREA_KINDS},
        help_text="留空：全系统适用；选择县(区)或市：只对其所辖案件适用，优先于全系统设置。")

    class Meta:
        verbose_name = "工作日历"
        verbose_name_plural = "工作日历（节假日与调休）"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date"], condition=Q(area__isnull=True),
                                    name="calendar_day_unique_installation"),
            models.UniqueConstraint(fields=["area", "date"], condition=Q(area__isnull=False),
                                    name="calendar_day_unique_area"),
        ]

    def __str__(self):
        where = f"（{self.area}）" if self.area_id else ""
        return f"{self.date:%Y-%m-%d} {'上班' if self.is_working_day else '休息'}{where}"

    def clean(self):
        errors = {}
        _check_policy_area(self.area, errors)
        if errors:
            raise ValidationError(errors)


class HandlerKind(models.TextChoices):
    GRID_WORKERS = "grid_workers", "网格员（案件所在网格/村）"
    VILLAGE_CADRES = "village_cadres", "村(社区)干部"
    CENTRE_STAFF = "centre_staff", "镇综治中心工作人员"
    VILLAGE_LEADERS = "village_leaders", "包村领导（无则镇领导）"
    TOWN_LEADERS = "town_leaders", "镇领导"
    COUNTY_STAFF = "county_staff", "县综治中心/县级领导"


class Level(models.Model):
    """One rung of the ladder: who handles, and how long they have."""

    number = models.PositiveSmallIntegerField("层级", unique=True)
    name = models.CharField("名称", max_length=60)
    handler_kind = models.CharField("承办人", max_length=32, choices=HandlerKind.choices)
    # At least one day (a limit of 0 would expire the level the moment it starts), at most a
    # month: the ladder is counted in single days.
    day_limit = models.PositiveSmallIntegerField(
        "时限（天）", validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="1至30天")
    working_days = models.BooleanField("按工作日计", default=True)
    description = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "化解层级"
        verbose_name_plural = "化解层级（五级九天）"
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}级 {self.name}"

    @classmethod
    def ladder(cls):
        """Every rung, lowest first, each with `overrides_data` (the counties' own receivers,
        LevelOverride, as [{"area", "kind", "users"}]), as the process holds them (reference);
        copies."""
        return [copy.copy(rung) for rung in _reference.get()["ladder"]]

    @classmethod
    def rung(cls, number):
        rung = next((r for r in _reference.get()["ladder"] if r.number == number), None)
        return copy.copy(rung) if rung is not None else None

    @classmethod
    def rung_for(cls, area, number):
        """The rung as it holds in `area` (a case's town, village or area): the installation's,
        with the handler and named receivers of the nearest county or city above `area` that
        set its own (LevelOverride). A copy; `named_recipient_ids` is () without an override."""
        rung = cls.rung(number)
        if rung is None:
            return None
        rung = copy.copy(rung)
        rung.named_recipient_ids = ()
        override = LevelOverride.nearest(area, number) if area is not None else None
        if override is not None:
            kind, rung.named_recipient_ids = override
            rung.handler_kind = kind or rung.handler_kind
        return rung

    @classmethod
    def ladder_for(cls, area):
        """Every rung as it holds in `area` (rung_for each), lowest first."""
        return [cls.rung_for(area, r.number) for r in cls.ladder()]


class LevelOverride(models.Model):
    """A county's (or the city's) own receivers for one rung of the ladder, where its policy
    differs from the installation's: another kind of handler, or named people (县级 level 5
    going to the county's 联席办 staff rather than every county leader). Cases in the towns
    under the area follow it; elsewhere the Level row holds."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name="县(区)",
        limit_choices_to={"kind__in": POLICY_AREA_KINDS})
    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="overrides",
                              verbose_name="层级")
    handler_kind = models.CharField(
        "承办人", max_length=32, choices=HandlerKind.choices, blank=True,
        help_text="留空：沿用全系统该层级的承办人。")
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="指定接收人",
        help_text="填写后，该层级的案件转交和到期提醒只发给这些人（须在本县(区)或上级任职）；"
                  "留空则按承办人查找。")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "县区层级承办设置"
        verbose_name_plural = "县区层级承办设置（与全系统不同之处）"
        ordering = ["area__path", "level__number"]
        constraints = [models.UniqueConstraint(fields=["area", "level"],
                                               name="level_override_unique")]

    def __str__(self):
        return f"{self.area} {self.level}"

    def clean(self):
        errors = {}
        _check_policy_area(getattr(self, "area", None) if self.area_id else None, errors)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def nearest(cls, area, number):
        """(handler kind, receiver ids) of rung `number` at the nearest county or city at or
        above `area`, or None. Held with the ladder (Level.ladder)."""
        rung = Level.rung(number)
        held = {row["area"]: row for row in (rung.overrides_data if rung else ())}
        for pk in reversed(area.ancestor_ids()) if held else ():
            if pk in held:
                return held[pk]["kind"], tuple(held[pk]["users"])
        return None


class Category(models.Model):
    name = models.CharField("名称", max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "纠纷类别"
        verbose_name_plural = "纠纷类别"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Source(models.TextChoices):
    VISIT = "visit", "走访排查"
    WALKIN = "walkin", "群众来访"
    GRID = "grid", "网格上报"
    COURT = "court", "诉讼推送"
    POLICE = "police", "警情推送"
    PETITION = "petition", "信访转办"


PUSHED_SOURCES = {Source.COURT, Source.POLICE, Source.PETITION}


class RecipientKind(models.TextChoices):
    CENTRE_STAFF = "centre_staff", "镇综治中心工作人员"
    VILLAGE_CADRES = "village_cadres", "村(社区)干部"
    GRID_WORKERS = "grid_workers", "网格员"
    VILLAGE_LEADERS = "village_leaders", "包村领导"
    TOWN_LEADERS = "town_leaders", "镇领导"


class ReferralRoute(models.Model):
    """Who a push from a source goes to (一诉讼两推送, 一警情三推送), as data."""

    source = models.CharField("来源", max_length=16, choices=Source.choices)
    recipient = models.CharField("推送对象", max_length=32, choices=RecipientKind.choices)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "推送对象"
        verbose_name_plural = "推送对象（三调对接）"
        ordering = ["source", "recipient"]
        constraints = [models.UniqueConstraint(fields=["source", "recipient"],
                                               name="referral_route_unique")]

    def __str__(self):
        return f"{self.get_source_display()} → {self.get_recipient_display()}"


class Policy(models.Model):
    """The ladder's timings, one row (pk=1)."""

    # Bounds keep an administrator's typo from stopping the clocks (0) or from pushing a
    # reminder years away; the law's own figures (人民调解法 art. 33: 30 days) sit inside.
    warn_hours = models.PositiveSmallIntegerField(
        "到期前提醒（小时）", default=24, validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="1至168小时")
    followup_days = models.PositiveSmallIntegerField(
        "化解后回访（天）", default=7, validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="1至90天")
    max_pause_days = models.PositiveSmallIntegerField(
        "暂停计时上限（工作日）", default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)], help_text="1至60个工作日")
    jc_limit_days = models.PositiveSmallIntegerField(
        "司法确认申请期限（天）", default=30,
        validators=[MinValueValidator(1), MaxValueValidator(60)], help_text="1至60天")
    jc_remind_days_before = models.PositiveSmallIntegerField(
        "司法确认到期前提醒（天）", default=7,
        validators=[MinValueValidator(0), MaxValueValidator(59)], help_text="0表示不提前提醒")
    red_min_level = models.PositiveSmallIntegerField(
        "红色风险可直接提级到", default=3, validators=[MinValueValidator(1), MaxValueValidator(9)])

    class Meta:
        verbose_name = "时限设置"
        verbose_name_plural = "时限设置"

    def __str__(self):
        return "矛盾纠纷时限设置"

    def clean(self):
        if self.jc_remind_days_before is not None and self.jc_limit_days is not None \
                and self.jc_remind_days_before >= self.jc_limit_days:
            raise ValidationError({"jc_remind_days_before": "提醒天数应小于司法确认申请期限。"})

    @classmethod
    def current(cls):
        """The one policy row (made with the defaults when there is none), as the process
        holds it (reference); a copy."""
        return copy.copy(_reference.get()["policy"])


# --- The reference data each process holds ----------------------------------------------
# The ladder, the policy and the categories: read by every case page (three queries a
# request), changed by an administrator a few times a year. A trigger moves their version
# whenever one of their tables is written (migration cases 0010); each request reads that one
# number and the process reads them again when it has moved (pingxiang.held).

def _load_reference():
    """The data, held under the version Held read just before (pingxiang.held), both from
    the primary: a page reading from the replica would otherwise load what the replica has
    not yet replayed under the primary's newer number."""
    primary = DEFAULT_DB_ALIAS
    overrides = {}
    for row in (LevelOverride.objects.using(primary).order_by("level_id", "area_id")
                .values("level_id", "area_id", "handler_kind")
                .annotate(users=ArrayAgg("recipients", order_by="recipients",
                                         filter=Q(recipients__isnull=False), default=[]))):
        overrides.setdefault(row["level_id"], []).append(
            {"area": row["area_id"], "kind": row["handler_kind"], "users": row["users"]})
    ladder = list(Level.objects.using(primary).order_by("number"))
    for rung in ladder:
        rung.overrides_data = overrides.get(rung.pk, [])
    policies = Policy.objects.using(primary)
    return None, {
        "ladder": ladder,
        "policy": policies.filter(pk=1).first() or policies.get_or_create(pk=1)[0],
        "categories": list(Category.objects.using(primary).values_list("pk", "name")),
    }


_reference = Held("cases.reference", "cases_reference_version", _load_reference)


def category_names():
    """[(pk, name)] of every category, in their order, as the process holds them."""
    return list(_reference.get()["categories"])


class CaseCounter(models.Model):
    """The last case number issued per town and year (平襄-2026-0154)."""

    town = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "year"], name="case_counter_unique")]


# --- The case ------------------------------------------------------------------------------

    def __str__(self):
        return f"{self.town} {self.year}: {self.last}"


class Risk(models.TextChoices):
    BLUE = "blue", "蓝"
    YELLOW = "yellow", "黄"
    ORANGE = "orange", "橙"
    RED = "red", "红"


class Status(models.TextChoices):
    REGISTERED = "registered", "登记"
    ACCEPTED = "accepted", "已受理"
    MEDIATING = "mediating", "调处中"
    RESOLVED = "resolved", "已化解"
    UNRESOLVED = "unresolved", "未化解"
    FOLLOWED_UP = "followed_up", "已回访"
    ARCHIVED = "archived", "归档"
    # Kept on file, counted nowhere (issue 19): registered by mistake, or a duplicate that
    # was merged into another case (merged_into).
    WITHDRAWN = "withdrawn", "已撤销"
    MERGED = "merged", "已合并"


OPEN_STATUSES = [Status.ACCEPTED, Status.MEDIATING]  # a level clock is running
ACTIVE_STATUSES = [Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING]
UNCOUNTED_STATUSES = [Status.WITHDRAWN, Status.MERGED]  # in no figure and no default list


class ResolutionMethod(models.TextChoices):
    PEOPLE = "people", "人民调解"
    JUDICIAL = "judicial", "司法调解"
    ADMIN = "admin", "行政调解"


class CaseQuerySet(models.QuerySet):
    def counted(self):
        """Cases that count: not withdrawn (撤销) and not merged into another case."""
        return self.exclude(status__in=UNCOUNTED_STATUSES)

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def resolved(self):
        """化解 at some level (a way of resolving is recorded; reopening clears it)."""
        return self.exclude(resolution_method="")

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def running(self):
        """A level clock is running and not paused."""
        return self.open().filter(paused_at__isnull=True, deadline__isnull=False)

    def overdue(self, now=None):
        return self.running().filter(deadline__lte=now or timezone.now())

    def due_soon(self, now=None, hours=None):
        now = now or timezone.now()
        hours = Policy.current().warn_hours if hours is None else hours
        return self.running().filter(deadline__gt=now,
                                     deadline__lte=now + timezone.timedelta(hours=hours))

    def visible_to(self, user):
        from cases.access import q_visible  # lazy: cases.access imports this module

        return self.filter(q_visible(user))


class Case(models.Model):
    number = models.CharField("案件编号", max_length=30, unique=True)
    town = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name="镇")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="cases",
                                verbose_name="村(社区)")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name="所在辖区", help_text="最具体的一级：网格、社或村")
    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", null=True,
                             blank=True, verbose_name="网格")
    parties = models.ManyToManyField(Resident, through="CaseParty", related_name="cases",
                                     verbose_name="当事人")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name="纠纷类别")
    description = models.TextField("简要情况")
    risk = models.CharField("风险等级", max_length=8, choices=Risk.choices, default=Risk.BLUE)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    source_ref = models.CharField("来源编号", max_length=100, blank=True)
    source_visit_id = models.IntegerField("走访记录编号", null=True, blank=True, db_index=True)
    source_petition_id = models.IntegerField("信访件编号", null=True, blank=True, db_index=True)
    received_at = models.DateTimeField("登记时间")
    # Where the registering phone was, with consent (issue 21 §3); null without it.
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    accuracy = models.FloatField("定位精度(米)", null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      related_name="+", null=True, verbose_name="登记人")

    status = models.CharField("状态", max_length=16, choices=Status.choices,
                              default=Status.REGISTERED)
    level = models.PositiveSmallIntegerField("当前层级", null=True, blank=True)
    level_started_at = models.DateTimeField("本级开始", null=True, blank=True)
    deadline = models.DateTimeField("本级期限", null=True, blank=True)
    warned_deadline = models.DateTimeField("已提醒的期限", null=True, blank=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True,
                                verbose_name="承办人")
    instructions = models.TextField("交办意见", blank=True)
    paused_at = models.DateTimeField("暂停开始", null=True, blank=True)
    pause_ends_at = models.DateTimeField("暂停最迟至", null=True, blank=True)
    took_charge_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       related_name="+", null=True, blank=True,
                                       verbose_name="包案领导")
    took_charge_at = models.DateTimeField("包案时间", null=True, blank=True)

    resolved_at = models.DateTimeField("化解/办结时间", null=True, blank=True)
    resolved_level = models.PositiveSmallIntegerField("化解层级", null=True, blank=True)
    resolution_method = models.CharField("化解方式", max_length=16,
                                         choices=ResolutionMethod.choices, blank=True)
    unresolved_route = models.CharField("未化解去向", max_length=100, blank=True)
    followup_due_on = models.DateField("回访日期", null=True, blank=True)
    followup_notified = models.BooleanField("已提醒回访", default=False)
    jc_applied = models.BooleanField("已申请司法确认", default=False)
    jc_court = models.CharField("司法确认法院", max_length=100, blank=True)
    jc_date = models.DateField("司法确认日期", null=True, blank=True)
    jc_due_on = models.DateField("司法确认申请截止", null=True, blank=True)
    jc_reminded = models.BooleanField("已提醒司法确认", default=False)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_reason = models.TextField("撤销原因", blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_cases", verbose_name="合并到")
    version = models.PositiveIntegerField("版本", default=0)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "矛盾纠纷"
        verbose_name_plural = "矛盾纠纷"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["village", "received_at"], name="case_village_received"),
            models.Index(fields=["received_at"], name="case_received"),
            models.Index(fields=["resolved_at"], name="case_resolved"),
            models.Index(fields=["status", "level"], name="case_status_level"),
            models.Index(fields=["category", "received_at"], name="case_category_received"),
            models.Index(fields=["source", "received_at"], name="case_source_received"),
            models.Index(fields=["deadline"], name="case_deadline_open",
                         condition=Q(status__in=["accepted", "mediating"])),
            # The sweep's due-soon warning: running cases not yet warned about their deadline
            # (the ones warned drop out, so a steady minute reads none of them).
            models.Index(fields=["deadline"], name="case_deadline_unwarned",
                         condition=Q(status__in=["accepted", "mediating"],
                                     paused_at__isnull=True)
                         & ~Q(warned_deadline=F("deadline"))),
            # The sweep's expired pauses: only the paused cases are in it.
            models.Index(fields=["pause_ends_at"], name="case_pause_ends",
                         condition=Q(status__in=["accepted", "mediating"],
                                     paused_at__isnull=False)),
            models.Index(fields=["followup_due_on"], name="case_followup_due",
                         condition=Q(status="resolved", followup_notified=False)),
            models.Index(fields=["jc_due_on"], name="case_jc_due",
                         condition=Q(jc_applied=False, jc_reminded=False)),
            # The search box's "any part of the number" (number__contains, upper-cased).
            GinIndex(fields=["number"], opclasses=["gin_trgm_ops"], name="case_number_trgm"),
        ]
        permissions = [("export_case", "可导出矛盾纠纷台账")]

    def __str__(self):
        return self.number

    @property
    def is_paused(self):
        return self.paused_at is not None

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_counted(self):
        return self.status not in UNCOUNTED_STATUSES

    def timing(self, now=None):
        """'overdue' / 'due' / 'ok' / 'paused' / '' from the stored deadline."""
        if not self.is_open or self.deadline is None:
            return ""
        if self.is_paused:
            return "paused"
        now = now or timezone.now()
        if self.deadline <= now:
            return "overdue"
        if self.deadline <= now + timezone.timedelta(hours=getattr(self, "_warn_hours", 24)):
            return "due"
        return "ok"

    @property
    def timing_label(self):
        return {"overdue": "已逾期", "due": "临期", "ok": "期限内", "paused": "暂停计时"}.get(
            self.timing(), "")


class CaseParty(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="party_links")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("身份", max_length=20, default="当事人")
    # As typed at registration, for a party with no household on file (someone from outside
    # the township, or not yet registered). A household's own address wins when there is one.
    address = models.CharField("住址", max_length=200, blank=True)

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        constraints = [models.UniqueConstraint(fields=["case", "resident"],
                                               name="case_party_unique")]

    def __str__(self):
        return f"{self.case} {self.resident}"

    @property
    def home_address(self):
        """Where the party lives, for papers such as the 调解协议书: the household's address in
        the local form (西关村高家庄社45号), else the address typed on the case; never the
        name of a grid. Needs select_related("resident__household")."""
        household = self.resident.household
        return household.address if household is not None and household.address else self.address


class LevelStint(models.Model):
    """One stay of a case at a level. Whether it finished on time is frozen when the case
    leaves the level, so statistics don't change when a case is reopened later."""

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "化解"
        UNRESOLVED = "unresolved", "未化解（转出）"
        ESCALATED = "escalated", "调处不成上报"
        AUTO_ESCALATED = "auto_escalated", "超时自动上报"
        SENT_DOWN = "sent_down", "交办下级"
        WITHDRAWN = "withdrawn", "撤销或合并"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stints")
    level = models.PositiveSmallIntegerField("层级")
    started_at = models.DateTimeField("开始")
    deadline = models.DateTimeField("期限")
    ended_at = models.DateTimeField("结束", null=True, blank=True)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices, blank=True)
    on_time = models.BooleanField("按期", null=True)
    paused_days = models.PositiveSmallIntegerField("暂停工作日", default=0)

    class Meta:
        verbose_name = "层级办理记录"
        verbose_name_plural = "层级办理记录"
        ordering = ["started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=Q(ended_at__isnull=True),
                                               name="one_open_stint_per_case")]

    def __str__(self):
        return f"{self.case} 第{self.level}级"


class Referral(models.Model):
    """A push (推送) from a court, the police or the petition office, with its recipients."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="referral")
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    reference = models.CharField("来源编号", max_length=100, blank=True)
    pushed_at = models.DateTimeField("推送时间")

    class Meta:
        verbose_name = "推送"
        verbose_name_plural = "推送记录"

    def __str__(self):
        return f"{self.get_source_display()} {self.reference}"


class ReferralReceipt(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="receipts")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="case_referrals")
    as_kind = models.CharField("推送对象", max_length=32, choices=RecipientKind.choices)
    acted_at = models.DateTimeField("签收时间", null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["referral", "recipient"],
                                               name="referral_receipt_unique")]
        indexes = [models.Index(fields=["recipient"], condition=Q(acted_at__isnull=True),
                                name="referral_pending")]

    def __str__(self):
        return f"{self.referral} → {self.recipient}"


class MediationSession(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    level = models.PositiveSmallIntegerField("层级")
    held_at = models.DateTimeField("调解时间")
    place = models.CharField("地点", max_length=100, blank=True)
    participants = models.CharField("参加人员", max_length=200, blank=True)
    notes = models.TextField("调解情况")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        ordering = ["held_at", "id"]

    def __str__(self):
        return f"{self.case} 调解 {self.held_at:%Y-%m-%d}"


class Agreement(models.Model):
    """调解协议书 (written) or an oral agreement recorded by the mediator."""

    class Kind(models.TextChoices):
        WRITTEN = "written", "书面调解协议书"
        ORAL = "oral", "口头协议"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField("协议形式", max_length=10, choices=Kind.choices)
    method = models.CharField("化解方式", max_length=16, choices=ResolutionMethod.choices)
    level = models.PositiveSmallIntegerField("层级")
    facts = models.TextField("纠纷事实及争议事项")
    responsibilities = models.TextField("各方责任", blank=True)
    terms = models.TextField("协议内容")
    performance = models.TextField("履行方式、地点和期限")
    perform_by = models.DateField("履行期限", null=True, blank=True)
    reached_on = models.DateField("达成日期")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reached_on", "-id"]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()}"


class PauseRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "未批准"
        ENDED = "ended", "已恢复计时"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    reason = models.TextField("暂停理由")
    days = models.PositiveSmallIntegerField("暂停工作日数")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(
            fields=["case"], condition=Q(state__in=["pending", "approved"]),
            name="one_live_pause_per_case")]

    def __str__(self):
        return f"{self.case} 暂停{self.days}天 {self.get_state_display()}"


class FollowUp(models.Model):
    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASIC = "basic", "基本满意"
        DISSATISFIED = "dissatisfied", "不满意"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followups")
    visited_on = models.DateField("回访日期")
    carried_out = models.BooleanField("协议已履行")
    satisfaction = models.CharField("当事人满意度", max_length=16, choices=Satisfaction.choices)
    notes = models.TextField("回访情况", blank=True)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    reopened = models.BooleanField("重新调处", default=False)

    class Meta:
        ordering = ["-visited_on", "-id"]

    def __str__(self):
        return f"{self.case} 回访 {self.visited_on:%Y-%m-%d}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", "现场照片"
        AGREEMENT = "agreement", "协议扫描件"
        OTHER = "other", "其他材料"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    file = models.FileField("文件", upload_to=UploadTo("cases"))
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name
