"""One import pipeline for every kind of record.

A kind (``regions``, ``population``, ``providers``, ``elders``...) declares its columns
(canonical English key and Chinese label), how each cell parses, its natural key, the checks
between cells and rows, and how to write. The pipeline:

1. reads the header (keys or labels, in any order) and every row;
2. parses and checks every cell and every row, collecting *all* errors (row, column, value, reason
   in Chinese and English);
3. if any error: writes nothing; otherwise writes everything in chunks of short transactions
   (``LAOXIAO_IMPORT_CHUNK_ROWS``), upserting by the natural key and logging each change
   (re-importing the same file changes nothing, so a rerun after a crash finishes the job:
   docs/decisions/0004-imports-in-chunks.md).

Bounded (docs/import-formats.md, "Limits"): size, rows and time are limited by settings; the header is
checked before any row is parsed; only the first ``LAOXIAO_IMPORT_MAX_ERRORS`` errors are kept in full,
with counts by column and reason for all of them; ID numbers and phones are masked in every report.
"""

from __future__ import annotations

import collections
import dataclasses
import inspect
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.core.bulk import Progress as Progress
from laoxiao.core.bulk import WriteResult as WriteResult
from laoxiao.core.bulk import chunks as chunks
from laoxiao.core.i18n import both, fmt
from laoxiao.core.masking import mask_id_number, mask_phone
from laoxiao.imports.cells import csv_writer, neutralise
from laoxiao.imports.limits import Deadline, Limits
from laoxiao.imports.parsers import Parser, check_text
from laoxiao.imports.readers import read_table

# ``Progress`` (rows written since the last call), ``WriteResult`` and ``chunks`` live in core.bulk
RunProgress = Callable[[int, "int | None"], None]  # run_import's: (done, total); total None while reading

# Columns whose values are masked wherever they are echoed back (reports, the page, the CLI).
_SENSITIVE = re.compile(
    r"id_number|phone|mobile|certificate_number|passport|account_number|身份证|电话|手机|证件号|账号"
)
# In any echoed text (a value or a message): ID numbers (18 or 15 digits) and mobile phones (11);
# division codes (12 digits) are not personal and stay readable.
_LONG_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15}|1[3-9][0-9]{9})(?![0-9Xx])")


def mask_text(text: str) -> str:
    return _LONG_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)


def mask_cell(column: str, value: str) -> str:
    if value and _SENSITIVE.search(column.lower()):
        return mask_id_number(value) if len(value) >= 15 else mask_phone(value)
    return mask_text(value)


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
class ImportReport:
    kind: str
    rows: int = 0
    errors: list[CellError] = dataclasses.field(default_factory=list)  # the first ones, in full
    written: bool = False
    dry_run: bool = False
    result: WriteResult = dataclasses.field(default_factory=WriteResult)
    error_total: int = 0  # every error, kept or not
    error_counts: list[ErrorCount] = dataclasses.field(default_factory=list)  # by column and reason
    chunks: int = 0  # transactions the write took
    # counts a kind adds to its report (``service-visits``: verified, held, by flag); summed over chunks
    summary: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.error_total

    @property
    def errors_truncated(self) -> bool:
        return self.error_total > len(self.errors)

    def take_errors(self, sink: ErrorSink) -> None:
        self.errors = sorted(sink.errors, key=lambda e: (e.row, e.column))
        self.error_total = max(sink.total, len(self.errors))
        self.error_counts = sink.error_counts()

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
            "error_total": self.error_total,
            "summary": dict(self.summary),
            "error_counts": [dataclasses.asdict(c) for c in self.error_counts],
            "errors": [e.as_dict() for e in self.errors],
        }

    def errors_csv(self) -> str:
        """The report as a CSV file: the kept errors in full, then the counts (bounded by the cap)."""
        buf = io.StringIO()
        w = csv_writer(buf)
        w.writerow(["row 行", "column 列", "value 值", "原因", "reason"])
        for e in self.errors:
            w.writerow([e.row, neutralise(e.column), neutralise(e.value), e.reason_zh, e.reason_en])
        w.writerow([])
        w.writerow(["count 数量", "column 列", "", "原因", "reason"])
        for c in self.error_counts:
            w.writerow([c.count, neutralise(c.column), "", c.reason_zh, c.reason_en])
        return "\ufeff" + buf.getvalue()


