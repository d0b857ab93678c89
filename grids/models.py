"""The area tree every record and every user hangs on, and who is attached where."""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from pingxiang.geo import distance_expression
from pingxiang.roles import Role
from pingxiang.uploads import UploadTo


class Bigrams(models.Func):
    """px_bigrams(text): the two-character pieces of a text ({王建, 建国} for 王建国), a
    PostgreSQL function (migration grids/0014). pg_trgm answers LIKE '%…%' only from three
    characters on, and most names a search box is given are two characters: a GIN index on
    this expression answers "contains 王建" exactly, by index."""

    function = "px_bigrams"
    output_field = ArrayField(models.TextField())


class AreaQuerySet(models.QuerySet):
    def under(self, area, *, include_self=True):
        qs = self.filter(path__startswith=area.path)
        return qs if include_self else qs.exclude(pk=area.pk)

    def under_paths(self, paths):
        """Everything beneath any of the given materialised paths (one indexed query)."""
        if not paths:
            return self.none()
        q = Q()
        for path in paths:
            q |= Q(path__startswith=path)
        return self.filter(q)

    def villages(self):
        return self.filter(kind=Area.Kind.VILLAGE)

    def visible_to(self, user):
        """Every area at or beneath the user's areas (one indexed query)."""
        from grids.access import area_paths  # grids.access imports this module

        return self.under_paths(area_paths(user))


class Area(models.Model):
    """A node of (市 →) 县 → 镇 → 村(社区) → 社/小区 → 网格: one installation may carry a
    city's counties (市域社会治理, issue 22) or a single county at the top.

    `path` is the materialised path of primary keys ("/1/2/35/"), so "everything under
    this node" is one `LIKE 'path%'` on an index with varchar_pattern_ops. It is set by
    grids.actions.create_area and never edited: moving a node is not supported.
    """

    class Kind(models.TextChoices):
        CITY = "city", "市"
        COUNTY = "county", "县"
        TOWN = "town", "镇"
        VILLAGE = "village", "村(社区)"
        GROUP = "group", "社/小区"
        GRID = "grid", "网格"

    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField("层级", max_length=16, choices=Kind.choices)
    code = models.CharField("统计用区划代码", max_length=20, blank=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50)
    is_community = models.BooleanField("社区", default=False,
                                       help_text="村(社区)一级：社区为是，村为否")
    path = models.CharField("路径", max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("深度", editable=False, default=0)
    sort_order = models.PositiveIntegerField("排序", default=0)
    # 撤销: a retired 社/小区 or grid keeps its records and history but takes no new ones
    # (grids.areas.retire_area refuses while households or posts still hang on it).
    retired_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = "辖区"
        verbose_name_plural = "辖区"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="area_code_unique"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="area_name_unique_in_parent"),
        ]
        indexes = [
            models.Index(fields=["path"], name="area_path_prefix",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "path"], name="area_kind_path"),
        ]

    def __str__(self):
        return self.short_name or self.name

    def is_under(self, other):
        return self.path.startswith(other.path)

    def ancestor_ids(self):
        return [int(part) for part in self.path.strip("/").split("/") if part]


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Membership(models.Model):
    """A user's role over an area: they see everything beneath that node."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships", verbose_name="用户")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="memberships",
                             verbose_name="辖区")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    title = models.CharField("职务", max_length=60, blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位（用户-辖区-角色）"
        constraints = [
            models.UniqueConstraint(fields=["user", "area", "role"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.area}"


class Account(models.Model):
    """What grids keeps about a login beyond Django's user. `temporary_password` is the
    password hash an administrator set (new account, reset); while the user's password is
    still that hash, every page leads to the password change form (grids.middleware)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="account", verbose_name="用户")
    temporary_password = models.CharField("临时密码（哈希）", max_length=128, blank=True)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self):
        return str(self.user)


