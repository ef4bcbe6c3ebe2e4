"""The one clock: what day it is for laoxiao.

Ask ``today()``, never the system date, so that a whole run (a demo built as of another day, a test)
can be set to another day in one place. Checks on a record use the record's own dates.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """Today in the platform's time zone (``TIME_ZONE``)."""
    return timezone.localdate()