@dataclasses.dataclass
class ErrorCount:
    column: str
    reason_zh: str
    reason_en: str
    count: int


class ErrorSink:
    """Collects errors; kinds call ``add`` from their row and table checks.

    Keeps the first ``max_errors`` in full, counts every error by column and reason, and remembers
    which rows are bad (bounded by the row limit). Sensitive values are masked as they come in."""

    def __init__(self, headers: dict[str, str], max_errors: int | None = None):
        self.headers = headers  # canonical key → the header as written in the file
        self.errors: list[CellError] = []
        self.max_errors = max_errors if max_errors is not None else Limits.current().max_errors
        self.total = 0
        self.bad_rows: set[int] = set()
        self.counts: collections.Counter[tuple[str, str, str]] = collections.Counter()

    def add(self, row: Row | int, column: str, message: Any, value: Any = None) -> None:
        number = row.number if isinstance(row, Row) else row
        if value is None and isinstance(row, Row):
            value = row.raw.get(column, "")
        zh, en = both(message)
        header = self.headers.get(column, column)
        self.total += 1
        self.bad_rows.add(number)
        # counted by the reason's words, not by the numbers in it ("duplicate of row 7" ~ "of row 9")
        self.counts[(header, re.sub(r"\d+", "…", zh), re.sub(r"\d+", "…", en))] += 1
        if len(self.errors) < self.max_errors:
            text = str(value or "")[:200]
            sensitive = bool(_SENSITIVE.search(column.lower()) or _SENSITIVE.search(header.lower()))
            shown = mask_cell("id_number" if sensitive else column, text)
            self.errors.append(CellError(number, header, shown, mask_text(zh), mask_text(en)))

    def error_counts(self) -> list[ErrorCount]:
        return [ErrorCount(c, zh, en, n) for (c, zh, en), n in self.counts.most_common()]


class ImportKind:
    """Subclass per kind of record and register with ``@register``.

    Each app keeps its kinds in its ``importers`` module (or package); ``ImportsConfig.ready()``
    imports every app's ``importers`` (``autodiscover_modules``), which fills ``REGISTRY``."""

    key: ClassVar[str]
    label: ClassVar[Any]
    columns: ClassVar[list[Column]]
    natural_key: ClassVar[tuple[str, ...]]
    permission: ClassVar[str] = "accounts.import_records"
    permission_note: ClassVar[str] = ""  # who else may import this kind (docs)
    description: ClassVar[Any] = ""
    # whether ``write`` may be given the rows in chunks, each in its own transaction (docs/decisions/0004)
    write_in_chunks: ClassVar[bool] = True
    # a kind whose file is not one table (``plan``: several sheets) reads and checks the whole file
    # itself in ``run_file`` (still all or nothing, every bad cell reported)
    whole_file: ClassVar[bool] = False
    # options ``laoxiao export`` passes to ``export_rows`` (``payment-items``: ``batch``, ``reveal``);
    # a kind without any is exported whole and refuses them
    export_options: ClassVar[tuple[str, ...]] = ()

    def run_file(
        self,
        source: Any,
        *,
        actor: Any,
        filename: str | None,
        dry_run: bool,
        options: dict[str, Any],
        report: ImportReport,
    ) -> ImportReport:
        raise NotImplementedError  # only kinds with ``whole_file``

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
        raise NotImplementedError  # every registered kind exports (a kind with ``export_options`` takes them as keywords)

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
    kind: ImportKind,
    table: Iterator[list[str]],
    errors: ErrorSink,
    progress: RunProgress | None = None,
    deadline: Deadline | None = None,
) -> list[Row]:
    """Check the header first: a wrong header stops here, before any row is parsed."""
    try:
        header = next(table)
    except StopIteration:
        errors.add(1, "", _("The file is empty."), value="")
        return []
    mapping = map_headers(kind, header, errors)
    if errors.total:
        return []
    rows: list[Row] = []
    for offset, cells in enumerate(table, start=2):
        if offset % 1000 == 0:
            if deadline:
                deadline.check()
            if progress:
                progress(offset - 1, None)
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
                values[col.key] = col.parse(check_text(text))
            except ValidationError as exc:
                errors.add(row, col.key, _message(exc))
        rows.append(row)
    return rows


