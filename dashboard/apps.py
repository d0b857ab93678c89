from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The leaders' figures: the dashboard, trends, the briefing and the nightly statistics.
    Apps declare their figures with pingxiang.metrics; this app reads the registry and imports
    none of them."""

    name = "dashboard"
    verbose_name = "数据看板"