class HouseholdFlag(models.Model):
    """A tag a household can carry (外出务工, 低保, 特困, 独居老人…). Reference data: an
    administrator edits the list in the admin; defaults come from a data migration."""

    name = models.CharField("名称", max_length=20, unique=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "户标签"
        verbose_name_plural = "户标签"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class HouseholdQuerySet(models.QuerySet):
    def under(self, area):
        return self.filter(grid__path__startswith=area.path)

    def visible_to(self, user):
        from grids.access import q_under_user_areas  # grids.access imports this module

        return self.filter(q_under_user_areas(user, "grid"))

    def search(self, text):
        """One box: head's or any member's name, pinyin initials, house number, address."""
        text = (text or "").strip().lower()
        if not text:
            return self
        qs = self.alias(bigrams=Bigrams("search_text"))
        for word in text.split():
            # Two characters: by the index of the text's pieces (pg_trgm needs three).
            qs = qs.filter(bigrams__contains=[word]) if len(word) == 2 else qs.filter(
                search_text__contains=word)
        return qs

    def with_visit_flag(self, start, end):
        """Annotate `visited`: at least one visit dated within [start, end]."""
        return self.annotate(visited=Exists(
            Visit.objects.filter(household=OuterRef("pk"), visited_on__gte=start,
                                 visited_on__lte=end)))


class Household(models.Model):
    """A household (户) under a grid. Address in the local form: 西关村高家庄社45号."""

    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="households",
                             verbose_name="网格")
    house_number = models.CharField("门牌号", max_length=20)
    address = models.CharField("住址", max_length=200)
    head = models.ForeignKey("Resident", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name="户主")
    flags = ArrayField(models.CharField(max_length=20), verbose_name="户标签", default=list,
                       blank=True)
    member_count = models.PositiveSmallIntegerField("人口数", default=0)
    notes = models.CharField("备注", max_length=200, blank=True)
    # Lower-case text the one search box matches: address, house number, every member's
    # name and its pinyin initials ("wjg" for 王建国). Rebuilt by grids.actions.
    search_text = models.TextField("检索文本", blank=True, editable=False)
    # Optimistic lock for the edit page: bumped by every edit through grids.actions.
    version = models.PositiveIntegerField("版本", default=0, db_default=0, editable=False)
    # A reference position (issue 21 §3), set only by confirming a visit's position
    # (grids.actions.confirm_reference_position, audited). Personal data: see access.POSITION_ROLES.
    ref_latitude = models.FloatField("参考纬度", null=True, blank=True, editable=False)
    ref_longitude = models.FloatField("参考经度", null=True, blank=True, editable=False)
    ref_accuracy = models.FloatField("参考位置精度(米)", null=True, blank=True, editable=False)
    ref_confirmed_at = models.DateTimeField("位置确认时间", null=True, blank=True, editable=False)
    ref_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="+",
                                         editable=False, verbose_name="位置确认人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        constraints = [
            models.UniqueConstraint(fields=["grid", "house_number"], name="household_unique_number")
        ]
        # The one search box: any part of the address, a member's name or initials.
        indexes = [GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"],
                            name="household_search_trgm"),
                   # Two-character words ("王建", "wj"), which pg_trgm cannot answer.
                   GinIndex(Bigrams("search_text"), name="household_search_bigrams")]

    def __str__(self):
        return self.address


