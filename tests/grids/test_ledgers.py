"""重点人员台账 and 重点场所台账: exported from their list page with exactly the rows the page
shows for the same query string (the list's filter form is the one filter), in the printed
ledger form; read back with openpyxl and python-calamine."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from grids import actions
from grids.access import Masker
from grids.models import KeyPerson, KeyPersonCategory

pytestmark = pytest.mark.django_db


def _read(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(content)).active
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return ws, cal


def _page_names(client, url, query):
    body = client.get(url, query).content.decode()
    return body


@pytest.fixture
def people(cast, make_household):
    category = KeyPersonCategory.objects.order_by("pk").first()
    made = {}
    for name, grid, risk in (("王红", cast.xiguan_grid, KeyPerson.Risk.RED),
                             ("=HYPERLINK(1)", cast.xiguan_grid, KeyPerson.Risk.BLUE),
                             ("孙蓝", cast.menghe_grid, KeyPerson.Risk.BLUE)):
        household = make_household(grid, head=name)
        made[name] = actions.register_key_person(household.head, categories=[category],
                                                 risk_level=risk, responsible=cast.grid_xiguan)
    return made


@pytest.mark.parametrize("query", [{}, {"q": "王"}, {"area": "xiguan"}, {"status": ""}])
def test_key_person_ledger_has_exactly_the_rows_of_the_list(login, cast, people, query):
    if query.get("area"):
        query = {"area": cast.xiguan.pk}
    client = login(cast.centre)
    page = client.get(reverse("grids:key_person_list"), query)
    shown = {k.resident.name for k in page.context["page"]}
    ws, cal = _read(client.get(reverse("grids:key_person_export"), query))
    names = {row[1] for row in cal[3:]}
    assert names == shown
    assert [row[0] for row in cal[3:]] == list(range(1, len(shown) + 1))


def test_key_person_ledger_layout(login, cast, people):
    ws, cal = _read(login(cast.cadre_xiguan).get(reverse("grids:key_person_export")))
    assert ws["A1"].value == "西关村民委员会重点人员台账"
    assert "A1:Q1" in {str(r) for r in ws.merged_cells.ranges}
    assert "导出人：李秀英" in ws["A2"].value and "期间：全部" in ws["A2"].value
    assert ws["B3"].value == "姓名" and ws["J3"].value == "风险等级"
    rows = {row[1]: row for row in ws.iter_rows(min_row=4, values_only=True)}
    assert set(rows) == {"王红", "=HYPERLINK(1)"}  # 孙蓝 is in another village
    red = rows["王红"]
    assert red[9] == "红（高）" and red[5] == "西关村"
    person = people["王红"]
    # the number as the page shows it to this user (masked for roles that see it masked)
    assert red[3] == Masker(cast.cadre_xiguan).id(person.resident.id_number)
    due = ws.cell(4, 14)
    assert due.is_date and due.number_format == "yyyy-mm-dd"
    assert due.value.date() == min(p.next_visit_due for p in people.values())
    formula = next(c for c in ws["B"] if c.value == "=HYPERLINK(1)")
    assert formula.data_type == "s"
    assert cal[3][13] == person.next_visit_due or cal[4][13] == person.next_visit_due


def test_key_place_ledger_has_exactly_the_rows_of_the_list(login, cast):
    for name, grid, kind in (("西关小学", cast.xiguan_grid, "学校"),
                             ("西关加油站", cast.xiguan_grid, "加油站"),
                             ("孟河小学", cast.menghe_grid, "学校")):
        actions.create_key_place(grid=grid, kind=kind, name=name, address="+1 号",
                                 contact="13812345678")
    client = login(cast.centre)
    for query in ({}, {"kind": "学校"}, {"q": "西关"}, {"kind": "学校", "area": cast.menghe.pk}):
        page = client.get(reverse("grids:key_place_list"), query)
        shown = [p.name for p in page.context["page"]]
        ws, cal = _read(client.get(reverse("grids:key_place_export"), query))
        assert [row[1] for row in cal[3:]] == shown, query
    ws, cal = _read(client.get(reverse("grids:key_place_export"), {"q": "西关小学"}))
    assert ws["A1"].value.endswith("重点场所台账")
    assert cal[3][1:6] == ["西关小学", "学校", "西关村", "高家庄社第一网格", "+1 号"]
    assert ws["F4"].data_type == "s"


def test_ledger_exports_are_scoped_and_refuse_a_foreign_area(login, cast, people):
    client = login(cast.cadre_menghe)
    ws, cal = _read(client.get(reverse("grids:key_person_export")))
    assert {row[1] for row in cal[3:]} == {"孙蓝"}
    response = client.get(reverse("grids:key_person_export"), {"area": cast.xiguan.pk})
    assert response.status_code == 302  # back to the list, which says why


def test_ledger_exports_keep_a_constant_number_of_queries(login, cast, make_household):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    category = KeyPersonCategory.objects.order_by("pk").first()
    client = login(cast.centre)
    counts = []
    for batch in range(3):
        for i in range(3):
            household = make_household(cast.xiguan_grid, head=f"重点{batch}{i}")
            actions.register_key_person(household.head, categories=[category])
            actions.create_key_place(grid=cast.grids["孟河一社网格"], kind="学校",
                                     name=f"学校{batch}{i}")
        with CaptureQueriesContext(connection) as persons:
            _read(client.get(reverse("grids:key_person_export")))
        with CaptureQueriesContext(connection) as places:
            _read(client.get(reverse("grids:key_place_export")))
        counts.append((len(persons), len(places)))
    # the first round loads what each process holds once (the area tree, the session)
    assert counts[1] == counts[2]
