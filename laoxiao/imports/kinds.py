"""Importing this module registers every import kind. Each app keeps its kinds in ``importers.py``."""

from laoxiao.people.importers import children as _children  # noqa: F401
from laoxiao.people.importers import elders as _elders  # noqa: F401
from laoxiao.plan import importers as _indicators  # noqa: F401
from laoxiao.planning import importers as _planning  # noqa: F401
from laoxiao.providers import importers as _providers  # noqa: F401
from laoxiao.regions import importers as _regions  # noqa: F401
