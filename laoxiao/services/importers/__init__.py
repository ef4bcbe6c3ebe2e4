"""Import (and export) kinds of the services app, one module per part; ``ImportsConfig.ready()``
imports this package through ``autodiscover_modules("importers")``."""

from laoxiao.services.importers import claims, meals, orders, visits

__all__ = ["claims", "meals", "orders", "visits"]
