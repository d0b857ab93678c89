from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = "信访"

    def ready(self):
        # lazy: models and actions load only once the app registry is ready
        from cases.sources import register_source
        from grids.imports import register as register_import
        from petitions.actions import link_case_from_petition
        from petitions.imports import WORK_ORDERS
        from petitions.models import Petition

        # A case registered from a petition (访调对接): cases asks here, it imports no petitions.
        register_source("petition", visible_to=lambda user: Petition.objects.visible_to(user),
                        link=link_case_from_petition)
        # Work orders from the platforms go through grids' import engine (page and command).
        register_import(WORK_ORDERS)
