"""The services import kinds, one module per topic (found by ``autodiscover_modules("importers")``)."""

from laoxiao.services.importers import claims as claims  # noqa: F401
