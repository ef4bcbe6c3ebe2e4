"""importers of the people app: elders in elders.py, children in children.py.

Importing the package registers both kinds (``ImportsConfig.ready()`` imports every app's
``importers``)."""

from laoxiao.people.importers import children, elders

__all__ = ["children", "elders"]
