"""Reading tables: .csv (UTF-8, with or without BOM; GB18030 as a fallback) and .xlsx/.xls/.ods.

Bounded (docs/import-formats.md, "Limits"): the file's size is checked before it is read; a CSV is
decoded and parsed as a stream; a zipped spreadsheet (.xlsx, .ods) is inflated once as a stream
and refused when its members expand beyond ``LAOXIAO_IMPORT_MAX_UNZIPPED_BYTES`` or its first sheet
holds more rows than allowed — before the spreadsheet library expands anything.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineWorkbook

from laoxiao.core.i18n import fmt
from laoxiao.imports.limits import Limits

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
ZIPPED_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
_SNIFF = 1 << 16
_CHUNK = 1 << 20


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


def too_many_rows(limit: int) -> ValidationError:
    return ValidationError(
        fmt(_("The file has more than %(n)d rows: split it (the limit is a setting)."), n=limit)
    )


def _size(stream: IO[bytes]) -> int | None:
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    try:
        here = stream.tell()
        stream.seek(0, io.SEEK_END)
        end = stream.tell()
        stream.seek(here)
        return end - here
    except (OSError, AttributeError, ValueError):
        return None


def check_size(size: int | None, limits: Limits) -> None:
    if size is not None and size > limits.max_bytes:
        raise ValidationError(
            fmt(
                _("The file is larger than %(n)s MB: split it (the limit is a setting)."),
                n=round(limits.max_bytes / 1024 / 1024, 1),
            )
        )


def read_table(
    source: str | Path | IO[bytes], filename: str | None = None, limits: Limits | None = None
) -> Iterator[list[str]]:
    """Yield rows as lists of stripped strings; the first row is the header.

    At most ``limits.max_rows`` rows after the header are yielded; one more raises ValidationError."""
    limits = limits or Limits.current()
    name = filename or (str(source) if isinstance(source, str | Path) else getattr(source, "name", ""))
    suffix = Path(name).suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES and suffix not in {".csv", ".txt", ""}:
        raise ValidationError(fmt(_("Unsupported file type %(suffix)s: use .xlsx or .csv."), suffix=suffix))
    if isinstance(source, str | Path):
        check_size(Path(source).stat().st_size, limits)
        with open(source, "rb") as fh:
            yield from _read(fh, suffix, limits)
    else:
        stream = getattr(source, "file", None) or source  # Django's UploadedFile wraps a file
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except (OSError, ValueError):
                pass
        check_size(_size(stream), limits)
        yield from _read(stream, suffix, limits)


def _read(stream: IO[bytes], suffix: str, limits: Limits) -> Iterator[list[str]]:
    rows = (
        _read_spreadsheet(stream, suffix, limits)
        if suffix in SPREADSHEET_SUFFIXES
        else _read_csv(stream, limits)
    )
    for n, row in enumerate(rows):
        if n > limits.max_rows:  # row 0 is the header
            raise too_many_rows(limits.max_rows)
        yield row


class _Bounded(io.RawIOBase):
    """A byte stream that refuses to give more than ``limit`` bytes (a file that grows, a pipe)."""

    def __init__(self, inner: Any, limit: int):
        self.inner, self.left = inner, limit

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.inner.read(len(b))
        self.left -= len(data)
        if self.left < 0:
            raise ValidationError(_("The file is too large: split it (the limit is a setting)."))
        b[: len(data)] = data
        return len(data)


def _read_csv(stream: IO[bytes], limits: Limits) -> Iterator[list[str]]:
    head = stream.read(_SNIFF)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"
    raw = io.BufferedReader(_Bounded(_Chain(head, stream), limits.max_bytes))
    text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")
    try:
        for row in csv.reader(text):
            yield [c.strip() for c in row]
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text.")) from None
    except csv.Error as exc:
        raise ValidationError(fmt(_("The CSV file cannot be read: %(error)s"), error=exc)) from None


class _Chain(io.RawIOBase):
    """The sniffed head, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.head:
            out, self.head = (
                (self.head, b"") if n < 0 or n >= len(self.head) else (self.head[:n], self.head[n:])
            )
            return out
        return self.rest.read(n)

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ODS_ROW = re.compile(rb"<table:table-row[\s>/]")
_REPEAT = re.compile(rb'table:number-rows-repeated="(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:?[A-Z]*(\d*)"')


