from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each app's seed.run(ctx) adds its part of the demo town, in this order; ctx carries what
# the earlier ones made (areas, users, ...). Every run is idempotent.
SEED_MODULES = ["demo.seed_grids", "demo.seed_cases", "demo.seed_petitions",
                "demo.seed_rectification"]


class Command(BaseCommand):
    help = "载入演示数据：通渭县平襄镇及其32个村(社区)、演示账号（可重复运行，不会重复写入）。"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="在 DEBUG 关闭（生产环境）时也运行")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG 已关闭：seed_demo 会写入演示账号和演示数据，不应在生产库运行。"
                "确需运行请加 --force。"
            )
        ctx = {"password": settings.DEMO_PASSWORD, "stdout": self.stdout}
        for dotted in SEED_MODULES:
            try:
                module = import_module(dotted)
            except ModuleNotFoundError as exc:
                if exc.name == dotted:
                    continue
                raise
            with transaction.atomic():
                summary = module.run(ctx)
            self.stdout.write(f"{dotted}: {summary or 'ok'}")
        # Trend charts need history: snapshot the last 30 days the way the nightly job does.
        import datetime as dt

        from django.utils import timezone

        from dashboard.stats import backfill

        today = timezone.localdate()
        days = backfill(today - dt.timedelta(days=29), today)
        self.stdout.write(f"dashboard.stats: {days} days of statistics")
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
