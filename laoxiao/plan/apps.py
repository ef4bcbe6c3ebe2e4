from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlanConfig(AppConfig):
    name = "laoxiao.plan"
    label = "plan"

    def ready(self) -> None:
        post_migrate.connect(_load_if_empty, sender=self, dispatch_uid="laoxiao-reference-data")


def _load_if_empty(sender, **kwargs):
    """The reference data (units, indicators, tasks) is loaded by a migration; a database emptied
    by ``flush`` (which emits post_migrate) gets it back here. A filled database is left alone:
    a city's edits stay, and `laoxiao load-reference` reloads the shipped files on purpose."""
    from laoxiao.plan.loader import load_reference_data
    from laoxiao.plan.models import Indicator

    if not Indicator.objects.exists():
        load_reference_data()
