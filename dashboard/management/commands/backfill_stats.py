import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboard.stats import backfill


class Command(BaseCommand):
    help = "补算每日统计快照（按日覆盖，可重复运行）。默认补算最近30天。"

    def add_arguments(self, parser):
        parser.add_argument("--start", help="开始日期，如 2026-11-01")
        parser.add_argument("--end", help="结束日期（含），默认今天")

    def handle(self, *args, start=None, end=None, **options):
        try:
            end_day = dt.date.fromisoformat(end) if end else timezone.localdate()
            start_day = (dt.date.fromisoformat(start) if start
                         else end_day - dt.timedelta(days=29))
        except ValueError as exc:
            raise CommandError(f"日期格式应为 2026-11-29：{exc}") from None
        if start_day > end_day:
            raise CommandError("开始日期不能晚于结束日期。")
        days = backfill(start_day, end_day)
        self.stdout.write(f"已补算 {start_day:%Y-%m-%d} 至 {end_day:%Y-%m-%d}，共 {days} 天。")
