"""Reading and writing the projection's files (pure Python and numpy, no Django).

Every format is documented in docs/planning.md ("Population projection: files"). Errors name the
file, the row (the header is row 1) and the column, and all of them are collected before raising
``FileErrors``.

* ``BASE.csv``: ``region,sex,age,count`` (optional ``year``: the base year, one value). ``sex`` is
  ``F``/``M`` (or 女/男); ``age`` a whole number, the highest age (optionally written ``100+``) is the
  open group. Missing combinations count as zero.
* ``DIR/fertility.csv``: ``age,rate`` with optional ``scenario`` (default ``baseline``) and
  ``year``; ``age`` a single age (``27``) or a range (``25-29``: the group's annual rate for each
  single age in it).
* ``DIR/survival.csv``: a life table ``sex,age,lx,Lx`` (radix at age 0; the last row's ``Lx`` is
  the open group's T; ages above the projection's open age are folded into it), or ratios
  ``sex,age,ratio`` (``age`` ``birth`` for the births' survival to age 0, then the destination age,
  the last one the open group's ratio), with optional ``year``.
* ``DIR/migration.csv`` (optional): ``sex,age,rate`` (net migrants per person per year) or
  ``sex,age,count`` (net migrants per year), with optional ``year`` and, for counts, ``region``.
* ``DIR/parameters.csv`` (optional): ``name,value``: ``sex_ratio_at_birth`` (boys per girl,
  default 1.05), ``base_year``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from laoxiao.planning.analysis.projection import SEXES, AssumptionSource, Projection, survival_from_life_table

SEX_NAMES = {"f": 0, "female": 0, "女": 0, "m": 1, "male": 1, "男": 1}
DEFAULT_SCENARIO = "baseline"


@dataclass
class FileError:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = (
            f"{self.file}"
            + (f", row {self.row}" if self.row else "")
            + (f", column {self.column}" if self.column else "")
        )
        return f"{where}: {self.message}"


class FileErrors(Exception):
    def __init__(self, errors: list[FileError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class Table:
    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number, cells by lower-case header)
    errors: list[FileError] = field(default_factory=list)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(FileError(self.name, row, column, message))

    def number(
        self, row: int, cells: dict[str, str], column: str, *, lo: float | None = None
    ) -> float | None:
        text = cells.get(column, "").strip()
        if text == "":
            self.error(row, column, "a number is required")
            return None
        try:
            value = float(text)
        except ValueError:
            self.error(row, column, f"not a number: {text!r}")
            return None
        if not np.isfinite(value):
            self.error(row, column, f"not a finite number: {text!r}")
            return None
        if lo is not None and value < lo:
            self.error(row, column, f"must be at least {lo:g}, not {text}")
            return None
        return value

    def integer(self, row: int, cells: dict[str, str], column: str) -> int | None:
        text = cells.get(column, "").strip()
        if not re.fullmatch(r"\d{1,4}", text):
            self.error(row, column, f"a whole number is required, not {text!r}")
            return None
        return int(text)

    def sex(self, row: int, cells: dict[str, str]) -> int | None:
        text = cells.get("sex", "").strip().lower()
        if text not in SEX_NAMES:
            self.error(row, "sex", f"sex is F or M (女/男), not {cells.get('sex', '')!r}")
            return None
        return SEX_NAMES[text]


def read_csv(
    source: str | Path | IO[str], name: str | None = None, *, required: tuple[str, ...] = ()
) -> Table:
    """A CSV file (utf-8, with or without BOM) as a ``Table``; checks the required columns."""
    if isinstance(source, str | Path):
        path = Path(source)
        name = name or path.name
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise FileErrors([FileError(name, 0, "", "file not found")]) from None
        except UnicodeDecodeError:
            raise FileErrors([FileError(name, 0, "", "not a UTF-8 text file")]) from None
        handle: IO[str] = io.StringIO(text)
    else:
        handle = source
    reader = csv.reader(handle)
    table = Table(name or "file", [], [])
    try:
        header = next(reader)
    except StopIteration:
        raise FileErrors([FileError(table.name, 1, "", "the file is empty")]) from None
    table.header = [_column_name(h) for h in header]
    missing = [c for c in required if c not in table.header]
    if missing:
        raise FileErrors([FileError(table.name, 1, c, "required column missing") for c in missing])
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(table.header):
            table.error(number, "", f"{len(cells)} cells but {len(table.header)} columns in the header")
            continue
        table.rows.append(
            (number, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(table.header)})
        )
    return table


def _column_name(header: str) -> str:
    """Headers are case-insensitive, except a life table's ``lx`` (survivors) and ``Lx``
    (person-years lived; also ``nLx``)."""
    text = header.strip().lstrip("\ufeff").strip()
    if text in ("Lx", "nLx", "nlx", "LX"):
        return "Lx"
    return text.lower()


def _raise(*tables: Table) -> None:
    errors = [e for t in tables for e in t.errors]
    if errors:
        raise FileErrors(errors)


def _age(table: Table, row: int, cells: dict[str, str]) -> tuple[int, bool] | None:
    """(age, written with a '+')."""
    text = cells.get("age", "").strip()
    m = re.fullmatch(r"(\d{1,3})(\+?)", text)
    if not m:
        table.error(
            row, "age", f"an age is a whole number (the open group may be written 100+), not {text!r}"
        )
        return None
    return int(m.group(1)), bool(m.group(2))


# --- base population ----------------------------------------------------------------------------


@dataclass
class Base:
    regions: list[str]
    population: np.ndarray  # (R, 2, A)
    open_age: int
    year: int | None


def read_base(source: str | Path | IO[str], name: str | None = None) -> Base:
    t = read_csv(source, name, required=("region", "sex", "age", "count"))
    cells_by_key: dict[tuple[str, int, int], float] = {}
    seen_row: dict[tuple[str, int, int], int] = {}
    plus_ages: set[int] = set()
    years: set[int] = set()
    for row, cells in t.rows:
        region = cells["region"].strip()
        if not region:
            t.error(row, "region", "a region is required")
        sex = t.sex(row, cells)
        age = _age(t, row, cells)
        count = t.number(row, cells, "count", lo=0)
        if "year" in cells and cells["year"]:
            y = t.integer(row, cells, "year")
            if y is not None:
                years.add(y)
        if not region or sex is None or age is None or count is None:
            continue
        key = (region, sex, age[0])
        if key in seen_row:
            t.error(row, "age", f"duplicate of row {seen_row[key]} (same region, sex and age)")
            continue
        seen_row[key] = row
        if age[1]:
            plus_ages.add(age[0])
        cells_by_key[key] = count
    if not t.errors and not cells_by_key:
        t.error(2, "", "no rows")
    if len(years) > 1:
        t.error(0, "year", f"one base year is expected, found {sorted(years)}")
    _raise(t)
    open_age = max(a for _, _, a in cells_by_key)
    if plus_ages and plus_ages != {open_age}:
        t.error(0, "age", f"only the highest age ({open_age}) may be written with '+'")
    if open_age < 2:
        t.error(0, "age", "ages must reach at least 2")
    _raise(t)
    regions = sorted({r for r, _, _ in cells_by_key})
    index = {r: i for i, r in enumerate(regions)}
    pop = np.zeros((len(regions), 2, open_age + 1))
    for (r, s, a), v in cells_by_key.items():
        pop[index[r], s, a] = v
    return Base(regions, pop, open_age, years.pop() if years else None)


def write_projection(out: IO[str], regions: list[str], projection: Projection, open_age: int) -> int:
    """``region,year,sex,age,count`` (count to 2 decimals); returns the rows written."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["region", "year", "sex", "age", "count"])
    n = 0
    for yi, year in enumerate(projection.years):
        for ri, region in enumerate(regions):
            for si, sex in enumerate(SEXES):
                for age, value in enumerate(projection.population[yi, ri, si]):
                    w.writerow([region, year, sex, f"{age}+" if age == open_age else age, f"{value:.2f}"])
                    n += 1
    return n


