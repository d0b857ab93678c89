from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "矛盾纠纷"
