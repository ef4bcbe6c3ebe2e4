"""Import kinds of the services app, one module per part (``ImportsConfig.ready()`` imports this
package through ``autodiscover_modules``; each part adds its own import line)."""

from laoxiao.services.importers import (
    meals,  # noqa: F401
    orders,  # noqa: F401
)
