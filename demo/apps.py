from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo town (seed_demo, demo_logins) and the benchmark's county (generate_county):
    data for showing and measuring the app, kept out of the apps that run it."""

    name = "demo"
    verbose_name = "演示与基准数据"
