import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from grids.imports import COLUMNS, import_households
from grids.models import Household, Resident

from .conftest import valid_id

pytestmark = pytest.mark.django_db

HEADER = [c for c, _r, _e in COLUMNS]


def xlsx(rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(house, name, relation="户主", id_number=None, grid="高家庄社第一网格", village="西关村",
        group="高家庄社", flags=""):
    return [village, group, grid, str(house), name, relation,
            valid_id() if id_number is None else id_number, "", "", "13800000000", flags]


def upload(data, name="户籍.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_good_file_imports_households_with_members(login, cast):
    data = xlsx([row(1, "王建国", flags="外出务工、低保"), row(1, "李芳", "配偶"),
                 row(2, "赵大海"), row(3, "孙立", grid="高家庄社第二网格")])
    response = login(cast.cadre_xiguan).post(reverse("grids:import"), {"file": upload(data)})
    assert response.status_code == 200
    assert "导入 <strong>3</strong> 户、<strong>4</strong> 人" in response.content.decode()
    household = Household.objects.get(grid=cast.xiguan_grid, house_number="1")
    assert household.head.name == "王建国" and household.member_count == 2
    assert household.flags == ["外出务工", "低保"]
    assert household.address == "西关村高家庄社1号"
    assert "wjg" in household.search_text and "lf" in household.search_text


def test_one_bad_row_imports_nothing_and_names_the_row(login, cast):
    good = valid_id()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    dup = valid_id()
    existing = Resident.objects.create(name="老住户", id_number=valid_id())
    data = xlsx([
        row(1, "王建国"),                               # row 2: fine
        row(2, "李四", id_number=bad_check),           # row 3
        row(3, "张三", grid="不存在的网格"),             # row 4
        row(4, "", relation="户主"),                   # row 5
        row(5, "赵五", id_number=dup),                 # row 6
        row(6, "钱六", id_number=dup),                 # row 7: same ID as row 6
        row(7, "孙七", id_number=existing.id_number),  # row 8: already on file
        row(8, "周八", relation="子"),                 # row 9: a household with no head
        row(9, "吴九", grid="孟河一社网格", village="孟河村", group="孟河一社"),  # row 10
        row(10, "郑十", flags="富裕户"),               # row 11
    ])
    response = login(cast.cadre_xiguan).post(reverse("grids:import"), {"file": upload(data)})
    assert response.status_code == 200  # the page again, with the reasons
    errors = dict(response.context["result"].errors)
    assert set(errors) == {3, 4, 5, 7, 8, 9, 10, 11}
    assert "校验位" in errors[3]
    assert "不存在的网格" in errors[4]
    assert "“姓名”不能为空" in errors[5]
    assert "与第6行重复" in errors[7]
    assert "已在系统中登记" in errors[8]
    assert "户主" in errors[9]
    assert "不在您负责的辖区内" in errors[10]
    assert "富裕户" in errors[11]
    html = response.content.decode()
    assert "第 3 行" in html and "未导入任何数据" in html
    assert not Household.objects.exists()
    assert Resident.objects.count() == 1


def test_a_household_already_registered_is_not_imported_twice(cast):
    data = xlsx([row(1, "王建国")])
    assert import_households(io.BytesIO(data), size=len(data)).households == 1
    again = xlsx([row(1, "王建国")])
    result = import_households(io.BytesIO(again), size=len(again))
    assert not result.ok and "已登记" in result.errors[0][1]
    assert Household.objects.count() == 1


@pytest.mark.parametrize("content, message", [
    (b"name,id\n1,2\n", "不是 Excel 2007 及以上的 .xlsx 格式"),
    (b"PK\x03\x04broken", "文件已损坏"),
])
def test_files_that_are_not_xlsx_are_refused(login, cast, content, message):
    response = login(cast.cadre_xiguan).post(reverse("grids:import"),
                                             {"file": upload(content, "户籍.xlsx")})
    assert response.status_code == 200  # the page again, with the reasons
    assert message in response.content.decode()


def test_files_with_macros_are_refused(login, cast):
    data = io.BytesIO(xlsx([row(1, "王建国")]))
    with zipfile.ZipFile(data, "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"\x00macro")
    response = login(cast.cadre_xiguan).post(reverse("grids:import"),
                                             {"file": upload(data.getvalue(), "户籍.xlsm")})
    assert "含有宏" in response.content.decode()
    assert not Household.objects.exists()


def test_oversized_files_are_refused(login, cast, settings):
    settings.GRIDS_IMPORT_MAX_BYTES = 1024
    response = login(cast.cadre_xiguan).post(reverse("grids:import"),
                                             {"file": upload(b"PK\x03\x04" + b"0" * 2048)})
    assert "超过上限" in response.content.decode()


def test_missing_header_is_refused(login, cast):
    data = xlsx([["西关村"]], header=["村(社区)"])
    response = login(cast.cadre_xiguan).post(reverse("grids:import"), {"file": upload(data)})
    assert "缺少必填列" in response.content.decode()


def test_template_downloads_and_round_trips(login, cast):
    client = login(cast.cadre_xiguan)
    response = client.get(reverse("grids:import_template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.active[1]][:3] == ["村(社区)*", "社(小区)*", "网格*"]
    assert client.get(reverse("grids:import")).status_code == 200
    assert login(cast.grid_xiguan).get(reverse("grids:import")).status_code == 403


def test_command_runs_the_same_checks(cast, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([row(1, "王建国"), row(2, "李四", grid="没有")]))
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_households", str(bad))
    assert not Household.objects.exists()
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([row(1, "王建国"), row(1, "李芳", "配偶")]))
    out = io.StringIO()
    call_command("import_households", str(good), stdout=out)
    assert "户籍导入完成（2 行）：户 1，人 2" in out.getvalue()


def test_ten_thousand_rows_import_in_under_a_minute(cast):
    rows = []
    for n in range(10000):
        rows.append(row(n // 3 + 1, f"王{n}", "户主" if n % 3 == 0 else "子",
                        grid="高家庄社第一网格" if n // 3 < 1667 else "高家庄社第二网格"))
    data = xlsx(rows)
    started = time.monotonic()
    result = import_households(io.BytesIO(data), size=len(data))
    elapsed = time.monotonic() - started
    assert result.ok, result.errors[:3]
    assert result.residents == 10000
    assert elapsed < 60
