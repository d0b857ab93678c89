from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from grids.imports import HOUSEHOLDS
from grids.management.commands.import_records import run_file


class Command(BaseCommand):
    help = "从 Excel（.xlsx）导入户和居民（即 import_records households）：任何一行有误则全部不导入。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", help="以该用户身份导入（限其辖区，并记入操作记录）")

    def handle(self, *args, file, user=None, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在。")
        result = run_file(HOUSEHOLDS, file, actor)
        if not result.ok:
            for row, message in result.errors:
                self.stderr.write(f"第{row}行：{message}")
            raise CommandError(f"共 {len(result.errors)} 处错误，未导入任何数据。")
        self.stdout.write(self.style.SUCCESS(
            f"导入完成：{result.households} 户，{result.residents} 人。"))
