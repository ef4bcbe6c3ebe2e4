"""`laoxiao planning project` and `laoxiao planning residential` (registered by the `planning` command).

    laoxiao planning project --base BASE.csv --assumptions DIR --to 2035 --out OUT.csv [--scenario S]
                         [--base-year Y]
    laoxiao planning project --region 340603 [--scenario three_child] [--assumptions DIR] --to 2035 --out OUT.csv
    laoxiao planning residential --projects P.csv --out OUT.csv
    laoxiao planning residential --region 340603 --out OUT.csv

``register(subparsers)`` adds the subcommands; ``handle(name, options, stdout)`` runs one and
returns the exit code: 0, or 1 for bad files or options (every error with its file, row and
column; nothing is written). Formats: docs/planning.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from laoxiao.core import clock
from laoxiao.imports.base import ErrorSink, parse_rows
from laoxiao.imports.readers import read_table
from laoxiao.planning.analysis import projection as p
from laoxiao.planning.analysis import residential as r
from laoxiao.planning.analysis.projection_files import (
    FileError,
    FileErrors,
    read_assumptions,
    read_base,
    write_projection,
)
from laoxiao.planning.importers import ResidentialProjectsImport, check_cells
from laoxiao.planning.models import ResidentialProject
from laoxiao.planning.selectors import demand as ad
from laoxiao.planning.selectors.residential import StandardsBook, as_project
from laoxiao.regions.scoping import PREFIX_LENGTH, level_of_code, prefix_q

NAMES: tuple[str, ...] = ("project", "residential")
MAX_ERRORS = 50
RESIDENTIAL_OUT = [
    "code",
    "name",
    "region_code",
    "area_type",
    "households",
    "residents",
    "floor_area_per_100_households",
    "required_floor_area_per_100_households",
    "floor_area_ok",
    "slots_per_1000_residents",
    "required_slots_per_1000_residents",
    "slots_ok",
    "largest_facility_area",
    "required_single_facility_area",
    "single_facility_ok",
    "passed",
    "reasons",
    "reasons_en",
]


def register(subparsers: Any) -> None:
    """Add the subcommands this module handles."""
    proj = subparsers.add_parser(
        "project", help="cohort-component population projection by sex and single age"
    )
    proj.add_argument("--base", type=Path, help="base population: region,sex,age,count[,year]")
    proj.add_argument(
        "--assumptions",
        type=Path,
        help="folder with fertility.csv, survival.csv[, migration.csv, parameters.csv] (default: the demo city's)",
    )
    proj.add_argument("--region", help="project the platform's own data for this region (6, 9 or 12 digits)")
    proj.add_argument("--scenario", help="fertility scenario (default baseline)")
    proj.add_argument("--base-year", type=int, help="the base year, if BASE.csv has no year column")
    proj.add_argument("--to", type=int, default=2035, help="last year (default 2035)")
    proj.add_argument(
        "--base-out",
        type=Path,
        help="with --region: also write the platform's base population (BASE.csv format)",
    )
    proj.add_argument("--out", type=Path, required=True, help="region,year,sex,age,count")

    res = subparsers.add_parser(
        "residential", help="check residential projects against the facility standards"
    )
    res.add_argument(
        "--projects", type=Path, help="residential projects (the import's columns), .csv or .xlsx"
    )
    res.add_argument("--region", help="check the platform's projects in this region")
    res.add_argument(
        "--out", type=Path, required=True, help="one row per project with each check and the reasons"
    )


def handle(name: str, options: dict[str, Any], stdout: Any) -> int:
    started = time.perf_counter()
    try:
        code = _project(options, stdout) if name == "project" else _residential(options, stdout)
    except FileErrors as exc:
        stdout.write("文件有误，未写入任何结果 / bad file, nothing written")
        for e in exc.errors[:MAX_ERRORS]:
            stdout.write(f"  {e}")
        if len(exc.errors) > MAX_ERRORS:
            stdout.write(f"  … 另有 / and {len(exc.errors) - MAX_ERRORS} more")
        return 1
    except UsageError as exc:
        stdout.write(f"错误 / error: {exc}")
        return 1
    if code == 0:
        stdout.write(f"用时 / took {time.perf_counter() - started:.2f} s")
    return code


class UsageError(Exception):
    pass


def _full_code(code: str) -> str:
    code = code.strip()
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise UsageError(f"--region takes a division code of 6, 9 or 12 digits, not {code!r}")
    return code.ljust(12, "0")


# --- project ----------------------------------------------------------------------------------


def _project(o: dict[str, Any], stdout: Any) -> int:
    if o.get("region"):
        return _project_region(o, stdout)
    if not o.get("base"):
        raise UsageError("--base BASE.csv (or --region CODE) is required")
    if not o.get("assumptions"):
        raise UsageError("--assumptions DIR is required with --base")
    base = read_base(o["base"])
    year = base.year or o.get("base_year")
    assumptions = read_assumptions(
        o["assumptions"], open_age=base.open_age, regions=base.regions, scenario=o.get("scenario")
    )
    year = year or (
        int(assumptions.parameters["base_year"]) if "base_year" in assumptions.parameters else None
    )
    if year is None:
        raise UsageError(
            "the base year is unknown: add a year column to BASE.csv, --base-year, or base_year in parameters.csv"
        )
    if o["to"] < year:
        raise UsageError(f"--to {o['to']} is before the base year {year}")
    proj = p.project(base.population, base_year=year, to_year=o["to"], assumptions_for=assumptions.source)
    buffer = io.StringIO()
    rows = write_projection(buffer, base.regions, proj, base.open_age)
    o["out"].write_text(buffer.getvalue(), encoding="utf-8")
    stdout.write(f"情景 / scenario: {assumptions.scenario} (of {', '.join(assumptions.scenarios)})")
    _summary(stdout, proj, range(proj.population.shape[1]))
    stdout.write(f"写入 / wrote {rows} rows to {o['out']}")
    return 0


def _summary(stdout: Any, proj: p.Projection, regions: Any) -> None:
    idx = list(regions)
    stdout.write("year  population      0-2      60+      65+      80+   births   deaths  migration")
    for i, year in enumerate(proj.years):
        pop = proj.population[i][idx].sum(axis=0)
        comps = ["", "", ""]
        if i > 0:
            comps = [
                f"{proj.births[i - 1][idx].sum():.0f}",
                f"{proj.deaths[i - 1][idx].sum():.0f}",
                f"{proj.migration[i - 1][idx].sum():.0f}",
            ]
        stdout.write(
            f"{year}  {pop.sum():10.0f} {pop[:, :3].sum():8.0f} {pop[:, 60:].sum():8.0f} "
            f"{pop[:, 65:].sum():8.0f} {pop[:, 80:].sum():8.0f} {comps[0]:>8} {comps[1]:>8} {comps[2]:>10}"
        )


def _project_region(o: dict[str, Any], stdout: Any) -> int:

    code = _full_code(o["region"])
    base = ad.platform_base()
    if base is None:
        raise UsageError("the platform has no population figures")
    idx = ad.leaf_indices(base, code)
    if not idx:
        raise UsageError(f"no region {code} with population figures")
    leaves = [base.leaves[i] for i in idx]
    if o.get("base_out"):
        n = write_base(o["base_out"], leaves, base.population[idx], base.year, ad.OPEN_AGE)
        stdout.write(f"基期人口 / base population: {n} rows to {o['base_out']}")
    folder = o.get("assumptions") or ad.SCENARIOS_DIR
    assumptions = read_assumptions(folder, open_age=ad.OPEN_AGE, regions=leaves, scenario=o.get("scenario"))
    if o["to"] < base.year:
        raise UsageError(f"--to {o['to']} is before the base year {base.year}")
    proj = p.project(
        base.population[idx], base_year=base.year, to_year=o["to"], assumptions_for=assumptions.source
    )
    summed = p.Projection(
        proj.years,
        proj.population.sum(axis=1, keepdims=True),
        proj.births.sum(axis=1, keepdims=True),
        proj.deaths.sum(axis=1, keepdims=True),
        proj.migration.sum(axis=1, keepdims=True),
    )
    buffer = io.StringIO()
    rows = write_projection(buffer, [code], summed, ad.OPEN_AGE)
    o["out"].write_text(buffer.getvalue(), encoding="utf-8")
    stdout.write(
        f"{base.names.get(code, code)} ({code}), 基年 / base year {base.year}, 情景 / scenario {assumptions.scenario}"
    )
    _summary(stdout, summed, [0])
    stdout.write(f"写入 / wrote {rows} rows to {o['out']}")
    return 0


def write_base(path: Path, regions: list[str], population: Any, year: int, open_age: int) -> int:
    """The base population in the BASE.csv format (``region,sex,age,count,year``), to edit and rerun."""
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(["region", "sex", "age", "count", "year"])
    n = 0
    for ri, region in enumerate(regions):
        for si, sex in enumerate(p.SEXES):
            for age, value in enumerate(population[ri, si]):
                w.writerow([region, sex, f"{age}+" if age == open_age else age, f"{value:.2f}", year])
                n += 1
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return n


# --- residential ------------------------------------------------------------------------------


def _residential(o: dict[str, Any], stdout: Any) -> int:

    book = StandardsBook()
    today = clock.today()
    if o.get("region"):
        projects = _platform_projects(_full_code(o["region"]))
    elif o.get("projects"):
        projects = _file_projects(o["projects"])
    else:
        raise UsageError("--projects P.csv (or --region CODE) is required")
    out_rows = []
    passed = 0
    for region_code, delivery, project in projects:
        result = r.check(project, book.on(delivery or today))
        passed += result.passed
        out_rows.append(_residential_row(region_code, project, result))
    buffer = io.StringIO()
    w = csv.DictWriter(buffer, fieldnames=RESIDENTIAL_OUT, lineterminator="\n")
    w.writeheader()
    w.writerows(out_rows)
    o["out"].write_text(buffer.getvalue(), encoding="utf-8")
    stdout.write(
        f"项目 / projects: {len(out_rows)}, 达标 / meeting every standard: {passed}, 未达标 / short: {len(out_rows) - passed}"
    )
    for row in out_rows:
        if row["passed"] == "0":
            stdout.write(f"  {row['code']} {row['name']}: {row['reasons']}")
    stdout.write(f"写入 / wrote {len(out_rows)} rows to {o['out']}")
    return 0


def _platform_projects(code: str) -> list[tuple[str, dt.date | None, r.Project]]:

    prefix = code[: PREFIX_LENGTH[level_of_code(code)]]
    qs = ResidentialProject.objects.filter(prefix_q("region_code", prefix)).order_by("region_code", "code")
    return [(p_.region_code, p_.delivery_date, as_project(p_)) for p_ in qs]


def _file_projects(path: Path) -> list[tuple[str, dt.date | None, r.Project]]:

    if not path.exists():
        raise FileErrors([FileError(path.name, 0, "", "file not found")])
    kind = ResidentialProjectsImport()
    errors = ErrorSink({})
    try:
        with open(path, "rb") as f:
            rows = parse_rows(kind, read_table(f, path.name), errors)
    except ValidationError as exc:
        raise FileErrors([FileError(path.name, 0, "", "; ".join(exc.messages))]) from None
    bad = {e.row for e in errors.errors}
    for row in rows:
        if row.number not in bad:
            check_cells(row, errors)
    kind.duplicate_keys(rows, errors)
    if not errors.errors and not rows:
        errors.add(2, "", "no rows", value="")
    if errors.errors:
        raise FileErrors(
            [
                FileError(
                    path.name,
                    e.row,
                    e.column,
                    f"{e.reason_zh} / {e.reason_en}" + (f" ({e.value!r})" if e.value else ""),
                )
                for e in sorted(errors.errors, key=lambda e: (e.row, e.column))
            ]
        )
    out = []
    for row in rows:
        v = row.values
        out.append(
            (
                v["region_code"],
                v.get("delivery_date"),
                r.Project(
                    code=v["code"],
                    name=v["name"],
                    area_type=v["area_type"],
                    households=v["households"],
                    residents=v["residents"],
                    eldercare_floor_area=float(v.get("eldercare_floor_area") or 0),
                    largest_facility_area=float(v.get("largest_facility_area") or 0),
                    childcare_slots=int(v.get("childcare_slots") or 0),
                ),
            )
        )
    return out


def _flag(check: r.Check | None) -> str:
    return "" if check is None else str(int(check.passed))


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _residential_row(region_code: str, project: r.Project, result: r.Result) -> dict[str, str]:
    by = result.by_standard()
    area, slots, single = by.get(r.FLOOR_AREA), by.get(r.SLOTS), by.get(r.SINGLE_FACILITY)
    return {
        "code": project.code,
        "name": project.name,
        "region_code": region_code,
        "area_type": project.area_type,
        "households": str(project.households),
        "residents": str(project.residents),
        "floor_area_per_100_households": _num(area.actual if area else None),
        "required_floor_area_per_100_households": _num(area.required if area else None),
        "floor_area_ok": _flag(area),
        "slots_per_1000_residents": _num(slots.actual if slots else None),
        "required_slots_per_1000_residents": _num(slots.required if slots else None),
        "slots_ok": _flag(slots),
        "largest_facility_area": _num(project.largest_facility_area),
        "required_single_facility_area": _num(single.required if single else None),
        "single_facility_ok": _flag(single),
        "passed": str(int(result.passed)),
        "reasons": "；".join(result.reasons_zh()),
        "reasons_en": "; ".join(result.reasons_en()),
    }