def _adapt(progress: Any) -> RunProgress | None:
    """Accept the old one-argument callback (rows since the last call) too."""
    if progress is None:
        return None
    try:
        params = inspect.signature(progress).parameters
    except (TypeError, ValueError):
        return progress
    if len(params) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params.values()):
        return progress
    last = [0]

    def one(done: int, total: int | None) -> None:
        progress(done - last[0])
        last[0] = done

    return one


def run_import(
    kind_key: str,
    source: Any,
    *,
    actor: Any,
    filename: str | None = None,
    dry_run: bool = False,
    progress: RunProgress | None = None,
    options: dict[str, Any] | None = None,
) -> ImportReport:
    """Validate everything; then write in chunks of short transactions. Never raises for bad content.

    ``progress(done, total)`` is called while reading (rows read, ``None``) every 1,000 rows, then
    after each committed chunk (rows written, rows in all). A one-argument callable is called with
    the number of rows since its last call, as before. ``options`` are for kinds that take any
    (``plan``: ``plan_code``, ``name``); the others ignore them."""
    limits = Limits.current()
    deadline = Deadline(limits.max_seconds)
    report = ImportReport(kind=kind_key, dry_run=dry_run)
    kind = get_kind(kind_key)
    errors = ErrorSink({}, limits.max_errors)
    notify = _adapt(progress)
    if not kind.allowed(actor):
        errors.add(1, "", _("You may not import this kind of record."), value=kind_key)
        report.take_errors(errors)
        return report
    if kind.whole_file:
        try:
            return kind.run_file(
                source, actor=actor, filename=filename, dry_run=dry_run, options=options or {}, report=report
            )
        except ValidationError as exc:
            errors.add(1, "", _message(exc), value=filename or "")
            report.take_errors(errors)
            return report
    try:
        rows = parse_rows(kind, read_table(source, filename, limits), errors, notify, deadline)
        report.rows = len(rows)
        if 1 not in errors.bad_rows:
            bad_rows = set(errors.bad_rows)
            context = kind.prepare(rows, actor)
            deadline.check()
            for n, row in enumerate(rows):
                if row.number not in bad_rows:
                    kind.check_row(row, errors, context)
                if n % 1000 == 999:
                    deadline.check()
            kind.duplicate_keys(rows, errors)
            deadline.check()
            kind.check_table([r for r in rows if r.number not in bad_rows], errors, context)
            deadline.check()
        else:
            context = {}
    except ValidationError as exc:
        errors.add(1, "", _message(exc), value=filename or "")
        report.take_errors(errors)
        return report
    report.take_errors(errors)
    if not report.ok or dry_run:
        return report
    total = len(rows)
    size = max(limits.chunk_rows, 1) if kind.write_in_chunks else max(total, 1)
    done = 0
    for start in range(0, total, size):
        part = rows[start : start + size]
        with transaction.atomic():
            r = kind.write(part, actor=actor, context=context, progress=lambda n: None)
        report.result.created += r.created
        report.result.updated += r.updated
        report.result.unchanged += r.unchanged
        for name, n in (getattr(r, "summary", None) or {}).items():
            report.summary[name] = report.summary.get(name, 0) + n
        report.chunks += 1
        done += len(part)
        if notify:
            notify(done, total)
    report.written = True
    return report
