from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from pingxiang.backup import dump


class Command(BaseCommand):
    help = "用 pg_dump 备份数据库（custom 格式），默认写到 var/backups/。"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="备份文件路径")

    def handle(self, *args, path=None, **options):
        target = path or settings.VAR_DIR / "backups" / f"pingxiang-{timezone.now():%Y%m%d-%H%M%S}.dump"

        Path(target).parent.mkdir(parents=True, exist_ok=True)
        dump(settings.DATABASES["default"], target)
        self.stdout.write(f"已备份到 {target}")
