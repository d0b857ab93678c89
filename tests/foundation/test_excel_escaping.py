"""pingxiang.excel.write_ledger: every cell it writes is escaped against formula injection,
the title and subtitle (which carry team and village names) as much as the body."""

from openpyxl import load_workbook

from pingxiang.excel import Column, write_ledger


def test_title_subtitle_headers_and_body_are_never_formulas():
    f = write_ledger([["=1+1", "@SUM(A1)"]], title="=1+1", subtitle="+cmd|' /C calc'!A0",
                     columns=[Column("-2+3"), Column("名称")])
    ws = load_workbook(f).active
    cells = [ws["A1"], ws["A2"], ws["B3"], ws["B4"], ws["C4"]]
    for cell in cells:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
        assert not cell.value.startswith("'")  # nothing added that the printout would show
    assert ws["A1"].value == "=1+1"
    assert ws["A3"].value == "序号" and ws["C3"].value == "名称"
