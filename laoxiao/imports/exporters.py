"""Exports of every import kind, scoped like every other read, as .csv or .xlsx.

The columns are the kind's import columns (canonical keys, or the Chinese labels with
``labels="zh"``), so an export can be edited and imported again.

No cell is a live formula: in CSV every cell goes through ``cells.neutralise`` (OWASP, "CSV
injection"); in xlsx every text cell is written with ``write_string``, never as a formula.
"""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter

from laoxiao.imports.base import get_kind
from laoxiao.imports.cells import csv_writer, neutralise


def export_table(
    kind_key: str, *, actor: Any, labels: str = "keys", options: dict[str, Any] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of an export; ``options`` (only those in the kind's ``export_options``)
    go to ``export_rows``."""
    kind = get_kind(kind_key)
    keys = [c.key for c in kind.columns]
    header = [c.label for c in kind.columns] if labels == "zh" else keys
    extra = {k: v for k, v in (options or {}).items() if k in kind.export_options}
    rows = [[row.get(k) for k in keys] for row in kind.export_rows(actor=actor, **extra)]
    return header, rows


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def render(
    kind_key: str, *, actor: Any, fmt: str, labels: str = "keys", options: dict[str, Any] | None = None
) -> bytes:
    header, rows = export_table(kind_key, actor=actor, labels=labels, options=options)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv_writer(buf)
        writer.writerow([neutralise(h) for h in header])
        for row in rows:
            writer.writerow([neutralise(_cell(v)) for v in row])
        return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM so spreadsheet programs read UTF-8
    if fmt == "xlsx":
        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
        sheet = book.add_worksheet(kind_key[:31])
        bold = book.add_format({"bold": True, "bg_color": "#F1F5F9"})
        for j, h in enumerate(header):
            sheet.write_string(0, j, str(h), bold)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                v = _cell(value)
                if isinstance(v, str):
                    sheet.write_string(i, j, v)  # codes keep their leading zeros
                else:
                    sheet.write(i, j, v)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, max(len(header) - 1, 0), 16)
        book.close()
        return out.getvalue()
    raise ValueError(f"unknown format {fmt!r}")
