"""信访台账 (the petition ledger) in the usual government form.

Rows come from access.rows_for, so for a petition the user may not read, the name, ID,
phone, matter, category, reply and ratings are empty strings computed in SQL: an export
can never show more than the list. One query whatever the row count (streamed)."""

from django.utils import timezone

from grids.access import home_area
from petitions.access import rows_for
from petitions.models import Petition
from pingxiang.excel import Column, write_ledger
from pingxiang.masks import mask_id_number, mask_phone

COLUMNS = [
    Column("信访编号", 14), Column("来源渠道", 11), Column("工单类型", 8), Column("渠道编号", 16),
    Column("信访人", 10), Column("人数", 5), Column("身份证号", 20), Column("联系电话", 13),
    Column("村(社区)", 10), Column("信访事项", 30), Column("类别", 10), Column("收到日期", 11),
    Column("受理日期", 11), Column("办理期限", 11), Column("延期(日)", 7), Column("办结日期", 11),
    Column("是否按期", 7), Column("处理意见", 36), Column("办理满意度", 9),
    Column("结果满意度", 9), Column("包案领导", 9), Column("状态", 9), Column("转矛盾纠纷", 12),
]

FIELDS = ("number", "channel", "order_type", "channel_ref", "s_name", "headcount",
          "s_id_number", "s_phone", "village__short_name", "s_title", "s_category",
          "received_at", "accepted_at", "handle_due_at", "extension_days", "closed_at",
          "closed_on_time", "s_reply", "s_rating_handling", "s_rating_result",
          "leader__last_name", "leader__first_name", "status", "dispute_case_ref",
          "readable")

CHANNELS = dict(Petition.Channel.choices)
STATUSES = dict(Petition.Status.choices)


def _date(value):
    return timezone.localtime(value).date() if value else None


def ledger_rows(user, qs):
    rows = rows_for(user, qs).order_by("received_at", "id").values_list(*FIELDS)
    for r in rows.iterator(chunk_size=2000):
        (number, channel, order_type, ref, name, headcount, id_number, phone, village, title,
         category, received, accepted, handle_due, ext, closed, on_time, reply, rh, rr,
         leader_last, leader_first, status, case_ref, readable) = r
        yield [
            number, CHANNELS.get(channel, channel), order_type, ref if readable else "",
            name or ("（仅综治中心可见）" if not readable else ""), headcount if readable else "",
            mask_id_number(id_number) if id_number else "", mask_phone(phone) if phone else "",
            village, title, category, _date(received), _date(accepted), _date(handle_due),
            ext or "", _date(closed), "" if on_time is None else on_time, reply, rh, rr,
            f"{leader_last or ''}{leader_first or ''}", STATUSES.get(status, status),
            case_ref or "",
        ]


def export_ledger(user, qs, *, subtitle):
    town = getattr(home_area(user), "name", "")
    return write_ledger(ledger_rows(user, qs), title=f"{town}信访事项台账", subtitle=subtitle,
                        area=town, exported_by=user,
                        columns=COLUMNS, sheet_title="信访台账")
