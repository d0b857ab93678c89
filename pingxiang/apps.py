from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules

from pingxiang.figurecache import install_triggers


class PingxiangConfig(AppConfig):
    name = "pingxiang"
    verbose_name = "系统"

    def ready(self):
        from pingxiang import checks  # noqa: F401  (registers system checks)

        # Each app may contribute navigation, home-page panels, deadline sweepers and
        # dashboard figures from its own nav.py / sweeps.py / metrics.py; the shell and the sweep collect them here.
        autodiscover_modules("nav")
        autodiscover_modules("sweeps")
        autodiscover_modules("metrics")
        autodiscover_modules("handover")



        post_migrate.connect(install_triggers, sender=self,
                             dispatch_uid="pingxiang_figures_version")
