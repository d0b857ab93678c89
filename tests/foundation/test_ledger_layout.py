"""pingxiang.excel.write_ledger gives every ledger the printed form: title merged across the
table, a subtitle naming area, period, who exported and when, real date cells, formula-looking
text kept as text (no apostrophe), widths that fit A4 landscape, repeated header rows and page
numbers. Read back with openpyxl and with an independent reader (python-calamine)."""

import datetime as dt
import io
import zoneinfo

from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from pingxiang.excel import MIN_PRINT_SCALE, PRINTABLE_PIXELS, Column, write_ledger

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WIDE = [Column("登记日期", 11), Column("情况", 60), Column("处理", 60), Column("备注", 60),
        Column("时间", 16)] + [Column(f"列{i}", 20) for i in range(10)]


def _ledger(user=None):
    rows = [
        [dt.date(2026, 11, 29), "=1+1", "+86 139", "@SUM(A1)",
         dt.datetime(2026, 11, 29, 1, 30, tzinfo=dt.UTC)] + ["-"] * 10,
        [None, "普通文字", "#N/A", "", dt.datetime(2026, 11, 30, 8, 0, tzinfo=SHANGHAI)] + [""] * 10,
    ]
    return write_ledger(rows, title="平襄镇重点人员台账", columns=WIDE, area="平襄镇",
                        period="2026-11-01 至 2026-11-30", exported_by=user,
                        exported_at=dt.datetime(2026, 11, 29, 9, 5, tzinfo=SHANGHAI))


def test_title_is_merged_across_the_table_and_subtitle_names_area_period_who_and_when(db):
    user = get_user_model().objects.create_user("zhangming", last_name="张", first_name="明")
    ws = load_workbook(_ledger(user)).active
    last = "P"  # 序号 + 15 columns
    assert {str(r) for r in ws.merged_cells.ranges} == {f"A1:{last}1", f"A2:{last}2"}
    assert ws["A1"].value == "平襄镇重点人员台账"
    assert ws["A2"].value == ("辖区：平襄镇　期间：2026-11-01 至 2026-11-30　导出人：张明　"
                              "导出时间：2026-11-29 09:05")


def test_dates_are_date_cells_and_formula_text_is_text():
    content = _ledger().read()
    ws = load_workbook(io.BytesIO(content)).active
    day, moment = ws["B4"], ws["F4"]
    assert day.data_type == "d" and day.value == dt.datetime(2026, 11, 29)
    assert day.number_format == "yyyy-mm-dd"
    # 01:30 UTC is 09:30 in Asia/Shanghai: the wall time people expect.
    assert moment.value == dt.datetime(2026, 11, 29, 9, 30)
    assert moment.number_format == "yyyy-mm-dd hh:mm"
    for ref, text in (("C4", "=1+1"), ("D4", "+86 139"), ("E4", "@SUM(A1)"), ("D5", "#N/A")):
        assert ws[ref].data_type == "s", ref
        assert ws[ref].value == text, ref  # as typed: no apostrophe
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert cal[3][1] == dt.date(2026, 11, 29)
    assert cal[3][2:5] == ["=1+1", "+86 139", "@SUM(A1)"]
    assert cal[4][3] == "#N/A"


def test_print_setup_a4_landscape_repeated_header_footer_and_widths_fit():
    ws = load_workbook(_ledger()).active
    assert str(ws.page_setup.paperSize) == "9" and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$3"
    assert "&P" in ws.oddFooter.center.text
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    widths = [ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMNOP"]
    pixels = sum(7 * w + 5 for w in widths)
    assert pixels * MIN_PRINT_SCALE <= PRINTABLE_PIXELS + 1
    assert widths[1] == 11  # a date column keeps room for yyyy-mm-dd
    assert ws["C4"].alignment.wrap_text
