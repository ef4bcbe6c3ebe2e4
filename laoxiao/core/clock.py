"""The one clock: what day it is for laoxiao.

Ask ``today()``, never the system date, so that a whole run (a demo built as of another day, a test)
can be set to another day in one place. Checks on a record use the record's own dates.

The order in which ``today()`` answers:

1. a day set by ``frozen(day)`` (a context manager, for tests; nests, and is per thread);
2. the setting ``LAOXIAO_TODAY`` (an ISO date; ``settings.py`` reads the environment variable of the
   same name), for a whole run as of another day;
3. the date in the platform's time zone (``TIME_ZONE``).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

_local = threading.local()


def _as_date(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    return dt.date.fromisoformat(day)


def today() -> dt.date:
    """Today for laoxiao: a frozen day, else ``LAOXIAO_TODAY``, else today in ``TIME_ZONE``."""
    stack: list[dt.date] = getattr(_local, "days", [])
    if stack:
        return stack[-1]
    configured = getattr(settings, "LAOXIAO_TODAY", "") or ""
    if configured:
        try:
            return _as_date(configured)
        except ValueError:
            raise ImproperlyConfigured(f"LAOXIAO_TODAY is not an ISO date: {configured!r}") from None
    return timezone.localdate()


def now() -> dt.datetime:
    """The moment for laoxiao: a frozen moment (``frozen(datetime)``) as it is; a frozen or
    configured day at the present time of day in ``TIME_ZONE``; else ``timezone.now()``. So a demo
    built as of another day stamps its records on that day."""
    moments: list[dt.datetime | None] = getattr(_local, "moments", [])
    stack: list[dt.date] = getattr(_local, "days", [])
    last = moments[-1] if moments else None
    if last is not None:
        return last
    configured: str = getattr(settings, "LAOXIAO_TODAY", "") or ""
    if stack or configured:
        local = timezone.localtime()
        return local.replace(year=(day := today()).year, month=day.month, day=day.day)
    return timezone.now()


@contextmanager
def frozen(day: dt.date | dt.datetime | str) -> Iterator[dt.date]:
    """``today()`` answers ``day`` inside the block (a date, an ISO string, or a datetime: then
    ``now()`` answers that moment too)."""
    value = _as_date(day)
    moment: dt.datetime | None = None
    if isinstance(day, dt.datetime):
        moment = day if timezone.is_aware(day) else timezone.make_aware(day)
        value = timezone.localtime(moment).date()
    stack: list[dt.date] = getattr(_local, "days", None) or []
    moments: list[dt.datetime | None] = getattr(_local, "moments", None) or []
    _local.days = stack
    _local.moments = moments
    stack.append(value)
    moments.append(moment)
    try:
        yield value
    finally:
        stack.pop()
        moments.pop()
