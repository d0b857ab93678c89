"""The grids' ledgers (走访台账, 重点人员台账, 重点场所台账): streamed, in the printed ledger
form (pingxiang.excel.write_ledger), of exactly the rows the list page shows."""

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import Count, Max
from django.utils import timezone

from grids import areatree
from grids.access import (
    Masker,
    can_see_positions,
    home_area,
    memberships,
    user_can_see_area,
)
from grids.models import Area, KeyPerson, KeyPlace, Resident, Visit
from pingxiang.excel import Column, write_ledger
from pingxiang.people import full_name

LEDGER_COLUMNS = [
    Column("走访日期", 12), Column("村(社区)", 10), Column("社(小区)", 10), Column("网格", 14),
    Column("户主/场所", 12), Column("住址", 22), Column("身份证号", 21), Column("联系电话", 14),
    Column("走访类型", 12), Column("走访对象", 18), Column("发现问题", 14), Column("情况说明", 30),
    Column("走访人", 9), Column("同行人员", 14),
]


def visit_ledger_queryset(user, *, area=None, start=None, end=None):
    """The visits the user can see, in the area and dates. An area at or under the user's own
    (the ledger's form accepts no other) is the whole condition: the user's areas around it
    would state the same rows again, and PostgreSQL, multiplying repeated conditions,
    expected 9 rows of a town's 28,000 and chose a plan that joins them all before the page
    (bench/results.md, issue 22 §4)."""
    if area is not None and user_can_see_area(user, area):
        visits = Visit.objects.under(area)
    else:
        visits = Visit.objects.visible_to(user)
        if area is not None:
            visits = visits.under(area)
    if start:
        visits = visits.filter(visited_on__gte=start)
    if end:
        visits = visits.filter(visited_on__lte=end)
    return visits.order_by("visited_on", "id")


POSITION_COLUMNS = [Column("纬度", 12), Column("经度", 12), Column("定位精度(米)", 10),
                    Column("距户(场所)参考位置(米)", 12)]


def visit_ledger(user, *, area=None, start=None, end=None, title_area="", fileobj=None,
                 positions=False, visits=None, scope=""):
    """Write the ledger of visits the user can see. Returns (file object, row count-free).

    `visits`: the rows the list page shows (its filters applied), else every visit the
    user can see in the area and dates; `scope` a word on what narrowed them (只看我的).
    positions=True (asked for on the export form) adds where each visit was recorded and
    how far from its household: only for the roles that may see positions."""
    mask = Masker(user)
    positions = positions and can_see_positions(user)
    if visits is None:
        visits = visit_ledger_queryset(user, area=area, start=start, end=end)
    visits = visits.order_by("visited_on", "id")
    extra = ()
    if positions:
        visits = visits.with_distance()
        extra = ("latitude", "longitude", "accuracy", "distance_m")
    rows = (
        visits
        .values_list("visited_on", "village__short_name", "area__parent__name", "area__name",
                     "household__head__name", "key_place__name", "household__address",
                     "key_place__address", "household__head__id_number",
                     "household__head__phone", "key_place__contact", "visit_type",
                     "persons_met_text", "findings", "notes", "visitor__last_name",
                     "visitor__first_name", "companions", *extra)
        .iterator(chunk_size=2000)
    )

    def lines():
        for (day, village, group, grid, head, place, address, place_address, id_number, phone,
             place_contact, visit_type, met, findings, notes, last, first, companions,
             *where) in rows:
            line = [day, village, group if group != village else "", grid, head or place,
                    address or place_address, mask.id(id_number),
                    mask.phone(phone or place_contact), visit_type, met,
                    "、".join(findings) or "无异常", notes, f"{last}{first}", companions]
            if positions:
                lat, lon, acc, distance = where
                line += [lat, lon, _rounded(acc), _rounded(distance)]
            yield line

    period = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}" if start and end else (
        f"{start:%Y-%m-%d} 起" if start else (f"截至 {end:%Y-%m-%d}" if end else "全部日期"))
    town = title_area or getattr(home_area(user), "name", "")
    return write_ledger(lines(), title=f"{town}走访台账",
                        area=(title_area or "本人全部辖区") + (f"（{scope}）" if scope else ""),
                        period=f"走访时间 {period}",
                        exported_by=user,
                        columns=LEDGER_COLUMNS + (POSITION_COLUMNS if positions else []),
                        sheet_title="走访台账", fileobj=fileobj)


def _rounded(value):
    return None if value is None else round(value)


