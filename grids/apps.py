from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = "辖区与网格"

    def ready(self):
        # lazy: the middleware module reads the models, loaded once the registry is ready
        from grids.middleware import mark_on_login

        # A temporary password (set by an administrator) is changed at the next login.
        user_logged_in.connect(mark_on_login, dispatch_uid="grids_temporary_password")
