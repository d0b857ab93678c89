"""Platform work orders through the import engine: each with its platform number; the same
sheet twice changes nothing; a re-import moves status and rating; an unknown number format
is refused with its row and nothing is imported."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from grids.imports import run_import
from petitions.imports import WORK_ORDERS
from petitions.models import Petition, PlatformFormat, Rating
from pingxiang.models import AuditEvent

from .conftest import id_number

pytestmark = pytest.mark.django_db


def day(n, hour=9):
    moment = timezone.localtime() - dt.timedelta(days=n)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0, tzinfo=None)


def order(ref, n=1, *, platform="民生信息平台", accepted=None, closed=None, rating=None,
          village="西关村"):
    rate = rating or ("", "", "", None)
    return [platform, ref, "求助" if platform == "民生信息平台" else "", village, "高家庄社",
            "高家庄社第一网格", day(20), f"诉求人{n}", id_number(n), "13900000001",
            "自来水管道破裂", "村口自来水管道破裂三天无人维修", "城乡建设", accepted,
            closed, "已协调修复" if closed else "", *rate]


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in WORK_ORDERS.columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(rows, actor):
    data = xlsx(rows)
    return run_import(WORK_ORDERS, io.BytesIO(data), size=len(data), actor=actor)


def test_orders_import_once_and_a_reimport_moves_status_and_rating(cast):
    rows = [order("MS202600001", 1), order("20261129083012345", 2, platform="12345"),
            order("WSXF2026112900001", 3, platform="网上信访", accepted=day(19))]
    result = run(rows, cast.centre)
    assert result.ok, result.errors
    assert result.counts == {"新增": 3, "更新": 0, "无变化": 0}
    assert Petition.objects.get(channel_ref="MS202600001").channel == "livelihood"
    for p in Petition.objects.all():  # the numbers register_petition would have given
        assert p.number == f"XF{timezone.localtime(p.received_at):%Y}-{p.pk:05d}"
    assert Petition.objects.get(channel_ref="20261129083012345").channel == "phone"
    assert Petition.objects.get(channel_ref="WSXF2026112900001").status == "accepted"
    # Each petitioner new to the town is filed once (一人一档), with its 建档 audit row and
    # sex and birth date from the ID number; each petition's registration is in the trail.
    petitioner = Petition.objects.get(channel_ref="MS202600001").petitioner
    assert (petitioner.name, petitioner.id_number) == ("诉求人1", id_number(1))
    assert petitioner.birth_date is not None and petitioner.sex
    assert AuditEvent.objects.filter(action="resident.create",
                                     object_id=str(petitioner.pk)).count() == 1
    assert AuditEvent.objects.filter(action="petition.register").count() == 3

    again = run(rows, cast.centre)
    assert again.counts == {"新增": 0, "更新": 0, "无变化": 3}
    assert Petition.objects.count() == 3
    events = AuditEvent.objects.count()

    later = [order("MS202600001", 1, accepted=day(19), closed=day(10),
                   rating=("满意", "基本满意", "电话回访", day(5)))]
    assert run(later, cast.centre).counts == {"新增": 0, "更新": 1, "无变化": 0}
    petition = Petition.objects.get(channel_ref="MS202600001")
    assert petition.status == "closed" and petition.rating_result == "基本满意"
    assert Rating.objects.filter(petition=petition).count() == 1
    actions = set(AuditEvent.objects.filter(object_id=str(petition.pk))
                  .values_list("action", flat=True))
    assert {"petition.accept", "petition.close", "petition.rate"} <= actions
    assert AuditEvent.objects.count() > events
    assert run(later, cast.centre).counts == {"新增": 0, "更新": 0, "无变化": 1}


def test_an_unknown_number_format_is_refused_and_nothing_is_imported(cast):
    rows = [order("MS202600001", 1), order("B01-77", 2), order("MS202600003", 3, village="没有村"),
            order("MS202600004", 4, platform="微博")]
    result = run(rows, cast.centre)
    errors = dict(result.errors)
    assert set(errors) == {3, 4, 5}
    assert "不符合民生信息平台的编号格式" in errors[3] and "MS202600001" in errors[3]
    assert "没有村" in errors[4] and "微博" in errors[5]
    assert not Petition.objects.exists()
    # The format is data: an administrator widens it and the same order goes in.
    PlatformFormat.objects.filter(channel="livelihood").update(pattern=r"MS\d{9}|B\d{2}-\d+")
    assert run([order("B01-77", 2)], cast.centre).ok


def test_only_centre_staff_import_orders_and_the_command_needs_a_user(login, cast, tmp_path):
    assert login(cast.cadre_xiguan).get(
        reverse("grids:import_kind", args=["work_orders"])).status_code == 403
    assert login(cast.centre).get(
        reverse("grids:import_kind_template", args=["work_orders"])).status_code == 200
    sheet = tmp_path / "orders.xlsx"
    sheet.write_bytes(xlsx([order("MS202600001", 1)]))
    with pytest.raises(CommandError, match="--user"):
        call_command("import_records", "work_orders", str(sheet))
    out = io.StringIO()
    call_command("import_records", "work_orders", str(sheet), "--user", "centre", stdout=out)
    assert "新增 1" in out.getvalue()
