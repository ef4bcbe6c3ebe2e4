from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ImportsConfig(AppConfig):
    name = "laoxiao.imports"
    label = "imports"

    def ready(self) -> None:
        # every app's ``importers`` module registers its import kinds (imports.base.REGISTRY)
        autodiscover_modules("importers")
