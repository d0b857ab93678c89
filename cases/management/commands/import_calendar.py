from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.calendar_import import CalendarImportError, import_calendar_rows, read_rows


class Command(BaseCommand):
    help = "导入工作日历（CSV 或 Excel：日期, 上班/休息, 说明）。"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--replace", action="store_true", help="先清除文件所含年份的原有记录")

    def handle(self, path, replace=False, **options):
        file = Path(path)
        if not file.exists():
            raise CommandError(f"找不到文件 {path}")
        try:
            result = import_calendar_rows(read_rows(file.read_bytes(), file.name), replace=replace)
        except CalendarImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已导入 {result['count']} 天（{result['years']}年）。")
