import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pingxiang.masks import mask_id_number

pytestmark = pytest.mark.django_db


def _sheet(response):
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content)).active


def test_ledger_export_is_in_the_printed_form(login, cast, make_household, visit):
    household = make_household(cast.xiguan_grid, head="王建国", phone="13812345678")
    visit(household, cast.grid_xiguan, findings=["矛盾纠纷"], notes="=HYPERLINK(\"x\")")
    response = login(cast.centre).get(reverse("grids:visit_export"),
                                      {"area": cast.xiguan.pk, "start": "2020-01-01",
                                       "end": "2030-12-31"})
    assert response.status_code == 200
    ws = _sheet(response)
    assert ws["A1"].value == "西关村民委员会走访台账"
    assert "2020-01-01 至 2030-12-31" in ws["A2"].value
    assert ws["A3"].value == "序号" and ws["B3"].value == "走访日期"
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$1:$3"
    assert ws.page_setup.orientation == "landscape"
    row = [c.value for c in ws[4]]
    assert row[0] == 1 and row[5] == "王建国"
    assert row[7] == household.head.id_number  # centre staff need the number in full
    assert row[11] == "矛盾纠纷"
    assert row[12] == '=HYPERLINK("x")'  # a text cell, no apostrophe
    # every body cell, empty ones too, carries the printed form's style
    for cell in ws[4]:
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin", cell
        assert cell.font.name == "宋体" and cell.font.size == 10, cell
        assert cell.alignment.wrap_text, cell
    assert ws["A3"].font.bold and not ws["A4"].font.bold


def test_ledger_export_masks_ids_for_roles_that_do_not_need_them(login, cast, make_household,
                                                                visit):
    household = make_household(cast.xiguan_grid, phone="13812345678")
    visit(household, cast.grid_xiguan)
    ws = _sheet(login(cast.leader).get(reverse("grids:visit_export")))
    row = [c.value for c in ws[4]]
    assert row[7] == mask_id_number(household.head.id_number)
    assert row[8] == "138****5678"


def test_ledger_export_leaves_out_other_grids(login, cast, make_household, visit):
    mine = make_household(cast.xiguan_grid, head="本网格户")
    theirs = make_household(cast.menghe_grid, head="孟河户")
    visit(mine, cast.grid_xiguan)
    visit(theirs, cast.grid_menghe)
    client = login(cast.grid_xiguan)
    ws = _sheet(client.get(reverse("grids:visit_export")))
    names = [ws.cell(row=r, column=6).value for r in range(4, ws.max_row + 1)]
    assert names == ["本网格户"]
    # Not a choice for them: the ledger page again with the form's message, as an ordinary
    # page (200: a 400 document would make the browser log a console error).
    refused = client.get(reverse("grids:visit_export"), {"area": cast.menghe.pk})
    assert refused.status_code == 200
    assert refused["Content-Type"].startswith("text/html")
    assert "errorlist" in refused.content.decode()


def test_ledger_export_queries_stay_constant(login, cast, make_household, visit):
    client = login(cast.centre)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("grids:visit_export"))
            b"".join(response.streaming_content)
        return len(ctx.captured_queries)

    household = make_household(cast.xiguan_grid)
    visit(household, cast.grid_xiguan)
    client.get(reverse("grids:visit_list"))  # the session's once-a-minute save, out of the way
    before = count()
    for n in range(10):
        h = make_household(cast.menghe_grid if n % 2 else cast.xiguan_grid)
        visit(h, cast.centre)
    assert count() == before


def test_the_export_holds_the_rows_the_list_shows_only_mine_included(login, cast,
                                                                     make_household, visit):
    """只看我的 on the ledger page: the export writes the same rows, and says so."""
    household = make_household(cast.xiguan_grid, head="同一户")
    visit(household, cast.grid_xiguan, notes="网格员走访")
    visit(household, cast.cadre_xiguan, notes="村干部走访")
    client = login(cast.cadre_xiguan)
    assert "共 1 条" in client.get(reverse("grids:visit_list"), {"mine": "on"}).content.decode()
    assert "共 2 条" in client.get(reverse("grids:visit_list")).content.decode()
    ws = _sheet(client.get(reverse("grids:visit_export"), {"mine": "on"}))
    notes = [ws.cell(row=r, column=13).value for r in range(4, ws.max_row + 1)]
    assert notes == ["村干部走访"]
    assert "只看我的" in ws["A2"].value
    everything = _sheet(client.get(reverse("grids:visit_export")))
    assert sorted(everything.cell(row=r, column=13).value
                  for r in range(4, everything.max_row + 1)) == ["村干部走访", "网格员走访"]
