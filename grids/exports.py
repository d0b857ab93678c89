"""The visit ledger (走访台账) export: streamed, in the printed ledger form."""

from grids.access import Masker, can_see_positions, home_area, q_under_area
from grids.models import Visit
from pingxiang.excel import Column, write_ledger

LEDGER_COLUMNS = [
    Column("走访日期", 12), Column("村(社区)", 10), Column("社(小区)", 10), Column("网格", 14),
    Column("户主/场所", 12), Column("住址", 22), Column("身份证号", 21), Column("联系电话", 14),
    Column("走访类型", 12), Column("走访对象", 18), Column("发现问题", 14), Column("情况说明", 30),
    Column("走访人", 9), Column("同行人员", 14),
]


def visit_ledger_queryset(user, *, area=None, start=None, end=None):
    visits = Visit.objects.visible_to(user)
    if area is not None:
        visits = visits.filter(q_under_area(area, "area", village="village"))
    if start:
        visits = visits.filter(visited_on__gte=start)
    if end:
        visits = visits.filter(visited_on__lte=end)
    return visits.order_by("visited_on", "id")


POSITION_COLUMNS = [Column("纬度", 12), Column("经度", 12), Column("定位精度(米)", 10),
                    Column("距户(场所)参考位置(米)", 12)]


def visit_ledger(user, *, area=None, start=None, end=None, title_area="", fileobj=None,
                 positions=False):
    """Write the ledger of visits the user can see. Returns (file object, row count-free).

    positions=True (asked for on the export form) adds where each visit was recorded and
    how far from its household: only for the roles that may see positions."""
    mask = Masker(user)
    positions = positions and can_see_positions(user)
    visits = visit_ledger_queryset(user, area=area, start=start, end=end)
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
                        subtitle=f"辖区：{title_area or '本人全部辖区'}    走访时间：{period}",
                        columns=LEDGER_COLUMNS + (POSITION_COLUMNS if positions else []),
                        sheet_title="走访台账", fileobj=fileobj)


def _rounded(value):
    return None if value is None else round(value)
