"""Operational limits of imports, read from settings (environment, docs/deployment.md)."""

from __future__ import annotations

import dataclasses
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.core.i18n import fmt


@dataclasses.dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_errors: int
    max_seconds: float
    max_unzipped_bytes: int
    chunk_rows: int

    @classmethod
    def current(cls) -> Limits:
        return cls(
            max_bytes=int(settings.LAOXIAO_IMPORT_MAX_BYTES),
            max_rows=int(settings.LAOXIAO_IMPORT_MAX_ROWS),
            max_errors=int(settings.LAOXIAO_IMPORT_MAX_ERRORS),
            max_seconds=float(settings.LAOXIAO_IMPORT_MAX_SECONDS),
            max_unzipped_bytes=int(settings.LAOXIAO_IMPORT_MAX_UNZIPPED_BYTES),
            chunk_rows=int(settings.LAOXIAO_IMPORT_CHUNK_ROWS),
        )


class Deadline:
    """Checked while reading and validating; past it, the import stops with a clear error."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise ValidationError(
                fmt(
                    _("The import took longer than %(n)s seconds and was stopped: split the file."),
                    n=int(self.seconds),
                )
            )
