from django.conf import settings
from django.core.management.base import BaseCommand

from demo.seed_grids import DEMO_USERS


class Command(BaseCommand):
    help = "列出演示账号。"

    def handle(self, *args, **options):
        self.stdout.write(f"\n演示账号（密码均为 {settings.DEMO_PASSWORD}）：")
        for username, full_name, role, where, title in DEMO_USERS:
            self.stdout.write(f"  {username:<16} {role.label:<10} {full_name} · {where} · {title}")