class HouseholdMove(models.Model):
    """A household moved from one grid to another on a day (history, never edited). Coverage
    counts a household in the grid it belonged to at the end of each period (grids.coverage)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="moves",
                                  verbose_name="户")
    from_grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="原网格")
    to_grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                                verbose_name="新网格")
    moved_on = models.DateField("调整日期")
    reason = models.CharField("原因", max_length=200)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="操作人")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "户的网格调整"
        verbose_name_plural = "户的网格调整"
        ordering = ["household", "moved_on", "pk"]
        indexes = [models.Index(fields=["moved_on"], name="householdmove_day")]

    def __str__(self):
        return f"{self.household} {self.from_grid} → {self.to_grid}"


class ResidentQuerySet(models.QuerySet):
    def name_contains(self, text):
        """Names containing `text`, by an index: the trigram index from three characters on,
        the two-character pieces (Bigrams) for two. One character stays a plain LIKE:
        a surname matches tens of thousands, and no index makes that list shorter."""
        if len(text) == 2:
            return self.alias(bigrams=Bigrams("name")).filter(bigrams__contains=[text])
        return self.filter(name__contains=text)


class Resident(models.Model):
    """One person, one record (一人一档): the same row wherever the person appears later,
    as a household member, a dispute party, a petitioner or a key person. Found or created
    by ID number through grids.residents.find_or_create_resident."""

    class Sex(models.TextChoices):
        MALE = "男", "男"
        FEMALE = "女", "女"

    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=2, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number = models.CharField("身份证号", max_length=18, null=True, blank=True, unique=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    household = models.ForeignKey(Household, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="members", verbose_name="所在户")
    relation = models.CharField("与户主关系", max_length=20, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="residents",
                             verbose_name="所属辖区", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=0, db_default=0, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"
        indexes = [
            models.Index(fields=["name", "phone"], name="resident_name_phone"),
            # The search box (grids.search): any part of a name, the last digits of an ID
            # or a phone number (LIKE '%1234'), answered by trigram indexes.
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="resident_name_trgm"),
            GinIndex(fields=["id_number"], opclasses=["gin_trgm_ops"], name="resident_id_trgm"),
            GinIndex(fields=["phone"], opclasses=["gin_trgm_ops"], name="resident_phone_trgm"),
            # A name's two-character pieces (Bigrams): "王建" by index.
            GinIndex(Bigrams("name"), name="resident_name_bigrams"),
        ]

    def __str__(self):
        return self.name

    @property
    def age(self):
        if not self.birth_date:
            return None
        today = dt.date.today()
        return today.year - self.birth_date.year - (
            (today.month, today.day) < (self.birth_date.month, self.birth_date.day))


class KeyPlaceQuerySet(models.QuerySet):
    def visible_to(self, user):
        from grids.access import q_under_user_areas  # grids.access imports this module

        return self.filter(q_under_user_areas(user, "grid"))


class KeyPlace(models.Model):
    """重点场所: a place watched in the campaign (logistics firm, freight station, school…),
    attached to a grid. Inspections (rectification app) and visits refer to it."""

    class Kind(models.TextChoices):
        LOGISTICS = "物流企业", "物流企业"
        FREIGHT = "货运站", "货运站"
        SCHOOL = "学校", "学校"
        NINE_SMALL = "九小场所", "九小场所"
        RENTAL = "出租房屋", "出租房屋"
        FUEL = "加油站", "加油站"
        OTHER = "其他", "其他"

    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    name = models.CharField("名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="key_places",
                             verbose_name="所属网格/辖区")
    responsible_unit = models.CharField("责任单位", max_length=100, blank=True,
                                        db_default="")
    responsible_person = models.CharField("负责人", max_length=50, blank=True)
    contact = models.CharField("联系电话", max_length=20, blank=True)
    version = models.PositiveIntegerField("版本", default=0, db_default=0, editable=False)
    # A reference position (issue 21 §3), set only by confirming a visit's position
    # (grids.actions.confirm_reference_position, audited). Personal data: see access.POSITION_ROLES.
    ref_latitude = models.FloatField("参考纬度", null=True, blank=True, editable=False)
    ref_longitude = models.FloatField("参考经度", null=True, blank=True, editable=False)
    ref_accuracy = models.FloatField("参考位置精度(米)", null=True, blank=True, editable=False)
    ref_confirmed_at = models.DateTimeField("位置确认时间", null=True, blank=True, editable=False)
    ref_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="+",
                                         editable=False, verbose_name="位置确认人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = KeyPlaceQuerySet.as_manager()

    class Meta:
        verbose_name = "重点场所"
        verbose_name_plural = "重点场所"
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="keyplace_unique_name")
        ]
        indexes = [models.Index(fields=["kind"], name="keyplace_kind")]

    def __str__(self):
        return self.name


class KeyPersonCategory(models.Model):
    """重点人员类别 (../shared/domain.md §5.5). Reference data with a default visit frequency."""

    name = models.CharField("名称", max_length=40, unique=True)
    visit_every_days = models.PositiveSmallIntegerField("默认走访频次（天）", default=30)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "重点人员类别"
        verbose_name_plural = "重点人员类别"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class KeyPersonQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=KeyPerson.Status.ACTIVE)

    def overdue(self, today=None):
        return self.active().filter(next_visit_due__lt=today or dt.date.today())

    def visible_to(self, user):
        from grids.access import q_under_user_areas  # grids.access imports this module

        return self.filter(q_under_user_areas(user, "grid"))


class KeyPerson(models.Model):
    """重点人员: a resident under watch. `next_visit_due` is the stored deadline (last visit,
    or registration, plus the frequency); pages derive overdue from it."""

    class Status(models.TextChoices):
        ACTIVE = "在管", "在管"
        RELEASED = "解除", "解除"
        MOVED = "迁出", "迁出"

    class Risk(models.TextChoices):
        BLUE = "蓝", "蓝（低）"
        YELLOW = "黄", "黄（中）"
        ORANGE = "橙", "橙（较高）"
        RED = "红", "红（高）"

    resident = models.OneToOneField(Resident, on_delete=models.PROTECT,
                                    related_name="key_person", verbose_name="居民")
    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="key_persons",
                             verbose_name="所属网格")
    categories = models.ManyToManyField(KeyPersonCategory, verbose_name="类别",
                                        related_name="key_persons")
    risk_level = models.CharField("风险等级", max_length=2, choices=Risk.choices,
                                  default=Risk.BLUE)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name="包联责任人")
    visit_every_days = models.PositiveSmallIntegerField("走访频次（天）", default=30)
    status = models.CharField("状态", max_length=4, choices=Status.choices,
                              default=Status.ACTIVE)
    last_visited_on = models.DateField("最近走访", null=True, blank=True)
    next_visit_due = models.DateField("下次走访期限", db_index=True)
    notes = models.CharField("情况说明", max_length=500, blank=True)
    version = models.PositiveIntegerField("版本", default=0, db_default=0, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = KeyPersonQuerySet.as_manager()

    class Meta:
        verbose_name = "重点人员"
        verbose_name_plural = "重点人员"
        indexes = [models.Index(fields=["grid", "status", "next_visit_due"],
                                name="keyperson_grid_due")]

    def __str__(self):
        return self.resident.name

    def is_overdue(self, today=None):
        return (self.status == self.Status.ACTIVE
                and self.next_visit_due < (today or dt.date.today()))


class Responsibility(models.Model):
    """包抓: who answers for a village, a 社/小区 or a grid (../shared/domain.md §5.1).

    科级领导包村 → village; 驻村干部/帮扶干部/村干部/治安民警包社 → 社/小区; 网格员包户 → grid
    (its households and key places). Made by grids.actions.assign_responsibility, which
    also gives the user a membership so they can see and visit what they answer for."""

    class Kind(models.TextChoices):
        VILLAGE_LEADER = "包村领导", "包村领导"
        RESIDENT_CADRE = "驻村干部", "驻村干部"
        AID_CADRE = "帮扶干部", "帮扶干部"
        VILLAGE_CADRE = "村干部", "村干部"
        POLICE = "治安民警", "治安民警"
        GRID_WORKER = "网格员", "网格员"

    # Which level of the tree each kind hangs on.
    LEVEL = {
        Kind.VILLAGE_LEADER: "village",
        Kind.RESIDENT_CADRE: "group",
        Kind.AID_CADRE: "group",
        Kind.VILLAGE_CADRE: "group",
        Kind.POLICE: "group",
        Kind.GRID_WORKER: "grid",
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="responsibilities", verbose_name="责任人")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="responsibilities",
                             verbose_name="包抓辖区")
    kind = models.CharField("包抓类型", max_length=8, choices=Kind.choices)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "包抓责任"
        verbose_name_plural = "包抓责任"
        constraints = [models.UniqueConstraint(fields=["user", "area", "kind"],
                                               name="responsibility_unique")]

    def __str__(self):
        return f"{self.user} · {self.kind} · {self.area}"


class CampaignQuerySet(models.QuerySet):
    def current(self, today=None):
        today = today or dt.date.today()
        return self.filter(start_date__lte=today, end_date__gte=today).order_by("-start_date")

    def visible_to(self, user):
        """Campaigns over an area the user can see or that contains one of their areas."""
        from grids.access import area_paths  # grids.access imports this module

        paths = area_paths(user)
        if not paths:
            return self.none()
        ids = {int(i) for p in paths for i in p.strip("/").split("/")}
        return self.filter(Q(area_id__in=ids) | Q(area__in=Area.objects.visible_to(user)))


class Campaign(models.Model):
    """专项活动: a named period of screening with its mode and focus areas. Coverage is
    households with at least one visit in [start_date, end_date] ÷ households."""

    class Mode(models.TextChoices):
        FULL = "全面排查", "全面排查"
        FOCUSED = "重点排查", "重点排查"
        SPECIAL = "专项排查", "专项排查"

    name = models.CharField("活动名称", max_length=100, unique=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="campaigns",
                             verbose_name="范围")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    mode = models.CharField("排查方式", max_length=8, choices=Mode.choices, default=Mode.FULL)
    focus = models.CharField("排查重点", max_length=200, blank=True,
                             help_text="用顿号分隔，如：婚恋纠纷、民间借贷")
    description = models.TextField("说明", blank=True)
    version = models.PositiveIntegerField("版本", default=0, db_default=0, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "专项活动"
        verbose_name_plural = "专项活动"
        ordering = ["-start_date"]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                              name="campaign_dates_ordered")]

    def __str__(self):
        return self.name

    @property
    def focus_list(self):
        return [f.strip() for f in self.focus.replace(",", "、").replace("，", "、").split("、")
                if f.strip()]

    def is_current(self, today=None):
        today = today or dt.date.today()
        return self.start_date <= today <= self.end_date


class VisitQuerySet(models.QuerySet):
    def in_period(self, start, end):
        return self.filter(visited_on__gte=start, visited_on__lte=end)

    def with_distance(self):
        """Annotate `distance_m`: metres between where the visit was recorded and its
        household's (or key place's) confirmed reference position; NULL when either is
        missing. Once: a queryset that has it (the far filter's) is returned as it is."""
        if "distance_m" in self.query.annotations:
            return self
        return self.annotate(distance_m=Coalesce(
            distance_expression("latitude", "longitude", "household__ref_latitude",
                                "household__ref_longitude"),
            distance_expression("latitude", "longitude", "key_place__ref_latitude",
                                "key_place__ref_longitude")))

    def visible_to(self, user):
        from grids.access import q_under_user_areas  # grids.access imports this module

        return self.filter(q_under_user_areas(user, "area", town="town", village="village"))

    def under(self, area):
        """The visits made at or under `area`, by its level's column (town, village)."""
        from grids.access import q_under_area  # grids.access imports this module

        return self.filter(q_under_area(area, "area", town="town", village="village"))


class Visit(models.Model):
    """One entry of the 走访台账 (../shared/domain.md §5.4).

    `findings` is a list of Finding values (empty list never: 无异常 when nothing was
    found). `persons_met` links the household members met; `persons_met_text` keeps
    their names (and anyone else met) as written on the ledger. `idempotency_key` is made
    by the browser when the form opens, so a resend or double submit saves one visit."""

    class Type(models.TextChoices):
        ROUTINE = "常规走访", "常规走访"
        KEY_PERSON = "重点人员走访", "重点人员走访"
        KEY_PLACE = "重点场所巡查", "重点场所巡查"
        FOLLOW_UP = "回访", "回访"

    class Finding(models.TextChoices):
        NONE = "无异常", "无异常"
        DISPUTE = "矛盾纠纷", "矛盾纠纷"
        HAZARD = "安全隐患", "安全隐患"
        LIVELIHOOD = "民生诉求", "民生诉求"
        POLICY = "政策咨询", "政策咨询"
        KEY_PERSON = "重点人员动态", "重点人员动态"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="visits", verbose_name="户")
    key_place = models.ForeignKey(KeyPlace, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="visits", verbose_name="重点场所")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="visits",
                             verbose_name="网格")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                                verbose_name="村(社区)")
    # The town the visit was made in, kept like the village (and like a case's town): a
    # town's ledger is counted and paged from one index on it.
    town = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             db_index=False, verbose_name="乡镇(街道)")  # visit_town_date
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="visits", verbose_name="专项活动")
    visited_on = models.DateField("走访日期")
    visit_type = models.CharField("走访类型", max_length=8, choices=Type.choices)
    persons_met = models.ManyToManyField(Resident, blank=True, related_name="visits_met",
                                         verbose_name="见到的家庭成员")
    persons_met_text = models.CharField("走访对象", max_length=200, blank=True)
    findings = ArrayField(models.CharField(max_length=8, choices=Finding.choices),
                          verbose_name="发现问题", default=list)
    notes = models.TextField("情况说明", max_length=1000, blank=True)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="visits", verbose_name="走访人")
    companions = models.CharField("同行人员", max_length=200, blank=True)
    photo = models.FileField("照片", upload_to=UploadTo("visits"), blank=True)
    idempotency_key = models.UUIDField("提交编号", unique=True)
    # Where the phone was, with the visitor's consent (issue 21 §3); null without it.
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    accuracy = models.FloatField("定位精度(米)", null=True, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访台账"
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(key_place__isnull=False),
                name="visit_has_subject"),
        ]
        indexes = [
            # Coverage: households with ≥1 visit in a period, per grid / per village.
            models.Index(fields=["area", "visited_on", "household"], name="visit_area_date"),
            models.Index(fields=["village", "visited_on", "household"],
                         name="visit_village_date"),
            models.Index(fields=["household", "visited_on"], name="visit_household_date"),
            models.Index(fields=["key_place", "visited_on"], name="visit_place_date"),
            models.Index(fields=["visitor", "visited_on"], name="visit_visitor_date"),
            # The visit ledger's page, newest first: a county's read backwards until a page
            # of its visits is found, instead of sorting all of its period's visits; a
            # town's counted (index only) and paged from its own.
            models.Index(fields=["visited_on", "id"], name="visit_date_id"),
            models.Index(fields=["town", "visited_on", "id"], name="visit_town_date"),
        ]

    def __str__(self):
        subject = self.household or self.key_place
        return f"{self.visited_on:%Y-%m-%d} {subject}"

    @property
    def subject(self):
        return self.household or self.key_place

    @property
    def findings_text(self):
        return "、".join(self.findings) or "无异常"


