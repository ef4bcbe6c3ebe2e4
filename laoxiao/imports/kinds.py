"""Importing this module registers every import kind. Each app keeps its kinds in ``importers.py``."""

from laoxiao.regions import importers as _regions  # noqa: F401
