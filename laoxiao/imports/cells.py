"""Cells a spreadsheet will not run: the one CSV writer of exports and error reports.

A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is prefixed with ``'`` (OWASP,
"CSV injection"); numbers (int, float) are written as numbers and stay so.
"""

from __future__ import annotations

import csv
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading ``'``; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_writer(buf: Any) -> Any:
    """The one CSV writer of exports and reports: CRLF line ends (RFC 4180), so that a CR inside a
    cell is quoted too (with ``\\n`` line ends Python writes a bare CR, which a spreadsheet reads as
    a new row whose first cell could be a formula)."""
    return csv.writer(buf, lineterminator="\r\n")
