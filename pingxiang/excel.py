"""Ledger-form Excel exports (台账), shared by every app's exports.py.

Streams with openpyxl's write-only mode (constant memory whatever the row count) and gives
the printed form people hand over: a title merged across the table's width, a subtitle
(area, period, who exported it and when), a header row, serial numbers, borders, wrapped text
in column widths scaled to fit A4 landscape, dates as real date cells (yyyy-mm-dd), a frozen
header, the title/header rows repeated on every printed page and the page number in the
footer. Text that starts with = + - @ (or a tab / carriage return) is stored as a text cell
(an inline string, never a formula, no visible apostrophe): body, title, subtitle and headers.
"""

import datetime as dt
import math
import tempfile
from dataclasses import dataclass

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.cell.rich_text import CellRichText
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from pingxiang.people import display_name

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_FONT = Font(name="宋体", size=16, bold=True)
_HEADER_FONT = Font(name="宋体", size=11, bold=True)
_BODY_FONT = Font(name="宋体", size=10)
_HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# A4 landscape (297 mm) less the 0.4-inch side margins: 10.89 inches, 1,045 pixels at 96 dpi.
# Excel draws a column of width w (in characters of the default font) as about 7w + 5 pixels.
# A ledger prints scaled to the page's width (fitToWidth); its columns are narrowed so that
# this scale is never below MIN_PRINT_SCALE (10-point text printed at 5.5 points or more).
PRINTABLE_PIXELS = 1045
MIN_PRINT_SCALE = 0.55
# Columns this narrow hold a date (yyyy-mm-dd), a number or a short word: never narrowed,
# or Excel would print "########" for a date.
KEEP_WIDTH = 11


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12


def escape_formula(value):
    """Make a user-supplied string inert in Excel (CWE-1236): text that starts like a formula
    (or is an error code such as #N/A) becomes a text cell, stored as an inline string, which
    Excel, WPS and LibreOffice show as it was typed and never evaluate. openpyxl would
    otherwise store "=..." as a formula; a leading apostrophe would be printed."""
    if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or value in ERROR_CODES):
        return CellRichText(value)
    return value


def fit_widths(widths, *, budget=PRINTABLE_PIXELS / MIN_PRINT_SCALE):
    """Column widths narrowed (never widened) so the table fits A4 landscape at a print scale
    of MIN_PRINT_SCALE or more: the wide text columns (which wrap) give up their width in
    proportion, none below KEEP_WIDTH; the narrow ones keep theirs."""
    widths = [float(w) for w in widths]
    if sum(7 * w + 5 for w in widths) <= budget:
        return widths
    keep = [w <= KEEP_WIDTH for w in widths]
    while True:  # a column narrowed to KEEP_WIDTH keeps that: share the rest among the others
        fixed = sum(7 * w + 5 for w, k in zip(widths, keep, strict=True) if k)
        wide = [w for w, k in zip(widths, keep, strict=True) if not k]
        if not wide:
            return widths
        factor = max(budget - fixed - 5 * len(wide), 0) / (7 * sum(wide))
        floored = [not k and w * factor < KEEP_WIDTH for w, k in zip(widths, keep, strict=True)]
        if not any(floored):
            break
        keep = [k or f for k, f in zip(keep, floored, strict=True)]
    return [KEEP_WIDTH if k and w > KEEP_WIDTH else w if k else math.floor(w * factor * 10) / 10
            for w, k in zip(widths, keep, strict=True)]


def ledger_subtitle(subtitle="", *, area="", period="", exported_by=None, exported_at=None):
    """辖区：…　期间：…　<subtitle>　导出人：…　导出时间：…, leaving out what is not given."""
    parts = []
    if area:
        parts.append(f"辖区：{area}")
    if period:
        parts.append(f"期间：{period}")
    if subtitle:
        parts.append(subtitle)
    if exported_by is not None:
        parts.append(f"导出人：{display_name(exported_by)}")
    if exported_by is not None or exported_at is not None:
        when = timezone.localtime(exported_at or timezone.now())
        if "导出时间" not in subtitle:
            parts.append(f"导出时间：{when:%Y-%m-%d %H:%M}")
    return "　".join(parts)


def _cell_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # A real date-time cell (Excel has no time zones): the wall time in Asia/Shanghai.
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value.replace(second=0, microsecond=0)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    return escape_formula(str(value))


class _BodyRow(list):
    """A row of body cells: every value gets the ledger's body style (borders, wrap)."""


