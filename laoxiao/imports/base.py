"""One import pipeline for every kind of record.

A kind (``regions``, ``population``, later ``providers``, ``elders``...) declares its columns
(canonical English key and Chinese label), how each cell parses, its natural key, the checks
between cells and rows, and how to write. The pipeline:

1. reads the header (keys or labels, in any order) and every row;
2. parses and checks every cell and every row, collecting *all* errors (row, column, value, reason
   in Chinese and English);
3. if any error: writes nothing; otherwise writes everything in one transaction, upserting by the
   natural key and logging each change (re-importing the same file changes nothing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.core.i18n import both, fmt
from laoxiao.imports.parsers import Parser

Progress = Callable[[int], None]


@dataclasses.dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Chinese header
    parse: Parser
    required: bool = False
    help: str = ""  # one line for docs/import-formats.md
    choices: dict[str, str] | None = None  # code → Chinese label, listed in the docs


@dataclasses.dataclass
class CellError:
    row: int  # the spreadsheet row number (the header is row 1)
    column: str
    value: str
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Row:
    number: int
    values: dict[str, Any]  # parsed, by canonical key; absent columns are missing
    raw: dict[str, str]


@dataclasses.dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclasses.dataclass
class ImportReport:
    kind: str
    rows: int = 0
    errors: list[CellError] = dataclasses.field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    result: WriteResult = dataclasses.field(default_factory=WriteResult)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.written,
            "created": self.result.created,
            "updated": self.result.updated,
            "unchanged": self.result.unchanged,
            "errors": [e.as_dict() for e in self.errors],
        }


class ErrorSink:
    """Collects errors; kinds call ``add`` from their row and table checks."""

    def __init__(self, headers: dict[str, str]):
        self.headers = headers  # canonical key → the header as written in the file
        self.errors: list[CellError] = []

    def add(self, row: Row | int, column: str, message: Any, value: Any = None) -> None:
        number = row.number if isinstance(row, Row) else row
        if value is None and isinstance(row, Row):
            value = row.raw.get(column, "")
        zh, en = both(message)
        self.errors.append(CellError(number, self.headers.get(column, column), str(value or ""), zh, en))


class ImportKind:
    """Subclass per kind of record and register with ``@register``."""

    key: ClassVar[str]
    label: ClassVar[Any]
    columns: ClassVar[list[Column]]
    natural_key: ClassVar[tuple[str, ...]]
    permission: ClassVar[str] = "accounts.import_records"
    permission_note: ClassVar[str] = ""  # who else may import this kind (docs)
    description: ClassVar[Any] = ""

    def allowed(self, actor: Any) -> bool:
        """Whether the actor may import (and export) this kind: the permission by default."""
        return bool(actor.has_perm(self.permission))

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        """Checks between the cells of one row."""

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        """Checks across rows and against the database (references, duplicates)."""

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        """Load what the checks need from the database, once."""
        return {}

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        raise NotImplementedError  # every registered kind writes

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        raise NotImplementedError  # every registered kind exports

    # helpers
    def duplicate_keys(self, rows: list[Row], errors: ErrorSink) -> None:
        seen: dict[tuple[Any, ...], int] = {}
        for row in rows:
            key = tuple(row.values.get(k) for k in self.natural_key)
            if None in key:
                continue
            if key in seen:
                errors.add(
                    row,
                    self.natural_key[0],
                    fmt(
                        _("Duplicate of row %(row)d (same %(key)s)."),
                        row=seen[key],
                        key=", ".join(self.natural_key),
                    ),
                )
            else:
                seen[key] = row.number


REGISTRY: dict[str, ImportKind] = {}


def register(cls: type[ImportKind]) -> type[ImportKind]:
    REGISTRY[cls.key] = cls()
    return cls


def get_kind(key: str) -> ImportKind:
    from laoxiao.imports import kinds  # noqa: F401 - registers every kind

    try:
        return REGISTRY[key]
    except KeyError:
        raise ValidationError(
            fmt(
                _("Unknown kind %(kind)s; known kinds: %(kinds)s."),
                kind=key,
                kinds=", ".join(sorted(REGISTRY)),
            )
        ) from None


def all_kinds() -> dict[str, ImportKind]:
    from laoxiao.imports import kinds  # noqa: F401

    return dict(REGISTRY)


def _message(exc: ValidationError) -> Any:
    """The (lazy) message of a ValidationError, so it can still be rendered in both languages."""
    if hasattr(exc, "message"):
        return exc.message % exc.params if exc.params else exc.message
    return exc.messages[0]


def _normal(header: str) -> str:
    return header.strip().lstrip("\ufeff").strip().lower()


def map_headers(kind: ImportKind, header: list[str], errors: ErrorSink) -> dict[int, Column]:
    by_name: dict[str, Column] = {}
    for col in kind.columns:
        by_name[_normal(col.key)] = col
        by_name[_normal(col.label)] = col
    mapping: dict[int, Column] = {}
    for i, name in enumerate(header):
        if not name.strip():
            continue
        found = by_name.get(_normal(name))
        if found is None:
            errors.add(1, name, _("Unknown column."), value=name)
            continue
        col = found
        if col in mapping.values():
            errors.add(1, name, _("The column appears twice."), value=name)
            continue
        mapping[i] = col
        errors.headers[col.key] = name
    present = {c.key for c in mapping.values()}
    for col in kind.columns:
        if col.required and col.key not in present:
            errors.add(
                1, col.key, fmt(_("A required column is missing (%(label)s)."), label=col.label), value=""
            )
    return mapping


def parse_rows(
    kind: ImportKind, table: Iterator[list[str]], errors: ErrorSink, progress: Progress | None = None
) -> list[Row]:
    try:
        header = next(table)
    except StopIteration:
        errors.add(1, "", _("The file is empty."), value="")
        return []
    mapping = map_headers(kind, header, errors)
    if errors.errors:
        return []
    rows: list[Row] = []
    for offset, cells in enumerate(table, start=2):
        if not any(c.strip() for c in cells):
            continue
        raw = {col.key: (cells[i].strip() if i < len(cells) else "") for i, col in mapping.items()}
        values: dict[str, Any] = {}
        row = Row(offset, values, raw)
        for col in mapping.values():
            text = raw[col.key]
            if text == "":
                if col.required:
                    errors.add(row, col.key, _("This cell is required."))
                values[col.key] = None
                continue
            try:
                values[col.key] = col.parse(text)
            except ValidationError as exc:
                errors.add(row, col.key, _message(exc))
        rows.append(row)
        if progress and offset % 1000 == 0:
            progress(1000)
    return rows


def run_import(
    kind_key: str,
    source: Any,
    *,
    actor: Any,
    filename: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate everything; write all or nothing. Never raises for bad content: the report says."""
    from laoxiao.imports.readers import read_table

    report = ImportReport(kind=kind_key, dry_run=dry_run)
    kind = get_kind(kind_key)
    errors = ErrorSink({})
    if not kind.allowed(actor):
        errors.add(1, "", _("You may not import this kind of record."), value=kind_key)
        report.errors = errors.errors
        return report
    try:
        rows = parse_rows(kind, read_table(source, filename), errors, progress)
    except ValidationError as exc:
        errors.add(1, "", _message(exc), value=filename or "")
        report.errors = errors.errors
        return report
    report.rows = len(rows)
    if not any(e.row == 1 for e in errors.errors):
        bad_rows = {e.row for e in errors.errors}
        context = kind.prepare(rows, actor)
        for row in rows:
            if row.number not in bad_rows:
                kind.check_row(row, errors, context)
        kind.duplicate_keys(rows, errors)
        kind.check_table([r for r in rows if r.number not in bad_rows], errors, context)
    else:
        context = {}
    report.errors = sorted(errors.errors, key=lambda e: (e.row, e.column))
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        report.result = kind.write(rows, actor=actor, context=context, progress=progress or (lambda n: None))
    report.written = True
    return report
