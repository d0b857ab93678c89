"""python manage.py generate_city [--counties N] [--towns N] [--scale X] [--seed S]: the
city-scale data (定西市, issue 22 §1); resumable, a town at a time."""

import time

from django.core.management.base import BaseCommand, CommandError

from demo.city import CityError, generate_city


class Command(BaseCommand):
    help = "生成市级规模的基准测试数据（定西市7个县区约119个乡镇；可中断后续跑）"

    def add_arguments(self, parser):
        parser.add_argument("--counties", type=int, default=None, help="只生成前N个县区")
        parser.add_argument("--towns", type=int, default=None, help="每个县区只生成前N个乡镇")
        parser.add_argument("--scale", type=float, default=1.0,
                            help="记录数量的比例（1.0为全量；区划不变）")
        parser.add_argument("--seed", type=int, default=20261129)

    def handle(self, *args, counties, towns, scale, seed, **options):
        if not 0 < scale <= 1:
            raise CommandError("--scale 须大于0且不大于1。")
        started = time.monotonic()
        try:
            report = generate_city(counties, towns, scale=scale, seed=seed,
                                   log=self.stdout.write)
        except CityError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"generated {len(report)} town(s) in "
                          f"{time.monotonic() - started:.1f} s")
