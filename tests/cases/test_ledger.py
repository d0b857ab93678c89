"""The 矛盾纠纷排查化解台账 by period: exported from the case list with exactly the rows the
list shows for the same dates and filters, its period in the subtitle, dates as date cells;
read back with openpyxl and python-calamine."""

import datetime as dt
import io

import pytest
import time_machine
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


# --- The ledger by period (issue 20 §2): the period reports' own picker ------------------------

def _export(client, **query):
    response = client.get(reverse("cases:case_export"), query)
    assert response.status_code == 200, response
    return _read(response)


@time_machine.travel(dt.datetime(2026, 12, 4, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_case_ledger_for_a_month_holds_exactly_that_months_cases(cast, make_case, login):
    before = make_case(at=local(2026, 10, 31, 23, 59))
    first = make_case(at=local(2026, 11, 1, 0, 0))
    last = make_case(at=local(2026, 11, 30, 23, 59))
    menghe = make_case(at=local(2026, 11, 15, 9), area=cast.menghe_grid)
    after = make_case(at=local(2026, 12, 1, 0, 0))
    client = login(cast.centre)
    ws, cal = _export(client, kind="month", year=2026, month=11)
    assert [row[1] for row in cal[3:]] == [first.number, menghe.number, last.number]
    assert "期间：2026年11月（2026-11-01 至 2026-11-30）" in ws["A2"].value
    # The list's other filters still apply; its own dates give way to the month's.
    ws, cal = _export(client, kind="month", year=2026, month=11, village=cast.xiguan.pk,
                      start="2026-10-01", end="2026-12-31")
    assert [row[1] for row in cal[3:]] == [first.number, last.number]
    # A month still running is reported up to today, and says so by its dates.
    ws, cal = _export(client, kind="month", year=2026, month=12)
    assert [row[1] for row in cal[3:]] == [after.number]
    assert "期间：2026年12月（2026-12-01 至 2026-12-04）" in ws["A2"].value
    ws, cal = _export(client, kind="month", year=2026, month=10)
    assert [row[1] for row in cal[3:]] == [before.number]


@time_machine.travel(dt.datetime(2026, 12, 4, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_case_ledger_for_a_quarter_across_the_new_year(cast, make_case, login):
    september = make_case(at=local(2025, 9, 30, 23, 59))
    october = make_case(at=local(2025, 10, 1, 0, 0))
    new_years_eve = make_case(at=local(2025, 12, 31, 23, 59))
    new_year = make_case(at=local(2026, 1, 1, 0, 0))
    client = login(cast.centre)
    ws, cal = _export(client, kind="quarter", year=2025, quarter=4)
    assert [row[1] for row in cal[3:]] == [october.number, new_years_eve.number]
    assert ws["A1"].value == "矛盾纠纷排查化解台账"
    assert "期间：2025年第四季度（2025-10-01 至 2025-12-31）" in ws["A2"].value
    ws, cal = _export(client, kind="quarter", year=2026, quarter=1)
    assert [row[1] for row in cal[3:]] == [new_year.number]
    ws, cal = _export(client, kind="year", year=2025)
    assert [row[1] for row in cal[3:]] == [september.number, october.number,
                                           new_years_eve.number]
    assert "期间：2025年（2025-01-01 至 2025-12-31）" in ws["A2"].value


@time_machine.travel(dt.datetime(2026, 12, 4, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_case_ledger_refuses_a_future_or_too_long_period_in_chinese(cast, make_case, login):
    make_case(at=local(2026, 11, 2, 9))
    client = login(cast.centre)
    for query, said in [
        ({"kind": "month", "year": 2027, "month": 1}, "尚未发生的期间不能出报表"),
        ({"kind": "dates", "start": "2026-11-01", "end": "2026-12-31"}, "晚于今天"),
        ({"kind": "dates", "start": "2020-01-01", "end": "2026-11-30"}, "超过五年"),
        ({"kind": "quarter", "year": 2026}, "季报需要填写季度"),
    ]:
        response = client.get(reverse("cases:case_export"), query, follow=True)
        assert response.redirect_chain[0][0].startswith(reverse("cases:case_list")), query
        assert "spreadsheetml" not in response["Content-Type"]
        page = response.content.decode()
        assert "台账未导出" in page and said in page, query


def test_case_list_offers_the_period_picker_keeping_the_lists_filters(cast, login):
    """The list links its period picker with its own filters; the picker (drawn into the
    list's <details> by htmx, or as a page without JavaScript) carries them to the export."""
    client = login(cast.centre)
    query = {"village": cast.xiguan.pk, "risk": "red", "page": 2}
    page = client.get(reverse("cases:case_list"), query).content.decode()
    details = page[page.index('id="ledger-period"'):]
    details = details[:details.index("</details>")]
    picker_url = (reverse("cases:ledger_period")
                  + f"?village={cast.xiguan.pk}&amp;risk=red")
    assert f'hx-get="{picker_url}"' in details  # the page number is not carried
    assert f'href="{picker_url}"' in details  # the way without JavaScript
    for headers in ({"HX-Request": "true"}, {}):
        picker = client.get(reverse("cases:ledger_period"),
                            {"village": cast.xiguan.pk, "risk": "red"},
                            headers=headers).content.decode()
        assert ("<html" in picker) is not bool(headers)  # a fragment for htmx, else a page
        assert f'action="{reverse("cases:case_export")}"' in picker
        assert f'name="village" value="{cast.xiguan.pk}"' in picker
        assert 'name="risk" value="red"' in picker
        assert 'name="kind"' in picker and 'name="quarter"' in picker
