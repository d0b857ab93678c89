"""普法宣传活动台账 and 综治中心阵地建设台账: exported from their list with exactly the rows
the list shows for the same query string, in the printed ledger form; read back with openpyxl
and python-calamine."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from rectification import actions

pytestmark = pytest.mark.django_db


def _read(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return ws, cal


@pytest.fixture
def activities(rx):
    cast = rx.cast
    for village, days, title in [(cast.xiguan, 40, "反诈宣传"), (cast.xiguan, 5, "=1+1 普法"),
                                 (cast.menghe, 5, "民法典进村")]:
        actions.record_legal_activity(actor=cast.centre, area=village,
                                      date=rx.today - dt.timedelta(days=days), form="入户宣传",
                                      title=title, materials=10, people_reached=50)


def test_legal_ledger_rows_equal_the_list(rx, activities, login):
    cast = rx.cast
    client = login(cast.centre)
    since = (rx.today - dt.timedelta(days=10)).isoformat()
    for query in ({}, {"village": cast.xiguan.pk}, {"date_from": since},
                  {"village": cast.menghe.pk, "date_from": since}):
        page = client.get(reverse("rectification:legal_list"), query).context["page"]
        ws, cal = _read(client.get(reverse("rectification:legal_export"), query))
        assert sorted(row[4] for row in cal[3:]) == sorted(a.title for a in page), query
    ws, cal = _read(client.get(reverse("rectification:legal_export"),
                               {"village": cast.xiguan.pk, "date_from": since}))
    assert ws["A1"].value == "西关村民委员会普法宣传活动台账"
    assert f"期间：{since} 至今" in ws["A2"].value and "导出人：张明" in ws["A2"].value
    assert ws["B4"].is_date and ws["B4"].number_format == "yyyy-mm-dd"
    assert cal[3][1] == rx.today - dt.timedelta(days=5)
    assert cal[3][4] == "=1+1 普法" and ws["E4"].data_type == "s"


def test_legal_ledger_is_scoped(rx, activities, login):
    ws, cal = _read(login(rx.cast.cadre_menghe).get(reverse("rectification:legal_export")))
    assert [row[4] for row in cal[3:]] == ["民法典进村"]


def test_centre_ledger_rows_equal_the_list(rx, login):
    cast = rx.cast
    xiguan = actions.ensure_centre(cast.xiguan, actor=cast.centre)
    actions.ensure_centre(cast.menghe, actor=cast.centre)
    actions.set_centre_upgrade(xiguan, actor=cast.centre, status="done", upgraded_on=rx.today)
    client = login(cast.centre)
    for query in ({}, {"upgrade": "done"}, {"demo": "on"}):
        shown = [c.name for c in client.get(reverse("rectification:centre_list"),
                                            query).context["centres"]]
        ws, cal = _read(client.get(reverse("rectification:centre_export"), query))
        assert [row[1] for row in cal[3:]] == shown, query
    ws, cal = _read(client.get(reverse("rectification:centre_export"), {"upgrade": "done"}))
    assert ws["A1"].value == "平襄镇综治中心阵地建设台账"
    assert cal[3][1] == "西关村综治中心" and cal[3][6] == "已巩固提升"
    assert cal[3][7] == rx.today and ws["H4"].number_format == "yyyy-mm-dd"