class _BodyCell(Cell):
    """A cell whose style is the sheet's body style, by id. openpyxl's own write-only path
    builds a cell per styled value, binds its value twice and hashes its style array to
    find the id again: for 100,000 rows that was more than half the export's time, while an
    unstyled cell is one reused object. This gives styled cells the unstyled cells' path."""

    __slots__ = ("style_id",)
    has_style = True


class _LedgerSheet(WriteOnlyWorksheet):
    body_style_id = date_style_id = datetime_style_id = 0

    def _values_to_row(self, values, row_idx):
        if not isinstance(values, _BodyRow):
            yield from super()._values_to_row(values, row_idx)
            return
        cell = _BodyCell(self)
        cell.row = row_idx
        body, day, moment = self.body_style_id, self.date_style_id, self.datetime_style_id
        for col_idx, value in enumerate(values, 1):
            cell.value = value  # binds the value and its data type, as openpyxl does
            if cell.data_type == "d":
                cell.style_id = moment if isinstance(value, dt.datetime) else day
            else:
                cell.style_id = body
            cell.column = col_idx
            yield cell  # written before the next value is bound (openpyxl reuses cells too)


def write_ledger(rows, *, title, subtitle="", columns, sheet_title="台账", serial=True,
                 fileobj=None, progress=None, progress_every=1000, area="", period="",
                 exported_by=None, exported_at=None):
    """Write rows (an iterable of sequences, one value per column) as a ledger workbook.

    The subtitle line is `area`, `period`, `subtitle` and, when `exported_by` (a user) is
    given, who exported it and when (`exported_at`, default now); see ledger_subtitle.
    Values: dates and date-times become date cells, None an empty cell, bools 是/否.
    Returns the file object (a SpooledTemporaryFile unless one is given), positioned at 0.
    `progress(n)` is called every `progress_every` rows, for background exports.
    """
    columns = ([Column("序号", 6)] if serial else []) + list(columns)
    subtitle = ledger_subtitle(subtitle, area=area, period=period, exported_by=exported_by,
                               exported_at=exported_at)
    wb = Workbook(write_only=True)
    ws = _LedgerSheet(parent=wb, title=sheet_title[:31])
    wb._add_sheet(ws)
    for index, width in enumerate(fit_widths([c.width for c in columns]), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(columns))
    if len(columns) > 1:
        ws.merged_cells.add(f"A1:{last}1")
        ws.merged_cells.add(f"A2:{last}2")

    def styled(value, font, alignment, border=None, fill=None):
        # Title, subtitle and headers carry user text too (a team or village name): the same
        # escaping as the body, so nothing reaches the sheet unescaped.
        cell = WriteOnlyCell(ws, value=_cell_value(value))
        cell.font = font
        cell.alignment = alignment
        if border:
            cell.border = border
        if fill:
            cell.fill = fill
        return cell

    # Write-only sheets write their views and print setup with the first row: set them first.
    ws.freeze_panes = "A4"
    ws.print_title_rows = "1:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.row_dimensions[1].height = 30
    ws.append([styled(title, _TITLE_FONT, _CENTER)])
    ws.append([styled(subtitle, _BODY_FONT, Alignment(horizontal="left", vertical="center"))])
    ws.append([styled(c.header, _HEADER_FONT, _CENTER, _BORDER, _HEADER_FILL) for c in columns])

    # Every body cell has the same style: register it once, and let the sheet write each
    # value through one reused cell carrying that style's id (see _LedgerSheet).
    ws.body_style_id = wb._cell_styles.add(styled(None, _BODY_FONT, _WRAP, _BORDER)._style)
    for attr, fmt in (("date_style_id", DATE_FORMAT), ("datetime_style_id", DATETIME_FORMAT)):
        cell = styled(None, _BODY_FONT, _CENTER, _BORDER)
        cell.number_format = fmt
        setattr(ws, attr, wb._cell_styles.add(cell._style))

    count = 0
    for count, row in enumerate(rows, start=1):
        values = _BodyRow([count] if serial else [])
        values.extend(_cell_value(v) for v in row)
        ws.append(values)
        if progress and count % progress_every == 0:
            progress(count)
    ws.print_area = f"A1:{last}{count + 3}"
    if fileobj is None:
        fileobj = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    wb.save(fileobj)
    fileobj.seek(0)
    if progress:
        progress(count)
    return fileobj


def xlsx_response(fileobj, filename):
    """A download response for a workbook made by write_ledger."""

    return FileResponse(fileobj, as_attachment=True, filename=filename,
                        content_type=XLSX_CONTENT_TYPE)
