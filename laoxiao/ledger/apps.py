from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "laoxiao.ledger"
    label = "ledger"
    verbose_name = "Ledger"
