"""The services import kinds, one module per part (registered on import)."""

from laoxiao.services.importers import visits as visits  # noqa: F401