def _village_names():
    """grid id -> the short name of its 村(社区), from the area tree held in memory."""
    seen = {}

    def village(grid_id):
        if grid_id not in seen:
            grid = areatree.get(grid_id)
            found = areatree.get_many(grid.ancestor_ids()) if grid else {}
            seen[grid_id] = next((a.short_name for a in found.values()
                                  if a.kind == Area.Kind.VILLAGE), "")
        return seen[grid_id]

    return village


def describe_filters(form, user, *, start=None, end=None):
    """(area, period) for a ledger's subtitle from the list's filter form: the ?area it was
    narrowed to (else the highest area the user answers for: a cadre's village, a centre's
    town) and the dates (`start`/`end`, else ?from/?to; else 全部)."""
    drill = form.drill() or {}
    area = drill.get("area")
    if area is None:
        held = next(iter(memberships(user)), None)
        area = held.area if held else None
    start, end = start or drill.get("from"), end or drill.get("to")
    if start or end:
        period = (f"{start:%Y-%m-%d} " if start else "") + "至" + (f" {end:%Y-%m-%d}" if end
                                                                   else "今")
    else:
        period = "全部"
    return getattr(area, "name", ""), period


KEY_PERSON_COLUMNS = [
    Column("姓名", 8), Column("性别", 5), Column("身份证号", 20), Column("联系电话", 13),
    Column("村(社区)", 10), Column("网格", 14), Column("住址", 22), Column("人员类别", 16),
    Column("风险等级", 9), Column("责任人", 8), Column("走访频次（天）", 8),
    Column("最近走访", 11), Column("下次走访期限", 11), Column("状态", 6), Column("情况说明", 28),
    Column("登记日期", 11),
]


def key_person_ledger(user, qs, *, form, fileobj=None):
    """重点人员台账: exactly the key persons of qs (the list's filtered queryset), in the
    list's order, numbers masked as the user sees them on the page."""
    mask = Masker(user)
    village = _village_names()
    risk = dict(KeyPerson.Risk.choices)
    sexes = dict(Resident.Sex.choices)
    rows = (qs.annotate(category_names=StringAgg("categories__name", "、", distinct=True))
            .order_by("next_visit_due", "id")
            .values_list("resident__name", "resident__sex", "resident__id_number",
                         "resident__phone", "grid_id", "grid__name", "resident__household__address",
                         "category_names", "risk_level", "responsible__last_name",
                         "responsible__first_name", "visit_every_days", "last_visited_on",
                         "next_visit_due", "status", "notes", "created_at")
            .iterator(chunk_size=2000))

    def lines():
        for (name, sex, id_number, phone, grid_id, grid, address, categories, level, last,
             first, every, visited, due, status, notes, created) in rows:
            yield [name, sexes.get(sex, sex), mask.id(id_number), mask.phone(phone),
                   village(grid_id), grid, address, categories, risk.get(level, level),
                   full_name(last, first), every, visited, due, status, notes,
                   timezone.localdate(created)]

    area, period = describe_filters(form, user)
    return write_ledger(lines(), title=f"{area}重点人员台账", area=area, period=period,
                        exported_by=user, columns=KEY_PERSON_COLUMNS, sheet_title="重点人员台账",
                        fileobj=fileobj)


KEY_PLACE_COLUMNS = [
    Column("场所名称", 20), Column("类别", 10), Column("村(社区)", 10), Column("网格", 14),
    Column("地址", 26), Column("负责人", 9), Column("联系电话", 13), Column("最近走访", 11),
    Column("走访次数", 8), Column("登记日期", 11),
]


def key_place_ledger(user, qs, *, form, fileobj=None):
    """重点场所台账: exactly the places of qs (the list's filtered queryset), in its order."""
    mask = Masker(user)
    village = _village_names()
    kinds = dict(KeyPlace.Kind.choices)
    rows = (qs.annotate(last_visit=Max("visits__visited_on"), visit_count=Count("visits"))
            .order_by("grid__path", "name")
            .values_list("name", "kind", "grid_id", "grid__name", "address",
                         "responsible_person", "contact", "last_visit", "visit_count",
                         "created_at")
            .iterator(chunk_size=2000))

    def lines():
        for (name, kind, grid_id, grid, address, person, contact, last_visit, visits,
             created) in rows:
            yield [name, kinds.get(kind, kind), village(grid_id), grid, address, person,
                   mask.phone(contact), last_visit, visits, timezone.localdate(created)]

    area, period = describe_filters(form, user)
    return write_ledger(lines(), title=f"{area}重点场所台账", area=area, period=period,
                        exported_by=user, columns=KEY_PLACE_COLUMNS, sheet_title="重点场所台账",
                        fileobj=fileobj)
