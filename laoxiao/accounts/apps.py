from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "laoxiao.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Django wiring: accounts.actions imports the models, which cannot be imported before the app
        # registry is ready (so not at the top of apps.py)
        from laoxiao.accounts.actions import roles_sync

        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="laoxiao-roles-sync")
        self._roles_sync = roles_sync


def _sync_roles(sender, **kwargs):
    sender._roles_sync(using=kwargs.get("using", "default"))
