import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from dashboard.stats import backfill
from demo import seed_cases, seed_grids, seed_petitions, seed_rectification

# Each module's run(ctx) adds its part of the demo town, in this order; ctx carries what the
# earlier ones made (areas, users, ...). Every run is idempotent. Imported, not looked up by
# name: a part that cannot load stops the seed instead of being skipped.
SEED_MODULES = [seed_grids, seed_cases, seed_petitions, seed_rectification]


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
        for module in SEED_MODULES:
            with transaction.atomic():
                summary = module.run(ctx)
            self.stdout.write(f"{module.__name__}: {summary or 'ok'}")
        # Trend charts need history: snapshot the last 30 days the way the nightly job does.



        today = timezone.localdate()
        days = backfill(today - dt.timedelta(days=29), today)
        self.stdout.write(f"dashboard.stats: {days} days of statistics")
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
