from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "laoxiao.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        post_migrate.connect(_load_rules, sender=self, dispatch_uid="laoxiao-load-rules")


def _load_rules(sender, **kwargs):  # type: ignore[no-untyped-def]
    """Shipped rule versions are (re)loaded after every migrate; a city's own versions stay."""
    from laoxiao.core.rules import load_rules

    load_rules()
