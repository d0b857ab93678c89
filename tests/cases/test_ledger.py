"""The 矛盾纠纷排查化解台账 by period: exported from the case list with exactly the rows the
list shows for the same dates and filters, its period in the subtitle, dates as date cells;
read back with openpyxl and python-calamine."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from .conftest import local

pytestmark = pytest.mark.django_db


def _read(response):
    content = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(content)).active
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return ws, cal


def test_case_ledger_for_a_period_has_the_lists_rows(cast, make_case, login):
    october = [make_case(at=local(2026, 10, d, 9)) for d in (3, 20)]
    make_case(at=local(2026, 11, 2, 9))
    make_case(at=local(2026, 10, 8, 9), area=cast.menghe_grid)
    client = login(cast.centre)
    for query in ({"start": "2026-10-01", "end": "2026-10-31"},
                  {"start": "2026-10-01", "end": "2026-10-31", "village": cast.xiguan.pk},
                  {"from": "2026-11-01", "to": "2026-11-30"}):
        shown = {c.number for c in client.get(reverse("cases:case_list"),
                                              query).context["page"]}
        ws, cal = _read(client.get(reverse("cases:case_export"), query))
        assert {row[1] for row in cal[3:]} == shown, query
    ws, cal = _read(client.get(reverse("cases:case_export"),
                               {"start": "2026-10-01", "end": "2026-10-31",
                                "village": cast.xiguan.pk}))
    assert ws["A1"].value == "矛盾纠纷排查化解台账"
    assert "期间：2026-10-01至2026-10-31" in ws["A2"].value
    assert "导出人：张明" in ws["A2"].value
    assert [row[1] for row in cal[3:]] == [c.number for c in october]
    received = ws["C4"]
    assert received.is_date and received.number_format == "yyyy-mm-dd hh:mm"
    assert cal[3][2] == dt.datetime(2026, 10, 3, 9, 0)