def check_zip(data: bytes, suffix: str, limits: Limits) -> None:
    """Refuse a zip bomb before the spreadsheet library expands it: inflate every member as a stream
    (never more than ``max_unzipped_bytes`` in all) and count the rows of the sheets on the way."""
    refused = ValidationError(
        fmt(
            _("The spreadsheet expands to more than %(n)s MB: split it or save it as CSV."),
            n=round(limits.max_unzipped_bytes / 1024 / 1024, 1),
        )
    )
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(
            _("The spreadsheet cannot be read: it is not a valid .xlsx/.ods file.")
        ) from None
    with book:
        infos = book.infolist()
        if sum(i.file_size for i in infos) > limits.max_unzipped_bytes or len(infos) > 10_000:
            raise refused
        left = limits.max_unzipped_bytes
        for info in infos:
            sheet = info.filename.startswith("xl/worksheets/") or info.filename == "content.xml"
            rows, tail, first = 0, b"", True
            try:
                with book.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        left -= len(chunk)
                        if left < 0:
                            raise refused
                        if not sheet:
                            continue
                        window = tail + chunk
                        if first and suffix != ".ods":
                            m = _DIMENSION.search(window[:4096])
                            if m and m.group(1) and int(m.group(1)) > limits.max_rows + 1:
                                raise too_many_rows(limits.max_rows)
                            first = False
                        if suffix == ".ods":
                            rows += len(_ODS_ROW.findall(window))
                            rows += sum(int(r) - 1 for r in _REPEAT.findall(window) if len(r) < 12)
                        else:
                            rows += len(_ROW.findall(window))
                        tail = chunk[-24:]
                        rows -= len((_ODS_ROW if suffix == ".ods" else _ROW).findall(tail))
                        if rows > limits.max_rows + 1 and suffix != ".ods":
                            raise too_many_rows(limits.max_rows)
            # zipfile raises NotImplementedError for a compression method it does not know and
            # RuntimeError for an encrypted member: both are files we cannot read, not our code
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                raise ValidationError(
                    _("The spreadsheet cannot be read: it is not a valid .xlsx/.ods file.")
                ) from None


def _read_spreadsheet(stream: IO[bytes], suffix: str, limits: Limits) -> Iterator[list[str]]:
    data = stream.read(limits.max_bytes + 1)
    check_size(len(data), limits)
    if suffix in ZIPPED_SUFFIXES:
        check_zip(data, suffix, limits)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types
        raise ValidationError(fmt(_("The spreadsheet cannot be read: %(error)s"), error=exc)) from None
    if sheet.height > limits.max_rows + 1:
        raise too_many_rows(limits.max_rows)
    for row in sheet.iter_rows():
        yield [_cell_text(c) for c in row]


def read_sheets(
    source: str | Path | IO[bytes], filename: str | None = None, limits: Limits | None = None
) -> dict[str, list[list[str]]]:
    """Every sheet of a workbook (.xlsx, .xls, .ods) by its name, as lists of stripped strings —
    for kinds whose file holds several tables (``plan``). Bounded like ``read_table``."""
    limits = limits or Limits.current()
    name = filename or (str(source) if isinstance(source, str | Path) else getattr(source, "name", ""))
    suffix = Path(name).suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise ValidationError(fmt(_("Unsupported file type %(suffix)s: use .xlsx."), suffix=suffix or "—"))
    if isinstance(source, str | Path):
        check_size(Path(source).stat().st_size, limits)
        data = Path(source).read_bytes()
    else:
        stream = getattr(source, "file", None) or source
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except (OSError, ValueError):
                pass
        check_size(_size(stream), limits)
        data = stream.read(limits.max_bytes + 1)
    check_size(len(data), limits)
    if suffix in ZIPPED_SUFFIXES:
        check_zip(data, suffix, limits)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        out: dict[str, list[list[str]]] = {}
        for sheet_name in book.sheet_names:
            sheet = book.get_sheet_by_name(sheet_name)
            if sheet.height > limits.max_rows + 1:
                raise too_many_rows(limits.max_rows)
            out[sheet_name] = [[_cell_text(c) for c in row] for row in sheet.iter_rows()]
    except ValidationError:
        raise
    except Exception as exc:  # calamine raises its own error types
        raise ValidationError(fmt(_("The spreadsheet cannot be read: %(error)s"), error=exc)) from None
    return out
