"""Bad input, everywhere: every POST form the pages offer (found by reading the pages, so a
new form is covered without touching this file) is sent over-long text, HTML/script, SQL
fragments, wrong types, far-future and impossible dates, unknown and other-area ids. Nothing
may answer 500, a refused form writes nothing, and nothing comes back unescaped.

Uploads: the household import (the one spreadsheet upload) and the photo/attachment uploads
get wrong types, renamed files, a macro workbook, formulas, oversize files, too many rows and
a zip bomb: a clear Chinese message and unchanged row counts."""

import io
import zipfile
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.trust.test_access_matrix import MATRIX, Get, _target
from tests.trust.world import png_bytes

PAYLOADS = {
    # over-long text carrying HTML/script and an SQL fragment
    "hostile text": ('<script>alert("x")</script><img src=x>\'; DROP TABLE cases_case; --'
                     + "长" * 4000),
    # a far-future date where a date is wanted, not a number where a number is wanted
    "future/wrong type": "9999-12-31",
    "foreign ids": None,  # the other area's record id (or an unknown one), per field
}
TALLIES = [("cases", "Case"), ("cases", "Agreement"), ("petitions", "Petition"),
           ("rectification", "Hazard"), ("rectification", "IssueItem"), ("grids", "Household"),
           ("grids", "Resident"), ("grids", "Visit"), ("grids", "KeyPerson"),
           ("rectification", "LegalActivity"), ("rectification", "Inspection")]
TRIED = []


class Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "multipart":
                          "multipart" in (a.get("enctype") or "")}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", tag)
            self._form["fields"][a["name"]] = {"kind": kind, "value": a.get("value", ""),
                                                "options": []}
            if tag == "select":
                self._select = a["name"]
        elif tag == "option" and self._form is not None and self._select:
            value = a.get("value")
            if value:
                self._form["fields"][self._select]["options"].append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _tallies():
    """Row counts of the records a form could create, in one query."""
    from django.apps import apps
    from django.db import connection

    tables = [apps.get_model(app, model)._meta.db_table for app, model in TALLIES]
    sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _pages_with_forms(world):
    role = "centre"
    for name, spec in MATRIX.items():
        if isinstance(spec, Get) and spec.own[role] == 200 and "export" not in name \
                and "photo" not in name and "download" not in name and "docx" not in name \
                and "attachment" not in name and "evidence_file" not in name \
                and "template" not in name:
            yield name, _target(world, name, "xg", role)


def _foreign_id(world, field):
    mh = world.places["mh"]
    far = world.places["far"]
    for key, obj in (("area", mh.grid), ("village", mh.village), ("grid", mh.grid),
                     ("household", mh.household), ("place", mh.key_place),
                     ("petition", mh.petition), ("visit", far.visit), ("campaign", far.rx_campaign),
                     ("handler", world.far_users.centre), ("leader", world.far_users.leader),
                     ("resident", far.resident), ("party", far.resident),
                     ("category", far.hazard)):
        if key in field:
            return str(obj.pk)
    return "999999"


def _payload_data(world, form, payload):
    data = {}
    for fname, f in form["fields"].items():
        if fname == "csrfmiddlewaretoken" or f["kind"] in ("submit", "button"):
            continue
        if f["kind"] == "file":
            continue
        if payload == "foreign ids" and (f["kind"] in ("select", "hidden") or fname.endswith("id")):
            data[fname] = _foreign_id(world, fname)
        elif payload == "foreign ids":
            data[fname] = f["value"] or (f["options"][0] if f["options"] else "x")
        elif f["kind"] == "hidden" and fname == "version":
            data[fname] = f["value"]
        else:
            data[fname] = PAYLOADS[payload]
    return data


def test_every_form_survives_hostile_input(wdb):
    client = wdb.clients["centre"]
    problems, seen = [], set()
    for _name, url in _pages_with_forms(wdb):
        page = client.get(url)
        parser = Forms()
        parser.feed(page.content.decode())
        for form in parser.forms:
            action = form["action"] or url
            if action in seen or "logout" in action or "/role/" in action or "read-all" in action \
                    or "/open/" in action:
                continue
            seen.add(action)
            for payload in PAYLOADS:
                data = _payload_data(wdb, form, payload)
                before = _tallies()
                response = client.post(action, data)
                TRIED.append((action, payload))
                status = response.status_code
                body = response.content.decode("utf-8", "replace")
                if status >= 500:
                    problems.append(f"{action} {payload}: {status}")
                if '<script>alert("x")' in body or "<img src=x" in body:
                    problems.append(f"{action} {payload}: payload echoed unescaped")
                if status in (200, 400) and _tallies() != before:
                    problems.append(f"{action} {payload}: form refused ({status}) yet rows "
                                    f"changed {before} -> {_tallies()}")
                if status == 302 and payload == "future/wrong type" \
                        and _tallies() != before and action.endswith("/new/"):
                    problems.append(f"{action} {payload}: a record was created from garbage")
    assert len(seen) >= 20, f"only {len(seen)} forms found: {sorted(seen)}"
    assert not problems, "\n".join(problems)