# --- assumptions ------------------------------------------------------------------------------


@dataclass
class Assumptions:
    source: AssumptionSource
    scenarios: list[str]
    scenario: str
    parameters: dict[str, str]


def _year(t: Table, row: int, cells: dict[str, str]) -> int | None:
    if "year" not in cells or not cells["year"]:
        return 0  # no year: the same in every year
    return t.integer(row, cells, "year")


def read_fertility(
    path: Path, open_age: int, scenario: str | None
) -> tuple[dict[int, np.ndarray], list[str], str]:
    t = read_csv(path, required=("age", "rate"))
    tables: dict[str, dict[int, np.ndarray]] = defaultdict(dict)
    filled: dict[tuple[str, int, int], int] = {}
    for row, cells in t.rows:
        name = cells.get("scenario", "").strip() or DEFAULT_SCENARIO
        year = _year(t, row, cells)
        rate = t.number(row, cells, "rate", lo=0)
        text = cells.get("age", "").strip()
        m = re.fullmatch(r"(\d{1,3})(?:\s*[-–]\s*(\d{1,3}))?", text)
        if not m:
            t.error(row, "age", f"an age (27) or a range of ages (25-29), not {text!r}")
            continue
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi < lo or hi >= open_age:
            t.error(row, "age", f"ages of mothers must lie below the open age {open_age}, in order: {text!r}")
            continue
        if year is None or rate is None:
            continue
        arr = tables[name].setdefault(year, np.zeros(open_age + 1))
        for a in range(lo, hi + 1):
            if (name, year, a) in filled:
                t.error(row, "age", f"age {a} already given in row {filled[(name, year, a)]}")
                break
            filled[(name, year, a)] = row
            arr[a] = rate
    _raise(t)
    scenarios = sorted(tables)
    if not scenarios:
        raise FileErrors([FileError(t.name, 2, "", "no rows")])
    if scenario is None:
        scenario = DEFAULT_SCENARIO if DEFAULT_SCENARIO in tables else scenarios[0]
    if scenario not in tables:
        raise FileErrors(
            [
                FileError(
                    t.name, 0, "scenario", f"no scenario {scenario!r}; the file has {', '.join(scenarios)}"
                )
            ]
        )
    return tables[scenario], scenarios, scenario


