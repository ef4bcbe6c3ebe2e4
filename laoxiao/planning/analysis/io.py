"""The planner's CSV files: readers that check every cell, and writers (no Django).

Files are CSV in UTF-8 (with or without BOM; GB18030, as Excel saves Chinese text, is accepted too),
comma-separated, with a header row. Row numbers count the header as row 1, so the first data row is
row 2 — the number a spreadsheet shows. Every problem found is reported (row, column, value, in
Chinese and English) and nothing is written when there is one.

Point files (``docs/planning.md`` has examples):

* demand: ``id,lon,lat,weight`` or ``id,x,y,weight`` (metres); optional ``region`` and ``group``
  columns label the coverage shares;
* supply: ``id,lon,lat,capacity`` or ``id,x,y,capacity`` (capacity may be left out for coverage);
* candidates: ``id,lon,lat`` or ``id,x,y``;
* network nodes: ``id,lon,lat`` or ``id,x,y``; network edges: ``from,to,length`` (metres).

Headers may also be written in Chinese (编号, 经度, 纬度, 权重/人数, 容量/床位/托位, 起点, 终点, 长度 ...).
Other columns are ignored.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ALIASES: dict[str, str] = {
    "编号": "id",
    "代码": "id",
    "经度": "lon",
    "纬度": "lat",
    "lng": "lon",
    "longitude": "lon",
    "latitude": "lat",
    "权重": "weight",
    "人数": "weight",
    "需求": "weight",
    "容量": "capacity",
    "床位": "capacity",
    "托位": "capacity",
    "起点": "from",
    "终点": "to",
    "长度": "length",
    "区域": "region",
    "地区": "region",
    "人群": "group",
    "分组": "group",
}


@dataclass
class CellError:
    row: int  # 1 = header
    column: str
    value: str
    zh: str
    en: str

    def __str__(self) -> str:
        where_zh = f"第 {self.row} 行" + (f"「{self.column}」列" if self.column else "")
        where_en = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        shown = f" {self.value!r}" if self.value else ""
        return f"{where_zh}：{self.zh}{shown} / {where_en}: {self.en}{shown}"


class PlanningFileError(Exception):
    """A file that cannot be used; ``errors`` names each row and column."""

    def __init__(self, path: str, errors: list[CellError]):
        self.path = path
        self.errors = errors
        super().__init__(self.message())

    def message(self, limit: int = 20) -> str:
        lines = [f"{self.path}: {len(self.errors)} 处错误 / {len(self.errors)} error(s)"]
        lines += [f"  {e}" for e in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"  … 另有 {len(self.errors) - limit} 处 / {len(self.errors) - limit} more")
        return "\n".join(lines)


@dataclass
class PointTable:
    """Points read from a file: ``coords`` are lon/lat (``crs == "lonlat"``) or metres (``"xy"``)."""

    path: str
    ids: list[str]
    coords: NDArray[np.float64]
    crs: str
    values: NDArray[np.float64] | None = None
    labels: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class EdgeTable:
    path: str
    source: NDArray[np.int64]
    target: NDArray[np.int64]
    length: NDArray[np.float64]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", data, 0, 1, "not UTF-8 or GB18030")  # pragma: no cover


def _rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PlanningFileError(
            name,
            [
                CellError(
                    0, "", "", f"无法读取文件（{exc.strerror}）", f"cannot read the file ({exc.strerror})"
                )
            ],
        ) from None
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = (
        "," if "," in first_line else ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    )
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if not rows or not any(rows[0]):
        raise PlanningFileError(
            name, [CellError(1, "", "", "文件为空，缺少表头", "the file is empty: no header row")]
        )
    header = [ALIASES.get(h.strip().lower(), ALIASES.get(h.strip(), h.strip().lower())) for h in rows[0]]
    return header, rows[1:]


def _number(text: str) -> float | None:
    try:
        v = float(text.replace(",", "")) if text else math.nan
    except ValueError:
        return None
    return v


def read_points(
    path: str | Path, *, value: str | None = None, value_required: bool = True, labels: Sequence[str] = ()
) -> PointTable:
    """Read a point file. ``value`` is "weight" (demand), "capacity" (supply) or None (candidates,
    network nodes)."""
    name = str(path)
    header, rows = _rows(path)
    errors: list[CellError] = []
    col = {h: i for i, h in enumerate(header) if h}
    if "lon" in col or "lat" in col:
        crs, cx, cy = "lonlat", "lon", "lat"
    else:
        crs, cx, cy = "xy", "x", "y"
    required = ["id", cx, cy] + ([value] if value and value_required else [])
    for h in required:
        if h not in col:
            if h in ("x", "y"):
                zh, en = (
                    "缺少坐标列：需要 lon,lat（经纬度）或 x,y（米）",
                    "missing coordinates: lon,lat (degrees) or x,y (metres)",
                )
            else:
                zh, en = "缺少此列", "this column is missing"
            errors.append(CellError(1, h, "", zh, en))
    if errors:
        raise PlanningFileError(name, errors)
    ids: list[str] = []
    coords: list[tuple[float, float]] = []
    values: list[float] = []
    label_values: dict[str, list[str]] = {lab: [] for lab in labels if lab in col}
    seen: dict[str, int] = {}
    has_value = bool(value and value in col)
    for n, raw in enumerate(rows, start=2):
        if not any(raw):
            continue  # blank line
        cells = raw + [""] * (len(header) - len(raw))
        rid = cells[col["id"]]
        if not rid:
            errors.append(CellError(n, "id", "", "编号为空", "the id is empty"))
        elif rid in seen:
            errors.append(
                CellError(
                    n,
                    "id",
                    rid,
                    f"编号重复（与第 {seen[rid]} 行相同）",
                    f"duplicate id (as in row {seen[rid]})",
                )
            )
        else:
            seen[rid] = n
        xy = []
        for h in (cx, cy):
            text = cells[col[h]]
            v = _number(text)
            if v is None or not math.isfinite(v):
                errors.append(
                    CellError(
                        n, h, text, "不是数字" if text else "缺少数值", "not a number" if text else "no value"
                    )
                )
                xy.append(math.nan)
                continue
            if h == "lon" and not -180 <= v <= 180:
                errors.append(
                    CellError(
                        n, h, text, "经度应在 -180 到 180 之间", "longitude must lie between -180 and 180"
                    )
                )
            if h == "lat" and not -90 < v < 90:
                errors.append(
                    CellError(n, h, text, "纬度应在 -90 到 90 之间", "latitude must lie between -90 and 90")
                )
            xy.append(v)
        if has_value and value:
            text = cells[col[value]]
            v = _number(text)
            if v is None or not math.isfinite(v):
                errors.append(
                    CellError(
                        n,
                        value,
                        text,
                        "不是数字" if text else "缺少数值",
                        "not a number" if text else "no value",
                    )
                )
                v = math.nan
            elif v < 0:
                errors.append(CellError(n, value, text, "不能为负数", "must not be negative"))
            values.append(v)
        for lab in label_values:
            label_values[lab].append(cells[col[lab]])
        ids.append(rid)
        coords.append((xy[0], xy[1]))
    if not ids and not errors:
        errors.append(CellError(2, "", "", "文件没有数据行", "the file has no data rows"))
    if errors:
        raise PlanningFileError(name, errors)
    return PointTable(
        path=name,
        ids=ids,
        coords=np.asarray(coords, dtype=np.float64).reshape(-1, 2),
        crs=crs,
        values=np.asarray(values, dtype=np.float64) if has_value else None,
        labels=label_values,
    )


def read_edges(path: str | Path, node_ids: Sequence[str]) -> EdgeTable:
    """Read ``from,to,length``; ``from``/``to`` must be ids in the nodes file, length > 0 metres."""
    name = str(path)
    header, rows = _rows(path)
    col = {h: i for i, h in enumerate(header) if h}
    errors = [
        CellError(1, h, "", "缺少此列", "this column is missing")
        for h in ("from", "to", "length")
        if h not in col
    ]
    if errors:
        raise PlanningFileError(name, errors)
    index = {nid: i for i, nid in enumerate(node_ids)}
    src: list[int] = []
    dst: list[int] = []
    length: list[float] = []
    for n, raw in enumerate(rows, start=2):
        if not any(raw):
            continue
        cells = raw + [""] * (len(header) - len(raw))
        ends = []
        for h in ("from", "to"):
            text = cells[col[h]]
            if text not in index:
                errors.append(
                    CellError(n, h, text, "节点文件中没有此编号", "no node with this id in the nodes file")
                )
                ends.append(-1)
            else:
                ends.append(index[text])
        text = cells[col["length"]]
        v = _number(text)
        if v is None or not math.isfinite(v):
            errors.append(
                CellError(
                    n,
                    "length",
                    text,
                    "不是数字" if text else "缺少数值",
                    "not a number" if text else "no value",
                )
            )
        elif v <= 0:
            errors.append(
                CellError(n, "length", text, "长度应大于 0（米）", "the length must be more than 0 (metres)")
            )
        src.append(ends[0])
        dst.append(ends[1])
        length.append(v if v is not None else math.nan)
    if not src and not errors:
        errors.append(CellError(2, "", "", "文件没有数据行", "the file has no data rows"))
    if errors:
        raise PlanningFileError(name, errors)
    return EdgeTable(
        name, np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), np.asarray(length)
    )


def same_crs(*tables: PointTable | None) -> None:
    """Every file in lon/lat, or every file in metres."""
    present = [t for t in tables if t is not None]
    kinds = {t.crs for t in present}
    if len(kinds) > 1:
        first = present[0]
        other = next(t for t in present if t.crs != first.crs)
        raise PlanningFileError(
            other.path,
            [
                CellError(
                    1,
                    "lon,lat" if other.crs == "lonlat" else "x,y",
                    "",
                    f"坐标类型与 {first.path} 不同：所有文件都用经纬度，或都用米",
                    f"coordinates differ from {first.path}: use lon/lat in every file or metres in every file",
                )
            ],
        )


def format_number(v: float) -> str:
    """Shortest text that reads back to the same float (integers without '.0'); '' for NaN."""
    if isinstance(v, float | np.floating):
        f = float(v)
        if math.isnan(f):
            return ""
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        if f.is_integer() and abs(f) < 1e15:
            return str(int(f))
        return repr(f)
    return str(v)


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV (UTF-8, no BOM) atomically: a temporary file in the same folder, then renamed.
    Returns the number of rows."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".plan-", suffix=".csv", dir=target.parent)
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for row in rows:
                w.writerow(
                    [format_number(float(v)) if isinstance(v, float | np.floating) else v for v in row]
                )
                n += 1
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n
