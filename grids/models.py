"""The area tree every record and every user hangs on, and who is attached where."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", "网格员"
    VISITOR = "visitor", "走访人员"
    VILLAGE_CADRE = "village_cadre", "村(社区)干部"
    CENTRE_STAFF = "centre_staff", "综治中心工作人员"
    LEADER = "leader", "领导"
    SUPERVISOR = "supervisor", "督导组成员"
    ADMIN = "admin", "系统管理员"
    AUDITOR = "auditor", "安全审计员"


# When a user holds several roles, the home page opens on the first of these.
ROLE_PRIORITY = [
    Role.ADMIN, Role.LEADER, Role.CENTRE_STAFF, Role.SUPERVISOR,
    Role.VILLAGE_CADRE, Role.GRID_WORKER, Role.VISITOR, Role.AUDITOR,
]


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


class Area(models.Model):
    """A node of 县 → 镇 → 村(社区) → 社/小区 → 网格.

    `path` is the materialised path of primary keys ("/1/2/35/"), so "everything under
    this node" is one `LIKE 'path%'` on an index with varchar_pattern_ops. It is set by
    grids.actions.create_area and never edited: moving a node is not supported.
    """

    class Kind(models.TextChoices):
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


class Household(models.Model):
    """A household (户) under a grid. Address in the local form: 西关村高家庄社45号."""

    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="households",
                             verbose_name="网格")
    house_number = models.CharField("门牌号", max_length=20)
    address = models.CharField("住址", max_length=200)
    head = models.ForeignKey("Resident", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name="户主")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        constraints = [
            models.UniqueConstraint(fields=["grid", "house_number"], name="household_unique_number")
        ]

    def __str__(self):
        return self.address


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
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"
        indexes = [models.Index(fields=["name", "phone"], name="resident_name_phone")]

    def __str__(self):
        return self.name


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
    responsible_person = models.CharField("负责人", max_length=50, blank=True)
    contact = models.CharField("联系电话", max_length=20, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "重点场所"
        verbose_name_plural = "重点场所"
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="keyplace_unique_name")
        ]
        indexes = [models.Index(fields=["kind"], name="keyplace_kind")]

    def __str__(self):
        return self.name