def read_survival(path: Path, open_age: int) -> dict[int, np.ndarray]:
    t = read_csv(path, required=("sex", "age"))
    life_table = "lx" in t.header and "Lx" in t.header and "ratio" not in t.header
    if not life_table and "ratio" not in t.header:
        raise FileErrors(
            [FileError(t.name, 1, "Lx", "give a life table (sex,age,lx,Lx) or ratios (sex,age,ratio)")]
        )
    values: dict[int, dict[int, dict[int, tuple[float, float]]]] = defaultdict(lambda: defaultdict(dict))
    for row, cells in t.rows:
        year = _year(t, row, cells)
        sex = t.sex(row, cells)
        text = cells.get("age", "").strip()
        if not life_table and text.lower() == "birth":
            age: int | None = -1
        else:
            parsed = _age(t, row, cells)
            age = None if parsed is None else parsed[0]
        if life_table:
            lx = t.number(row, cells, "lx", lo=0)
            Lx = t.number(row, cells, "Lx", lo=0)
            pair = None if lx is None or Lx is None else (lx, Lx)
        else:
            r = t.number(row, cells, "ratio", lo=0)
            if r is not None and r > 1:
                t.error(row, "ratio", f"a survival ratio is at most 1, not {r:g}")
                r = None
            pair = None if r is None else (r, r)
        if year is None or sex is None or age is None or pair is None:
            continue
        if age in values[year][sex]:
            t.error(row, "age", "duplicate age for this sex and year")
            continue
        values[year][sex][age] = pair
    _raise(t)
    out: dict[int, np.ndarray] = {}
    for year, by_sex in values.items():
        arr = np.zeros((2, open_age + 1))
        for s in (0, 1):
            rows = by_sex.get(s, {})
            if life_table:
                ages = sorted(rows)
                if not ages or ages[0] != 0 or ages != list(range(ages[-1] + 1)) or ages[-1] < open_age:
                    t.error(
                        0,
                        "age",
                        f"the life table for {SEXES[s]}{_in_year(year)} must give every age from 0 to at least {open_age}",
                    )
                    continue
                person_years = np.array([rows[a][1] for a in ages])
                folded = np.r_[person_years[:open_age], person_years[open_age:].sum()]
                if np.any(folded <= 0):
                    t.error(0, "Lx", f"person-years (Lx) must be positive for {SEXES[s]}{_in_year(year)}")
                    continue
                arr[s] = survival_from_life_table(rows[0][0], folded, n=1)
            else:
                need = [-1, *range(1, open_age + 1)]
                missing = [a for a in need if a not in rows]
                if missing:
                    shown = ", ".join("birth" if a == -1 else str(a) for a in missing[:5])
                    t.error(0, "age", f"survival ratios for {SEXES[s]}{_in_year(year)} miss ages {shown}")
                    continue
                arr[s, 0] = rows[-1][0]
                for a in range(1, open_age + 1):
                    arr[s, a] = rows[a][0]
        out[year] = arr
    _raise(t)
    if not out:
        raise FileErrors([FileError(t.name, 2, "", "no rows")])
    return out


