"""Key persons and key places through the one import engine: all-or-nothing, every bad row
named, a second import of the same sheet changes nothing, the template, the command."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from grids.imports import KEY_PERSONS, KEY_PLACES, run_import
from grids.models import KeyPerson, KeyPlace
from pingxiang.models import AuditEvent

pytestmark = pytest.mark.django_db


def xlsx(spec, rows):
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in spec.columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(spec, data, actor):
    return run_import(spec, io.BytesIO(data), size=len(data), actor=actor)


def person_row(resident, categories="社区矫正对象", risk="黄", every="", responsible="",
               notes=""):
    return [resident.name, resident.id_number, categories, risk, every, responsible, notes]


def place_row(name, kind="物流企业", grid="高家庄社第一网格", unit="平襄镇安监站",
              village="西关村", group="高家庄社", phone="13800001234"):
    return [village, group, grid, name, kind, "西关村12号", unit, "李明", phone]


def test_key_persons_import_and_a_second_import_changes_nothing(cast, make_household):
    a = make_household(cast.xiguan_grid, head="甲某").head
    b = make_household(cast.xiguan_grid, head="乙某").head
    data = xlsx(KEY_PERSONS, [person_row(a, responsible="grid_xiguan"),
                              person_row(b, "吸毒人员、重点青少年", "红", "14")])
    result = run(KEY_PERSONS, data, cast.cadre_xiguan)
    assert result.ok, result.errors
    assert result.counts == {"新增": 2, "更新": 0, "无变化": 0}
    first = KeyPerson.objects.get(resident=a)
    assert first.risk_level == "黄" and first.responsible == cast.grid_xiguan
    assert first.visit_every_days == 7  # the category's default
    second = KeyPerson.objects.get(resident=b)
    assert second.visit_every_days == 14 and second.risk_level == "红"
    assert sorted(c.name for c in second.categories.all()) == ["吸毒人员", "重点青少年"]
    events = AuditEvent.objects.filter(action="keyperson.register").count()
    assert events == 2

    again = run(KEY_PERSONS, data, cast.cadre_xiguan)
    assert again.counts == {"新增": 0, "更新": 0, "无变化": 2}
    assert KeyPerson.objects.count() == 2
    assert AuditEvent.objects.filter(action__startswith="keyperson").count() == events

    changed = xlsx(KEY_PERSONS, [person_row(a, risk="橙", responsible="grid_xiguan")])
    result = run(KEY_PERSONS, changed, cast.cadre_xiguan)
    assert result.counts == {"新增": 0, "更新": 1, "无变化": 0}
    first.refresh_from_db()
    assert first.risk_level == "橙"
    assert AuditEvent.objects.filter(action="keyperson.edit", object_id=str(first.pk)).count() == 1


def test_key_person_import_with_one_bad_row_imports_nothing(cast, make_household):
    a = make_household(cast.xiguan_grid, head="甲某").head
    b = make_household(cast.xiguan_grid, head="乙某").head
    outsider = make_household(cast.menghe_grid, head="丙某").head
    c = make_household(cast.xiguan_grid, head="丁某").head
    d = make_household(cast.xiguan_grid, head="戊某").head
    data = xlsx(KEY_PERSONS, [
        person_row(a),                                  # row 2: fine
        person_row(b, categories="不存在的类别"),         # row 3
        person_row(a),                                  # row 4: same person twice
        person_row(outsider),                           # row 5: another village
        [b.name, "620000197001011235", "吸毒人员"],      # row 6: bad check digit
        ["错名", c.id_number, "吸毒人员"],                # row 7: name does not match
        person_row(d, risk="紫", responsible="nobody"),  # row 8
    ])
    result = run(KEY_PERSONS, data, cast.cadre_xiguan)
    errors = dict(result.errors)
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert "不存在的类别" in errors[3]
    assert "与第2行重复" in errors[4]
    assert "不在您负责的辖区内" in errors[5]
    assert "校验位" in errors[6]
    assert "不一致" in errors[7]
    assert "风险等级" in errors[8] and "nobody" in errors[8]
    assert not KeyPerson.objects.exists()


def test_key_places_import_update_and_idempotence(cast):
    data = xlsx(KEY_PLACES, [place_row("顺达物流"), place_row("货运站一号", "货运站")])
    result = run(KEY_PLACES, data, cast.centre)
    assert result.counts == {"新增": 2, "更新": 0, "无变化": 0}
    place = KeyPlace.objects.get(name="顺达物流")
    assert place.responsible_unit == "平襄镇安监站" and place.grid == cast.xiguan_grid
    assert run(KEY_PLACES, data, cast.centre).counts == {"新增": 0, "更新": 0, "无变化": 2}
    moved = xlsx(KEY_PLACES, [place_row("顺达物流", unit="县交通局")])
    assert run(KEY_PLACES, moved, cast.centre).counts == {"新增": 0, "更新": 1, "无变化": 0}
    place.refresh_from_db()
    assert place.responsible_unit == "县交通局" and place.version == 1
    assert KeyPlace.objects.count() == 2


def test_key_place_import_with_one_bad_row_imports_nothing(cast):
    data = xlsx(KEY_PLACES, [place_row("顺达物流"), place_row("甲", kind="酒吧"),
                             place_row("顺达物流"), place_row("乙", grid="没有的网格"),
                             place_row("丙", phone="12")])
    result = run(KEY_PLACES, data, cast.cadre_xiguan)
    errors = dict(result.errors)
    assert set(errors) == {3, 4, 5, 6}
    assert "酒吧" in errors[3] and "同名场所" in errors[4] and "没有的网格" in errors[5]
    assert "联系电话" in errors[6]
    assert not KeyPlace.objects.exists()


@pytest.mark.parametrize("kind, title", [("key_persons", "重点人员"), ("key_places", "重点场所")])
def test_template_download_has_the_spec_columns(login, cast, kind, title):
    client = login(cast.cadre_xiguan)
    response = client.get(reverse("grids:import_kind_template", args=[kind]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    spec = {"key_persons": KEY_PERSONS, "key_places": KEY_PLACES}[kind]
    assert [c.value for c in wb.active[1]] == [
        f"{c.header}*" if c.required else c.header for c in spec.columns]
    assert "填写说明" in wb.sheetnames
    page = client.get(reverse("grids:import_kind", args=[kind]))
    assert page.status_code == 200 and f"从 Excel 导入{title}" in page.content.decode()
    assert login(cast.grid_xiguan).get(reverse("grids:import_kind", args=[kind])).status_code \
        == 403
    assert client.get(reverse("grids:import_kind", args=["nothing"])).status_code == 404


def test_the_page_imports_key_places(login, cast):
    data = xlsx(KEY_PLACES, [place_row("顺达物流")])
    response = login(cast.cadre_xiguan).post(
        reverse("grids:import_kind", args=["key_places"]),
        {"file": SimpleUploadedFile("场所.xlsx", data)})
    assert "新增 <strong>1</strong>" in response.content.decode()
    assert KeyPlace.objects.filter(name="顺达物流").exists()


def test_command_runs_the_same_path(cast, tmp_path, make_household):
    a = make_household(cast.xiguan_grid, head="甲某").head
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(KEY_PERSONS, [person_row(a), person_row(a, categories="无")]))
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_records", "key_persons", str(bad), "--user", "cadre_xiguan")
    assert not KeyPerson.objects.exists()
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(KEY_PERSONS, [person_row(a)]))
    out = io.StringIO()
    call_command("import_records", "key_persons", str(good), "--user", "cadre_xiguan",
                 stdout=out)
    assert "新增 1" in out.getvalue()
    call_command("import_records", "key_persons", str(good), stdout=out)
    assert "无变化 1" in out.getvalue()
    with pytest.raises(CommandError, match="没有“nothing”这种导入"):
        call_command("import_records", "nothing", str(good))