# --- Uploads -----------------------------------------------------------------------------

def _xlsx(rows, *, extra=None, sheet_xml=None):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    if extra is None and sheet_xml is None:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
                zi = zipfile.ZipInfo(info.filename)
                zi.compress_type = zipfile.ZIP_DEFLATED
                with z.open(zi, "w", force_zip64=True) as fh:
                    sheet_xml(fh, src.read(info.filename))
            else:
                z.writestr(info.filename, src.read(info.filename))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def _header():
    from grids.imports import COLUMNS

    return [c for c, _req, _ex in COLUMNS]


def _row(name="王五", house="901"):
    values = {"村(社区)": "西关村", "门牌号": house, "姓名": name, "与户主关系": "户主"}
    from grids.models import Area

    grid = Area.objects.get(name="高家庄社第一网格")
    values["社/小区"] = grid.parent.name
    values["网格"] = grid.name
    return [values.get(c, "") for c in _header()]


def _bomb(fh, original):
    at = original.index(b"<sheetData")
    fh.write(original[:at])
    spaces = b" " * (1 << 20)
    for _ in range(150):  # 150 MB of whitespace, ~150 KB compressed
        fh.write(spaces)
    fh.write(original[at:])


UPLOADS = {
    "png renamed .xlsx": lambda: ("户籍.xlsx", png_bytes()),
    "text renamed .xlsx": lambda: ("户籍.xlsx", "村,社\n西关村,一社\n".encode()),
    "empty": lambda: ("户籍.xlsx", b""),
    "broken zip": lambda: ("户籍.xlsx", b"PK\x03\x04" + b"\x00" * 200),
    "macro workbook": lambda: ("户籍.xlsm", _xlsx([_header(), _row()],
                                                extra={"xl/vbaProject.bin": b"\x00" * 64})),
    "no header": lambda: ("户籍.xlsx", _xlsx([["随便", "什么"], ["a", "b"]])),
    "zip bomb": lambda: ("户籍.xlsx", _xlsx([_header()], sheet_xml=_bomb)),
    "too many rows": lambda: ("户籍.xlsx", _xlsx([_header()] + [_row(f"人{i}", f"9{i:03d}")
                                                              for i in range(8)])),
    "over size": lambda: ("户籍.xlsx", _xlsx([_header(), _row()]) + b"\x00" * 3000),
    "formula and script": lambda: ("户籍.xlsx", _xlsx([_header(), _row(
        '=HYPERLINK("http://evil","<script>x</script>")', "=1+1")])),
}


@pytest.mark.parametrize("kind", sorted(UPLOADS))
def test_household_import_refuses_bad_files_and_writes_nothing(wdb, kind, settings,
                                                               monkeypatch):
    import grids.imports

    monkeypatch.setattr(grids.imports, "MAX_ROWS", 5)  # "too many rows" without 20,001 rows
    if kind == "over size":
        settings.GRIDS_IMPORT_MAX_BYTES = 2048
    name, content = UPLOADS[kind]()
    before = _tallies()
    response = wdb.clients["cadre"].post("/grids/import/", {
        "file": SimpleUploadedFile(name, content)})
    TRIED.append(("/grids/import/", kind))
    body = response.content.decode()
    # The page again (200) with the reason next to the field, and nothing written.
    assert response.status_code == 200, kind
    assert "errorlist" in body or "未导入任何数据" in body, kind
    assert _tallies() == before, kind
    assert "<script>x" not in body