class VisitedHousehold(models.Model):
    """A household visited in a year, per village it was visited in, with its first visit of
    that year. Kept by triggers on grids_visit (migration grids 0017) in the writing
    statement itself, whatever wrote it (the app, an import, COPY, a shell), so it always
    says what the visits say. The households-visited figure for a period from 1 January
    (the dashboards' year to date) counts these rows; over the visits it was a COUNT
    DISTINCT, 2.2 s for a city's year (grids.metrics.households_visited)."""

    year = models.PositiveSmallIntegerField("年度")
    # Derived rows: no constraint of their own (the visits hold the keys to their areas and
    # households) and no index beyond the two below.
    village = models.ForeignKey(Area, on_delete=models.DO_NOTHING, db_constraint=False,
                                db_index=False, related_name="+", verbose_name="村(社区)")
    household = models.ForeignKey(Household, on_delete=models.DO_NOTHING, db_constraint=False,
                                  db_index=False, related_name="+", verbose_name="户")
    first_on = models.DateField("当年首次走访")

    class Meta:
        verbose_name = "年度已走访户"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["year", "village", "household"],
                                               name="visitedhousehold_key")]
        indexes = [models.Index(fields=["year", "village", "first_on"],
                                name="visitedhousehold_village")]

    def __str__(self):
        return f"{self.year} {self.household_id} {self.first_on:%Y-%m-%d}"
