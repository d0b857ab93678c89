"""Imports of what towns already keep (issue 20 §4): 10,000 rows of each kind through the
import engine (grids.imports.run_import, the page's and the command's path), then the same
file again (the idempotent re-import), timed from the bytes of the .xlsx to the commit.

    DATABASE_URL=postgres://.../pingxiang_bench REDIS_URL=redis://... DEBUG=true \\
        .venv/bin/python -m bench.imports --rows 10000

The database must be migrated (manage.py migrate). The areas and users are the tests' cast
(tests/conftest.py build_cast) when the database has none; everything the run imports is
rolled back at the end, so it can run again on the same database.
"""

import argparse
import datetime as dt
import io
import os
import time


class Rollback(Exception):  # noqa: N818 - control flow, not an error
    pass


def sheet(spec, rows):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([c.header for c in spec.columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def timed(spec, data, actor):
    from grids.imports import run_import

    started, cpu = time.monotonic(), time.process_time()
    result = run_import(spec, io.BytesIO(data), size=len(data), actor=actor)
    elapsed = time.monotonic() - started
    assert result.ok, result.errors[:3]
    print(f"  (this process's CPU {time.process_time() - cpu:.1f} s; load "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    return elapsed, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--only", nargs="*", help="steps to run (households is always run)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingxiang.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from grids.imports import HOUSEHOLDS, KEY_PERSONS, KEY_PLACES
    from grids.models import Area
    from petitions.imports import WORK_ORDERS
    from tests.conftest import build_cast
    from tests.grids.conftest import valid_id

    n = args.rows
    if not Area.objects.filter(name="高家庄社第一网格").exists():
        build_cast()
    users = get_user_model().objects
    cadre, centre = users.get(username="cadre_xiguan"), users.get(username="centre")
    ids = [valid_id(seq=i) for i in range(n)]
    # The work orders' petitioners are people not on file yet, as on a town's first import
    # of its platform orders (each one a new 一人一档 record).
    petitioners = [valid_id(seq=n + i) for i in range(n)]
    grids = ["高家庄社第一网格", "高家庄社第二网格"]
    print(f"{n} rows each")
    rows = [["西关村", "高家庄社", grids[i % 2], str(i // 3 + 1), f"王{i}",
             "户主" if i % 3 == 0 else "子", ids[i], "", "", "13800000000", ""]
            for i in range(n)]
    # Three people a household: a household's members share grid and house number.
    for i, row in enumerate(rows):
        row[2] = grids[(i // 3) % 2]
    people = [[f"王{i}", ids[i], "吸毒人员" if i % 2 else "社区矫正对象", "黄", "", "", ""]
              for i in range(n)]
    places = [["西关村", "高家庄社", grids[i % 2], f"场所{i}", "九小场所", f"西关村{i}号",
               "平襄镇安监站", "李明", "13800001234"] for i in range(n)]
    received = (timezone.localtime() - dt.timedelta(days=30)).replace(tzinfo=None)
    orders = [["民生信息平台", f"MS2026{i:05d}", "求助", "西关村", "", "", received,
               f"李{i}", petitioners[i], "", "自来水管道破裂", "村口自来水管道破裂", "城乡建设",
               received + dt.timedelta(days=1), received + dt.timedelta(days=5), "已修复",
               "满意", "满意", "电话回访", received + dt.timedelta(days=6)]
              for i in range(n)]
    steps = [("households", HOUSEHOLDS, rows, cadre, False),
             ("key persons", KEY_PERSONS, people, cadre, True),
             ("key places", KEY_PLACES, places, cadre, True),
             ("work orders", WORK_ORDERS, orders, centre, True)]
    try:
        with transaction.atomic():
            for name, spec, data_rows, actor, again in steps:
                if args.only and name != "households" and name not in args.only:
                    continue
                data = sheet(spec, data_rows)
                elapsed, result = timed(spec, data, actor)
                print(f"{name}: {elapsed:.1f} s, {result.summary()} ({len(data) // 1024} KB)")
                if again:
                    elapsed, result = timed(spec, data, actor)
                    print(f"{name} again: {elapsed:.1f} s, {result.summary()}")
            raise Rollback
    except Rollback:
        print("rolled back")


if __name__ == "__main__":
    main()
