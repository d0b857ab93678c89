from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = "辖区与网格"

    def ready(self):
        from grids.areatree import areas_by_keys
        from grids.models import Area
        from pingxiang.related import register_key_source

        register_key_source(Area, areas_by_keys)
