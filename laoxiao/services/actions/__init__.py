"""The services writes, one topic per module (``actions/orders.py``, ``actions/visits.py`` ...)."""
