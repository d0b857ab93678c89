"""Excel exports: exactly the filtered rows, ledger layout, readable by openpyxl and by an
independent reader (python-calamine), scoped by area, background jobs for large ones."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from rectification import actions
from rectification.models import ExportJob, Hazard, Policy
from rectification.tasks import run_export

pytestmark = pytest.mark.django_db


def _read(content):
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    cal = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return ws, rows, cal


@pytest.fixture
def ledger(rx, make_hazard):
    cast = rx.cast
    fire = [make_hazard(description=f"消防隐患{i}", category="消防") for i in range(3)]
    road = make_hazard(description="=HYPERLINK(\"http://x\")", category="道路交通")
    menghe = make_hazard(area=cast.menghe_grid, actor=cast.grid_menghe, description="孟河消防",
                         category="消防")
    actions.assign_hazard(fire[0], actor=cast.centre, responsible_unit="西关村委会",
                          responsible_person="李秀英", measures="更换",
                          deadline=rx.today + dt.timedelta(days=5))
    return {"fire": fire, "road": road, "menghe": menghe}


def test_hazard_ledger_has_exactly_the_filtered_rows_and_the_layout(rx, ledger, login):
    client = login(rx.cast.centre)
    url = reverse("rectification:hazard_export") + f"?category={rx.cats['消防'].pk}&village={rx.cast.xiguan.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    ws, rows, cal = _read(content)
    assert rows[0][0] == "平襄镇隐患排查整改台账"
    assert "类别：消防" in rows[1][0] and "村(社区)：西关村" in rows[1][0]
    assert rows[2][:3] == ["序号", "隐患编号", "发现日期"] and rows[2][-1] == "状态"
    body = rows[3:]
    assert [r[0] for r in body] == [1, 2, 3]
    assert sorted(r[1] for r in body) == sorted(h.number for h in ledger["fire"])
    assert ledger["menghe"].number not in {r[1] for r in body}
    assert {r[-1] for r in body} == {"已登记", "已交办"}
    # Layout: frozen header, A4 landscape, title/header rows repeated on each page.
    assert ws.freeze_panes == "A4"
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == "9"
    assert ws.print_title_rows == "$1:$3"
    assert ws.column_dimensions["I"].width >= 20  # 隐患描述 is wide
    assert ws["I4"].alignment.wrap_text and ws["I4"].border.left.style == "thin"
    # The independent reader sees the same cells.
    assert len(cal) == len(rows)
    assert cal[0][0] == "平襄镇隐患排查整改台账"
    assert [r[1] for r in cal[3:]] == [r[1] for r in body]


def test_export_escapes_formulas(rx, ledger, login):
    client = login(rx.cast.centre)
    response = client.get(reverse("rectification:hazard_export") + f"?category={rx.cats['道路交通'].pk}")
    ws, rows, cal = _read(b"".join(response.streaming_content))
    assert len(rows) == 4
    # A text cell as typed: never a formula, no apostrophe printed.
    assert rows[3][8].startswith("=HYPERLINK") and ws.cell(4, 9).data_type == "s"
    assert cal[3][8].startswith("=HYPERLINK")


def test_export_is_scoped_to_the_users_area(rx, ledger, login):
    response = login(rx.cast.cadre_menghe).get(reverse("rectification:hazard_export"))
    ws, rows, cal = _read(b"".join(response.streaming_content))
    assert [r[1] for r in rows[3:]] == [ledger["menghe"].number]


def test_export_queries_do_not_grow_with_rows(rx, make_hazard, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(rx.cast.centre)
    url = reverse("rectification:hazard_export")
    make_hazard()
    b"".join(client.get(url).streaming_content)
    with CaptureQueriesContext(connection) as few:
        b"".join(client.get(url).streaming_content)
    for i in range(15):
        make_hazard(description=f"更多{i}")
    with django_assert_max_num_queries(len(few)):
        b"".join(client.get(url).streaming_content)


def test_large_export_runs_in_the_background(rx, ledger, login,
                                             django_capture_on_commit_callbacks):
    Policy.objects.update(export_sync_limit=2)
    client = login(rx.cast.centre)
    url = reverse("rectification:hazard_export") + f"?category={rx.cats['消防'].pk}"
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(url)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rectification:export_status", args=[job.pk])
    assert len(callbacks) == 1  # the task is enqueued only after commit
    assert job.status == ExportJob.Status.QUEUED and job.total == 4
    assert job.filters == {"category": str(rx.cats["消防"].pk)}
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page and "排队中" in page

    assert run_export(job.pk) == "done"  # what the worker does
    assert run_export(job.pk) == "skipped"  # a redelivered message changes nothing
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.progress == 4 and job.percent == 100
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in partial and "下载" in partial and "<html" not in partial
    download = client.get(reverse("rectification:export_download", args=[job.pk]))
    assert download.status_code == 200
    ws, rows, cal = _read(b"".join(download.streaming_content))
    assert len(rows) - 3 == 4
    # Another user cannot see the job or download its file.
    other = login(rx.cast.leader)
    assert other.get(reverse("rectification:export_status", args=[job.pk])).status_code == 404
    assert other.get(reverse("rectification:export_download", args=[job.pk])).status_code == 404


def test_background_export_uses_the_requesters_scope(rx, ledger):
    job = ExportJob.objects.create(kind=ExportJob.Kind.HAZARDS, requested_by=rx.cast.cadre_xiguan,
                                   filters={}, total=99)
    run_export(job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as f:
        ws, rows, cal = _read(f.read())
    numbers = {r[1] for r in rows[3:]}
    assert ledger["menghe"].number not in numbers and len(numbers) == 4


def test_issue_list_export_title_and_filtered_rows(rx, supervision, login):
    cast = rx.cast
    items = [actions.add_issue(supervision.visit, actor=cast.supervisor,
                               category=rx.issue_cats["资料档案"], description=f"问题{i}")
             for i in range(3)]
    actions.assign_issue(items[0], actor=cast.supervisor, responsible_unit="西关村委会",
                         responsible_person="李秀英", deadline=rx.today)
    client = login(cast.supervisor)
    url = reverse("rectification:issue_export", args=[supervision.visit.pk])
    ws, rows, cal = _read(b"".join(client.get(url).streaming_content))
    assert rows[0][0] == "第一督导组第一轮督导问题清单"
    assert "督导对象：西关村" in rows[1][0] and f"督导日期：{rx.today:%Y-%m-%d}" in rows[1][0]
    assert [r[3] for r in rows[3:]] == ["问题0", "问题1", "问题2"]
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$1:$3"
    filtered = client.get(url + "?status=open")
    ws, rows, cal = _read(b"".join(filtered.streaming_content))
    assert [r[3] for r in rows[3:]] == ["问题1", "问题2"]
    assert [r[0] for r in cal[3:]] == [1, 2]
    assert login(cast.cadre_menghe).get(url).status_code == 404


def test_hazard_list_page_export_link_carries_the_filters(rx, ledger, login):
    client = login(rx.cast.centre)
    html = client.get(reverse("rectification:hazard_list") + "?grade=一般&status=open").content.decode()
    assert "hazards/export/?status=open&amp;grade=%E4%B8%80%E8%88%AC" in html
    partial = client.get(reverse("rectification:hazard_list") + "?status=assigned",
                         headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="hazard-count">1<' in partial
    assert Hazard.objects.filter(status="assigned").count() == 1
