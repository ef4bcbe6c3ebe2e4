"""Reading tables: .csv (UTF-8, with or without BOM; GB18030 as a fallback) and .xlsx/.xls/.ods."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.core.i18n import fmt

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_table(source: str | Path | IO[bytes], filename: str | None = None) -> Iterator[list[str]]:
    """Yield rows as lists of stripped strings; the first row is the header."""
    name = filename or (str(source) if isinstance(source, str | Path) else getattr(source, "name", ""))
    suffix = Path(name).suffix.lower()
    if isinstance(source, str | Path):
        data = Path(source).read_bytes()
    else:
        data = source.read()
    if suffix in SPREADSHEET_SUFFIXES:
        yield from _read_spreadsheet(data)
    elif suffix in {".csv", ".txt", ""}:
        yield from _read_csv(data)
    else:
        raise ValidationError(fmt(_("Unsupported file type %(suffix)s: use .xlsx or .csv."), suffix=suffix))


def _read_csv(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValidationError(_("The file is not UTF-8 text."))
    for row in csv.reader(io.StringIO(text, newline="")):
        yield [c.strip() for c in row]


def _read_spreadsheet(data: bytes) -> Iterator[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types
        raise ValidationError(fmt(_("The spreadsheet cannot be read: %(error)s"), error=exc)) from None
    for row in sheet.iter_rows():
        yield [_cell_text(c) for c in row]
