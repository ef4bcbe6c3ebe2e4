from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_save

from laoxiao.core.hostile import check_model_instance


class CoreConfig(AppConfig):
    name = "laoxiao.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        post_migrate.connect(_load_rules, sender=self, dispatch_uid="laoxiao-load-rules")
        pre_save.connect(_refuse_unstorable, dispatch_uid="laoxiao-refuse-unstorable")


def _load_rules(sender, **kwargs):
    """Shipped rule versions are (re)loaded after every migrate; a city's own versions stay."""
    # Django wiring: core.rules reads core.models, not importable before the registry is ready
    from laoxiao.core.rules import load_rules

    load_rules()


def _refuse_unstorable(sender, instance, raw=False, **kwargs):
    """No save sends the database a value it cannot hold (a ValidationError naming the field)."""
    if raw:
        return
    check_model_instance(instance)
