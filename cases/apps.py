from django.apps import AppConfig

from pingxiang.registry import working_day_calendar


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "矛盾纠纷"

    def ready(self):
        # lazy: the calendar reads its table, loaded once the app registry is ready
        from cases.workdays import is_working_day

        # The installation's working days for apps that may not import cases (messaging's
        # morning digest goes out on working days only).
        working_day_calendar(is_working_day)
