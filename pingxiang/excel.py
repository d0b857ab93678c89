"""Ledger-form Excel exports (台账), shared by every app's exports.py.

Streams with openpyxl's write-only mode (constant memory whatever the row count) and gives
the printed form people hand over: a title row, a subtitle (area, period, team...), a header
row, serial numbers, borders, column widths, wrapped text, frozen header, A4 landscape, and
the title/header rows repeated on every printed page. Any text cell starting with = + - @
(or a tab / carriage return) is prefixed with a quote so Excel never runs it as a formula:
body, title, subtitle and headers alike.
"""

import datetime as dt
import tempfile
from dataclasses import dataclass

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

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


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12


def escape_formula(value):
    """Make a user-supplied string inert in Excel (CWE-1236)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
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
    body_style_id = 0

    def _values_to_row(self, values, row_idx):
        if not isinstance(values, _BodyRow):
            yield from super()._values_to_row(values, row_idx)
            return
        cell = _BodyCell(self)
        cell.style_id = self.body_style_id
        cell.row = row_idx
        for col_idx, value in enumerate(values, 1):
            cell.value = value  # binds the value and its data type, as openpyxl does
            cell.column = col_idx
            yield cell  # written before the next value is bound (openpyxl reuses cells too)


def write_ledger(rows, *, title, subtitle, columns, sheet_title="台账", serial=True,
                 fileobj=None, progress=None, progress_every=1000):
    """Write rows (an iterable of sequences, one value per column) as a ledger workbook.

    Returns the file object (a SpooledTemporaryFile unless one is given), positioned at 0.
    `progress(n)` is called every `progress_every` rows, for background exports.
    """
    columns = ([Column("序号", 6)] if serial else []) + list(columns)
    wb = Workbook(write_only=True)
    ws = _LedgerSheet(parent=wb, title=sheet_title[:31])
    wb._add_sheet(ws)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    last = get_column_letter(len(columns))

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
    ws.append([styled(title, _TITLE_FONT, _CENTER)])
    ws.append([styled(subtitle, _BODY_FONT, Alignment(horizontal="left"))])
    ws.append([styled(c.header, _HEADER_FONT, _CENTER, _BORDER, _HEADER_FILL) for c in columns])

    # Every body cell has the same style: register it once, and let the sheet write each
    # value through one reused cell carrying that style's id (see _LedgerSheet).
    ws.body_style_id = wb._cell_styles.add(styled(None, _BODY_FONT, _WRAP, _BORDER)._style)

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
