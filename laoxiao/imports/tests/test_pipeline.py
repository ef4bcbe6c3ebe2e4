"""The import pipeline: read, check every cell, write all or nothing, report; and ``laoxiao import``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.management import call_command

from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import ImportReport, run_import
from laoxiao.regions.models import PopulationFigure, Region

POP_HEADER = "region_code,year,population,households,age_60_plus,age_65_plus\n"
GOOD = (
    POP_HEADER
    + "340603001001,2023,1000,300,200,150\n"
    + "340603001002,2023,2000,600,400,300\n"
    + "340621100001,2023,500,200,100,80\n"
)


def run(text: str | bytes, actor: Any, filename: str = "population.csv", **kw: Any) -> ImportReport:
    data = text.encode() if isinstance(text, str) else text
    return run_import(kw.pop("kind", "population"), io.BytesIO(data), actor=actor, filename=filename, **kw)


def figures() -> set[tuple[Any, ...]]:
    return set(PopulationFigure.objects.values_list("region_id", "year", "population", "source"))


# --- all or nothing, every error -------------------------------------------------------------------


BAD = (
    "区划代码,年份,常住人口,户数\n"
    "340603001001,2023,1000,300\n"  # row 2 is good
    "340603001002,二〇二三,2000,600\n"  # row 3: year not a number
    "\n"  # row 4: blank, skipped, still counted
    "340603001099,2023,abc,\n"  # row 5: no such region, population not a number
    "340621100001,2023,,5000000\n"  # row 6: population missing
)


def test_a_file_with_bad_rows_writes_nothing_and_reports_every_bad_cell(
    city: dict[str, Any], admin_user: Any
) -> None:
    before = figures()
    report = run(BAD, admin_user)
    assert not report.ok
    assert not report.written
    assert figures() == before
    assert not ChangeLog.objects.exists()
    got = [(e.row, e.column, e.value) for e in report.errors]
    assert got == [
        (3, "年份", "二〇二三"),
        (5, "常住人口", "abc"),
        (6, "常住人口", ""),
    ]
    for e in report.errors:
        assert e.reason_zh
        assert e.reason_en
    assert "whole number" in report.errors[0].reason_en
    assert "required" in report.errors[2].reason_en


def test_row_checks_run_on_rows_whose_cells_parse(city: dict[str, Any], admin_user: Any) -> None:
    text = POP_HEADER + "340603001099,2023,10,,,\n" + "340603001001,2023,10,,5,9\n"
    report = run(text, admin_user)
    assert [(e.row, e.column) for e in report.errors] == [(2, "region_code"), (3, "age_65_plus")]
    assert report.errors[0].value == "340603001099"


def test_the_report_as_a_dict(city: dict[str, Any], admin_user: Any) -> None:
    report = run(BAD, admin_user).as_dict()
    assert report["ok"] is False
    assert report["written"] is False
    assert report["rows"] == 4
    assert set(report["errors"][0]) == {"row", "column", "value", "reason_zh", "reason_en"}
    json.dumps(report, ensure_ascii=False)


# --- writing and re-importing ------------------------------------------------------------------------


def test_a_good_file_imported_twice_changes_nothing_the_second_time(
    city: dict[str, Any], admin_user: Any
) -> None:
    first = run(GOOD, admin_user)
    assert first.ok and first.written
    assert (first.result.created, first.result.updated, first.result.unchanged) == (3, 0, 0)
    rows = ChangeLog.objects.count()
    state = figures()
    second = run(GOOD, admin_user)
    assert second.ok and second.written
    assert (second.result.created, second.result.updated, second.result.unchanged) == (0, 0, 3)
    assert ChangeLog.objects.count() == rows
    assert figures() == state


def test_an_updated_value_logs_exactly_one_change(city: dict[str, Any], admin_user: Any) -> None:
    run(GOOD, admin_user)
    before = set(ChangeLog.objects.values_list("pk", flat=True))
    report = run(GOOD.replace("340603001002,2023,2000,600", "340603001002,2023,2100,600"), admin_user)
    assert (report.result.created, report.result.updated, report.result.unchanged) == (0, 1, 2)
    fig = PopulationFigure.objects.get(region_id="340603001002", year=2023)
    new = ChangeLog.objects.exclude(pk__in=before)
    entered = new.filter(target_id=str(fig.pk))
    assert entered.count() == 1
    row = entered.get()
    assert row.action == "update"
    assert row.changes == {"population": [2000, 2100]}
    assert row.region_code == "340603001002"
    assert row.actor_name == "admin"
    # the sums above it change too, each logged as summed
    assert {r.note for r in new.exclude(pk=row.pk)} == {"summed"}


def test_an_updated_region_name_logs_one_change(city: dict[str, Any], admin_user: Any) -> None:
    text = "code,name,level,parent_code\n340603001000,东街街道,township,340603000000\n"
    report = run(text, admin_user, kind="regions", filename="regions.csv")
    assert report.result.updated == 1
    row = ChangeLog.objects.get()
    assert row.changes == {"name": ["东街道", "东街街道"]}
    assert row.target_id == "340603001000"


def test_dry_run_writes_nothing(city: dict[str, Any], admin_user: Any) -> None:
    before = figures()
    report = run(GOOD, admin_user, dry_run=True)
    assert report.ok
    assert report.dry_run
    assert not report.written
    assert report.rows == 3
    assert figures() == before
    assert not ChangeLog.objects.exists()


# --- the file itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "filename", "row", "column", "value", "reason"),
    [
        (GOOD.replace("households", "hh"), "p.csv", 1, "hh", "hh", "Unknown column"),
        (
            "year,population\n2023,10\n",
            "p.csv",
            1,
            "region_code",
            "",
            "required",
        ),
        (GOOD.replace("households", "population"), "p.csv", 1, "population", "population", "twice"),
        ("", "p.csv", 1, "", "", "empty"),
        (GOOD, "population.pdf", 1, "", "population.pdf", "Unsupported"),
        ("not a spreadsheet", "population.xlsx", 1, "", "population.xlsx", "cannot be read"),
    ],
    ids=["unknown column", "missing column", "column twice", "empty file", "pdf", "broken xlsx"],
)
def test_a_file_that_cannot_be_read_is_reported_on_row_1(
    city: dict[str, Any],
    admin_user: Any,
    text: str,
    filename: str,
    row: int,
    column: str,
    value: str,
    reason: str,
) -> None:
    report = run(text, admin_user, filename=filename)
    assert not report.written
    assert len(report.errors) == 1, report.errors
    e = report.errors[0]
    assert (e.row, e.column, e.value) == (row, column, value)
    assert reason in e.reason_en
    assert e.reason_zh
    assert not PopulationFigure.objects.filter(year=2023).exists()


def test_headers_may_mix_keys_and_labels_in_any_order_with_a_bom(
    city: dict[str, Any], admin_user: Any
) -> None:
    text = "\ufeff年份, Population ,区划代码\n2023,10,340603001001\n"
    report = run(text.encode("utf-8"), admin_user)
    assert report.ok, report.errors
    assert PopulationFigure.objects.get(region_id="340603001001", year=2023).population == 10


def test_a_gb18030_csv_is_read(city: dict[str, Any], admin_user: Any) -> None:
    text = '区划代码,年份,常住人口\n340603001001,2023,"1,234"\n'
    report = run(text.encode("gb18030"), admin_user)
    assert report.ok, report.errors
    assert PopulationFigure.objects.get(region_id="340603001001", year=2023).population == 1234


def test_an_xlsx_file_is_read(city: dict[str, Any], admin_user: Any, tmp_path: Path) -> None:
    path = tmp_path / "人口.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["区划代码", "年份", "常住人口", "60岁以上人口"])
    sheet.write_row(1, 0, ["340603001001", 2023, 1000.0, 100])
    sheet.write_row(2, 0, ["340603001002", 2023, "x", 100])
    book.close()
    report = run_import("population", path, actor=admin_user)
    assert [(e.row, e.column, e.value) for e in report.errors] == [(3, "常住人口", "x")]
    sheet_fixed = tmp_path / "fixed.xlsx"
    book = xlsxwriter.Workbook(str(sheet_fixed))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["区划代码", "年份", "常住人口", "60岁以上人口"])
    sheet.write_row(1, 0, ["340603001001", 2023, 1000.0, 100])
    book.close()
    report = run_import("population", sheet_fixed, actor=admin_user)
    assert report.ok and report.result.created == 1


def test_an_unknown_kind_is_refused(city: dict[str, Any], admin_user: Any) -> None:
    with pytest.raises(ValidationError):
        run(GOOD, admin_user, kind="nonsense")


# --- the command ---------------------------------------------------------------------------------------


def test_the_import_command_fails_with_exit_code_1_and_writes_the_report(
    city: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "population.csv"
    path.write_text(BAD, encoding="utf-8")
    out = tmp_path / "report.json"
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "population", str(path), "--report", str(out), stdout=io.StringIO())
    assert exit_info.value.code == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] is False
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (3, "年份"),
        (5, "常住人口"),
        (6, "常住人口"),
    ]
    assert not PopulationFigure.objects.filter(year=2023).exists()


def test_the_import_command_imports_and_dry_runs(city: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "population.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("import", "population", str(path), "--dry-run", stdout=out)
    assert "dry run" in out.getvalue()
    assert not PopulationFigure.objects.filter(year=2023).exists()
    out = io.StringIO()
    call_command("import", "population", str(path), stdout=out)
    assert "created 3" in out.getvalue()
    assert PopulationFigure.objects.filter(year=2023, source="entered").count() == 3
    assert ChangeLog.objects.filter(actor_name="system").exists()


def test_the_import_command_acts_as_the_named_user(
    city: dict[str, Any], xiangshan_officer: Any, tmp_path: Path
) -> None:
    path = tmp_path / "regions.csv"
    path.write_text(
        "code,name,level,parent_code\n340603000000,改名区,county,340600000000\n", encoding="utf-8"
    )
    with pytest.raises(SystemExit):
        call_command("import", "regions", str(path), "--user", "xs_mz", stdout=io.StringIO())
    assert Region.objects.get(code="340603000000").name == "相山区"
