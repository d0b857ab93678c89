"""Importing a year of the working-day calendar (the State Council publishes the next
year's holidays each November) from a simple CSV or Excel file:

    日期,是否上班,说明
    2027-01-01,休息,元旦
    2027-02-06,上班,春节调休

Only the exceptions need to be listed (holidays on weekdays, working weekends); listing
every day of the year also works. The second column accepts 上班/工作日/1/是/true and
休息/休/节假日/0/否/false.
"""

import csv
import datetime as dt
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import load_workbook

from cases.models import CalendarDay
from pingxiang.uploads import ZIP_MAGIC, check_workbook

WORKING = {"上班", "工作日", "1", "是", "true", "yes", "y", "班"}
OFF = {"休息", "休", "节假日", "假", "0", "否", "false", "no", "n"}


class CalendarImportError(ValueError):
    pass


def _parse_date(value, line):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise CalendarImportError(f"第{line}行：日期“{value}”无法识别，请写成 2027-01-01。") from exc


def _parse_flag(value, line):
    text = str(value if value is not None else "").strip().lower()
    if text in WORKING:
        return True
    if text in OFF:
        return False
    raise CalendarImportError(f"第{line}行：“{value}”应为“上班”或“休息”。")


def read_rows(content, filename):
    """[(line, date_value, flag_value, note)] from CSV or xlsx bytes."""

    raw = []
    limit = settings.UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise CalendarImportError(f"文件大小为 {len(content) / 1024 / 1024:.1f} MB，超过上限 "
                                  f"{limit / 1024 / 1024:.0f} MB。")
    if content[:4] == ZIP_MAGIC or filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        # Judged by content, like every upload: zip bomb, macros (pingxiang.uploads).
        try:
            check_workbook(io.BytesIO(content), len(content), max_bytes=limit)
        except ValidationError as exc:
            raise CalendarImportError(exc.messages[0]) from exc
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise CalendarImportError("Excel 文件无法读取。") from exc
        for row in wb.active.iter_rows(values_only=True):
            raw.append(list(row))
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030", errors="replace")
        raw = list(csv.reader(io.StringIO(text)))
    rows = []
    for line, cells in enumerate(raw, start=1):
        cells = list(cells) + [None, None, None]
        if not cells[0] or str(cells[0]).strip() in {"日期", "date"}:
            continue
        rows.append((line, cells[0], cells[1], str(cells[2] or "").strip()[:100]))
    if not rows:
        raise CalendarImportError("文件中没有日期。")
    return rows


@transaction.atomic
def import_calendar_rows(rows, *, replace=False):
    parsed = {}
    for line, date_value, flag_value, note in rows:
        day = _parse_date(date_value, line)
        if not 2000 <= day.year <= 2100:
            raise CalendarImportError(f"第{line}行：年份 {day.year} 超出范围。")
        parsed[day] = (_parse_flag(flag_value, line), note)
    years = sorted({d.year for d in parsed})
    # The State Council's schedule is the installation's: a county's own days stay as they are.
    if replace:
        CalendarDay.objects.filter(date__year__in=years, area__isnull=True).delete()
    for day, (working, note) in parsed.items():
        CalendarDay.objects.update_or_create(date=day, area=None,
                                             defaults={"is_working_day": working, "note": note})
    return {"count": len(parsed), "years": "、".join(str(y) for y in years)}
