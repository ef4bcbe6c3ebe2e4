"""Import kinds of the services app, one module per part (found by ``autodiscover_modules``)."""

from laoxiao.services.importers import orders  # noqa: F401