@pytest.mark.parametrize("name,content", [
    ("photo.png", b"MZ\x90\x00 an exe renamed"),
    ("photo.jpg", b"<html><script>alert(1)</script></html>"),
    ("scan.pdf", b"%PDX-1.4 not a pdf"),
    ("photo.png", b""),
    ("huge.png", png_bytes() + b"\x00" * (11 * 1024 * 1024)),
], ids=["exe renamed png", "html renamed jpg", "fake pdf", "empty", "over size"])
def test_photo_and_attachment_uploads_check_content_and_size(wdb, name, content):
    from cases.models import Attachment
    from rectification.models import HazardPhoto

    places = wdb.places["xg"]
    client = wdb.clients["centre"]
    before = (Attachment.objects.count(), HazardPhoto.objects.count())
    for url, data in (
        (f"/cases/{places.case.pk}/attachments/", {"kind": "photo"}),
        (f"/rectification/hazards/{places.hazard.pk}/photos/", {"stage": "before"}),
    ):
        response = client.post(url, {**data, "file": SimpleUploadedFile(name, content),
                                     "photo": SimpleUploadedFile(name, content)}, follow=True)
        TRIED.append((url, name))
        assert response.status_code < 500
        body = response.content.decode()
        assert any(word in body for word in ("不受支持", "空文件", "超过上限", "请选择")), url
    assert (Attachment.objects.count(), HazardPhoto.objects.count()) == before


def test_exports_escape_formulas(wdb):
    """A name typed as a formula comes out of every export as text, never as a formula."""
    from openpyxl import load_workbook

    from cases import actions as case_actions
    from cases.models import Category, Source
    from rectification import actions as rx
    from rectification.models import Hazard, HazardCategory

    cast = wdb.cast
    evil = '=HYPERLINK("http://x","点我")'
    case_actions.register_case(actor=cast.centre, area=cast.xiguan_grid,
                               category=Category.objects.get(name="邻里"), description=evil,
                               source=Source.WALKIN, source_ref="+1+1",
                               parties=[{"name": "@SUM(A1)"}])
    rx.register_hazard(actor=cast.centre, source=Hazard.Source.INSPECTION,
                       category=HazardCategory.objects.first(), area=cast.xiguan_grid,
                       description=evil, location="-2+3", found_date=wdb.places["xg"].hazard.found_date)
    seen_escaped = 0
    for url in ("/grids/visits/export/", "/cases/export.xlsx", "/petitions/export.xlsx",
                "/rectification/hazards/export/"):
        response = wdb.clients["centre"].get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else \
            response.content
        wb = load_workbook(io.BytesIO(content))
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                    if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                        # a text cell holding what was typed: no apostrophe to print
                        assert cell.data_type == "s", (url, cell.value)
                        assert cell.value == evil, (url, cell.value)
                        seen_escaped += 1
    assert seen_escaped >= 2  # the case and the hazard ledgers carried the formula text


CALENDAR_UPLOADS = {
    "zip bomb": lambda: ("calendar.xlsx", _xlsx([["日期", "是否上班"]], sheet_xml=_bomb)),
    "zip bomb named .xlsm": lambda: ("calendar.xlsm", _xlsx([["日期", "是否上班"]],
                                                            sheet_xml=_bomb)),
    "zip bomb named .csv": lambda: ("calendar.csv", _xlsx([["日期", "是否上班"]],
                                                          sheet_xml=_bomb)),
    "macro workbook": lambda: ("calendar.xlsm", _xlsx(
        [["日期", "是否上班"], ["2027-01-01", "休息"]], extra={"xl/vbaProject.bin": b"\x00" * 64})),
    "broken zip": lambda: ("calendar.xlsx", b"PK\x03\x04" + b"\x00" * 200),
    "over size csv": lambda: ("calendar.csv", b"2027-01-01,1\n" * 1000),
}


@pytest.mark.parametrize("kind", sorted(CALENDAR_UPLOADS))
def test_calendar_import_goes_through_the_same_upload_checks(wdb, kind, settings):
    """The working-day calendar import (admin) once read any .xlsm with openpyxl, inflated
    size unchecked: now every workbook, whatever its name, passes pingxiang.uploads first."""
    from django.urls import reverse

    from cases.models import CalendarDay

    settings.UPLOAD_MAX_BYTES = 8 * 1024
    name, content = CALENDAR_UPLOADS[kind]()
    before = CalendarDay.objects.count()
    response = wdb.clients["admin"].post(reverse("admin:cases_calendarday_import"), {
        "file": SimpleUploadedFile(name, content)})
    TRIED.append(("/admin/cases/calendarday/import/", kind))
    body = response.content.decode()
    assert response.status_code == 200 and "errorlist" in body, kind
    assert any(w in body for w in ("解压后", "含有宏", "已损坏", "超过上限")), kind
    assert CalendarDay.objects.count() == before