def _in_year(year: int) -> str:
    return f" in {year}" if year else ""


def read_migration(
    path: Path, open_age: int, regions: list[str]
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    t = read_csv(path, required=("sex", "age"))
    kind = "rate" if "rate" in t.header else "count" if "count" in t.header else None
    if kind is None:
        raise FileErrors(
            [FileError(t.name, 1, "rate", "give a rate column (per person per year) or a count column")]
        )
    index = {r: i for i, r in enumerate(regions)}
    rates: dict[int, np.ndarray] = {}
    counts: dict[int, np.ndarray] = {}
    for row, cells in t.rows:
        year = _year(t, row, cells)
        sex = t.sex(row, cells)
        age = _age(t, row, cells)
        value = t.number(row, cells, kind)
        region = cells.get("region", "").strip()
        if kind == "rate" and value is not None and value <= -1:
            t.error(row, "rate", "a net migration rate must be above -1")
            value = None
        if region and region not in index:
            t.error(row, "region", f"no such region in the base population: {region!r}")
            continue
        if year is None or sex is None or age is None or value is None:
            continue
        if age[0] > open_age:
            if kind == "rate":
                continue  # the open group's rate is the row of the open age
            age = (open_age, True)  # counts above the open age join the open group
        if kind == "rate":
            rates.setdefault(year, np.zeros((2, open_age + 1)))[sex, age[0]] += value
        else:
            arr = counts.setdefault(year, np.zeros((len(regions), 2, open_age + 1)))
            if region:
                arr[index[region], sex, age[0]] += value
            else:
                arr[:, sex, age[0]] += value
    _raise(t)
    return rates, counts


def read_parameters(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    t = read_csv(path, required=("name", "value"))
    out: dict[str, str] = {}
    for row, cells in t.rows:
        name = cells["name"].strip()
        if name not in ("sex_ratio_at_birth", "base_year"):
            t.error(row, "name", f"unknown parameter {name!r} (known: sex_ratio_at_birth, base_year)")
            continue
        out[name] = cells["value"].strip()
        if name == "sex_ratio_at_birth":
            t.number(row, cells, "value", lo=0.5)
        else:
            t.integer(row, cells, "value")
    _raise(t)
    return out


def read_assumptions(
    folder: str | Path, *, open_age: int, regions: list[str], scenario: str | None = None
) -> Assumptions:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileErrors([FileError(str(folder), 0, "", "not a folder of assumption files")])
    errors: list[FileError] = []
    fertility = survival = None
    scenarios: list[str] = []
    rates: dict[int, np.ndarray] = {}
    counts: dict[int, np.ndarray] = {}
    params: dict[str, str] = {}
    try:
        fertility, scenarios, scenario = read_fertility(folder / "fertility.csv", open_age, scenario)
    except FileErrors as exc:
        errors += exc.errors
    try:
        survival = read_survival(folder / "survival.csv", open_age)
    except FileErrors as exc:
        errors += exc.errors
    if (folder / "migration.csv").exists():
        try:
            rates, counts = read_migration(folder / "migration.csv", open_age, regions)
        except FileErrors as exc:
            errors += exc.errors
    try:
        params = read_parameters(folder / "parameters.csv")
    except FileErrors as exc:
        errors += exc.errors
    if errors:
        raise FileErrors(errors)
    assert fertility is not None and survival is not None and scenario is not None  # noqa: S101
    source = AssumptionSource(
        survival=survival,
        fertility=fertility,
        migration_rate=rates or None,
        migration_count=counts or None,
        srb=float(params.get("sex_ratio_at_birth", "1.05")),
    )
    return Assumptions(source, scenarios, scenario, params)
