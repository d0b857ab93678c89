import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboard.rollups import backfill


class Command(BaseCommand):
    help = ("（重新）生成看板指标的日汇总（dashboard.rollups）：从开始日期至今天。"
            "此后每分钟的更新任务保持其为最新；开始日期之前的期间仍实时计算。默认最近一年。")

    def add_arguments(self, parser):
        parser.add_argument("--start", help="开始日期，如 2026-01-01；默认一年前的今天")

    def handle(self, *args, start=None, **options):
        today = timezone.localdate()
        try:
            start_day = (dt.date.fromisoformat(start) if start
                         else today - dt.timedelta(days=365))
        except ValueError as exc:
            raise CommandError(f"日期格式应为 2026-11-29：{exc}") from None
        if start_day > today:
            raise CommandError("开始日期不能晚于今天。")
        began = time.perf_counter()
        days = backfill(start_day)
        self.stdout.write(f"已生成 {start_day:%Y-%m-%d} 起 {days} 天的日汇总，"
                          f"用时 {time.perf_counter() - began:.1f} 秒。")
