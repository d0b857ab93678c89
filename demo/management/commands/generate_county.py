"""python manage.py generate_county [--towns N] [--seed S]: the county-scale benchmark data."""

import time

from django.core.management.base import BaseCommand

from demo.county import generate


class Command(BaseCommand):
    help = "生成县级规模的基准测试数据（18个乡镇；--towns N 生成前N个乡镇）"

    def add_arguments(self, parser):
        parser.add_argument("--towns", type=int, default=18)
        parser.add_argument("--seed", type=int, default=20261129)

    def handle(self, *args, towns, seed, **options):
        started = time.monotonic()
        report = generate(towns, seed=seed, log=self.stdout.write)
        self.stdout.write(f"generated {len(report)} town(s) in {time.monotonic() - started:.1f} s")
