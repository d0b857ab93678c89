"""The visit ledger (走访台账) export: streamed, in the printed ledger form."""

from grids.access import Masker, home_area
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
        visits = visits.filter(area__path__startswith=area.path)
    if start:
        visits = visits.filter(visited_on__gte=start)
    if end:
        visits = visits.filter(visited_on__lte=end)
    return visits.order_by("visited_on", "id")


def visit_ledger(user, *, area=None, start=None, end=None, title_area="", fileobj=None):
    """Write the ledger of visits the user can see. Returns (file object, row count-free)."""
    mask = Masker(user)
    rows = (
        visit_ledger_queryset(user, area=area, start=start, end=end)
        .values_list("visited_on", "village__short_name", "area__parent__name", "area__name",
                     "household__head__name", "key_place__name", "household__address",
                     "key_place__address", "household__head__id_number",
                     "household__head__phone", "key_place__contact", "visit_type",
                     "persons_met_text", "findings", "notes", "visitor__last_name",
                     "visitor__first_name", "companions")
        .iterator(chunk_size=2000)
    )

    def lines():
        for (day, village, group, grid, head, place, address, place_address, id_number, phone,
             place_contact, visit_type, met, findings, notes, last, first, companions) in rows:
            yield [day, village, group if group != village else "", grid, head or place,
                   address or place_address, mask.id(id_number),
                   mask.phone(phone or place_contact), visit_type, met,
                   "、".join(findings) or "无异常", notes, f"{last}{first}", companions]

    period = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}" if start and end else (
        f"{start:%Y-%m-%d} 起" if start else (f"截至 {end:%Y-%m-%d}" if end else "全部日期"))
    town = title_area or getattr(home_area(user), "name", "")
    return write_ledger(lines(), title=f"{town}走访台账",
                        area=title_area or "本人全部辖区", period=f"走访时间 {period}",
                        exported_by=user, columns=LEDGER_COLUMNS, sheet_title="走访台账",
                        fileobj=fileobj)
