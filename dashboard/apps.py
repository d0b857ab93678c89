from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DashboardConfig(AppConfig):
    """The leaders' figures: the dashboard, trends, the briefing and the nightly statistics.
    Apps declare their figures with pingxiang.metrics; this app reads the registry and imports
    none of them."""

    name = "dashboard"
    verbose_name = "数据看板"

    def ready(self):
        from dashboard.rollups import install_triggers  # reads models: ready only now

        post_migrate.connect(install_triggers, sender=self, dispatch_uid="pingxiang_rollup")
