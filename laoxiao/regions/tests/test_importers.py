"""The import kinds ``regions`` and ``population``: their checks, their writes, the roll-up."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from laoxiao.accounts.actions import system_actor
from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import ImportReport, run_import
from laoxiao.regions.models import PopulationFigure, Region

REGION_KEYS = ["code", "name", "level", "parent_code", "is_rural", "lon", "lat"]
REGION_LABELS = ["区划代码", "名称", "层级", "上级区划代码", "是否农村", "经度", "纬度"]
DUJI = [
    ["340600000000", "淮北市", "city", "", "0", "116.8", "33.96"],
    ["340602000000", "杜集区", "county", "340600000000", "0", "116.83", "34.0"],
    ["340602001000", "高岳街道", "township", "340602000000", "0", "", ""],
    ["340602001001", "高岳一社区", "community", "340602001000", "0", "", ""],
    ["340602001201", "高岳村", "community", "340602001000", "1", "", ""],
]


def csv_bytes(rows: list[list[Any]]) -> bytes:
    return "".join(",".join(str(c) for c in row) + "\n" for row in rows).encode()


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("sheet")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value in ("", None):
                continue
            sheet.write(i, j, value)
    book.close()
    return path


def imp(kind: str, rows: list[list[Any]], actor: Any, **kw: Any) -> ImportReport:
    return run_import(kind, io.BytesIO(csv_bytes(rows)), actor=actor, filename=f"{kind}.csv", **kw)


def errors_by_cell(report: ImportReport) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.reason_en for e in report.errors}


# --- regions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [REGION_KEYS, REGION_LABELS], ids=["keys", "labels"])
def test_regions_import_from_csv(db: Any, header: list[str]) -> None:
    report = imp("regions", [header, *DUJI], system_actor())
    assert report.ok, report.errors
    assert report.written
    assert report.result.created == 5
    village = Region.objects.get(code="340602001201")
    assert (village.name, village.level, village.parent_id, village.is_rural) == (
        "高岳村",
        "community",
        "340602001000",
        True,
    )
    assert Region.objects.get(code="340602000000").lon == pytest.approx(116.83)
    assert ChangeLog.objects.filter(target_type="regions.region", action="create").count() == 5


@pytest.mark.parametrize("header", [REGION_KEYS, REGION_LABELS], ids=["keys", "labels"])
def test_regions_import_from_xlsx_with_numeric_codes(db: Any, tmp_path: Path, header: list[str]) -> None:
    """Spreadsheet programs turn codes into numbers; they still read as 12-digit codes."""
    rows: list[list[Any]] = [header]
    for row in DUJI:
        rows.append([int(row[0]), row[1], row[2], int(row[3]) if row[3] else "", int(row[4]), *row[5:]])
    path = write_xlsx(tmp_path / "regions.xlsx", rows)
    report = run_import("regions", path, actor=system_actor())
    assert report.ok, report.errors
    assert set(Region.objects.values_list("code", flat=True)) == {r[0] for r in DUJI}
    assert Region.objects.get(code="340602001201").is_rural


def test_six_and_nine_digit_codes_are_padded(db: Any) -> None:
    rows = [REGION_KEYS, DUJI[0], ["340602", "杜集区", "county", "3406", "", "", ""]]
    report = imp("regions", rows, system_actor())
    assert errors_by_cell(report).keys() == {(3, "parent_code")}  # 4 digits are not a code
    rows[2][3] = "340600000000"
    report = imp("regions", rows, system_actor())
    assert report.ok
    assert Region.objects.filter(code="340602000000", parent_id="340600000000").exists()


def test_a_parent_may_come_after_its_children(db: Any) -> None:
    report = imp("regions", [REGION_KEYS, *reversed(DUJI)], system_actor())
    assert report.ok, report.errors
    assert Region.objects.get(code="340602001001").parent.parent.parent_id == "340600000000"


def test_regions_checks_report_every_bad_cell(db: Any) -> None:
    rows = [
        REGION_KEYS,
        DUJI[0],
        ["340602001000", "杜集区", "county", "340600000000", "", "", ""],  # county code not ending 000000
        ["340602000000", "杜集区", "province", "340600000000", "", "", ""],  # unknown level
        ["340603000000", "相山区", "county", "", "", "", ""],  # no parent
        ["340604000000", "烈山区", "township", "340600000000", "", "", ""],  # skips a level
        ["340605000000", "", "county", "340600000000", "maybe", "200", ""],  # no name, bad flag, lon
        ["340606000000", "x", "county", "349900000000", "", "", ""],  # parent unknown
        ["340607001000", "y", "township", "340608000000", "", "", ""],  # code not under parent
        ["340608000000", "z", "county", "340600000000", "", "", ""],  # a good row
    ]
    report = imp("regions", rows, system_actor())
    assert not report.written
    assert Region.objects.count() == 0
    assert set(errors_by_cell(report)) == {
        (3, "code"),
        (4, "level"),
        (5, "parent_code"),
        (6, "parent_code"),
        (7, "name"),
        (7, "is_rural"),
        (7, "lon"),
        (8, "parent_code"),
        (9, "code"),
    }
    lon = next(e for e in report.errors if e.column == "lon")
    assert lon.value == "200"
    assert "180" in lon.reason_en
    assert all(e.reason_zh and e.reason_en for e in report.errors)


def test_the_city_has_no_parent(db: Any) -> None:
    report = imp("regions", [REGION_KEYS, ["340600000000", "淮北市", "city", "340600000000"]], system_actor())
    assert set(errors_by_cell(report)) == {(2, "parent_code")}


def test_an_officer_without_manage_regions_cannot_import_regions(
    city: dict[str, Any], xiangshan_officer: Any
) -> None:
    before = set(Region.objects.values_list("code", "name"))
    rows = [REGION_KEYS, ["340603000000", "改名区", "county", "340600000000"]]
    report = imp("regions", rows, xiangshan_officer)
    assert not report.ok
    assert not report.written
    assert report.errors[0].row == 1
    assert set(Region.objects.values_list("code", "name")) == before
    assert not ChangeLog.objects.exists()


def test_a_district_administrator_cannot_import_regions_of_another_district(city: dict[str, Any]) -> None:
    district_admin = make_user("xs_admin", ["city_admin"], ["340603000000"])
    rows = [
        REGION_KEYS,
        ["340603000000", "相山区", "county", "340600000000"],
        ["340621000000", "改名县", "county", "340600000000"],
    ]
    report = imp("regions", rows, district_admin)
    assert set(errors_by_cell(report)) == {(3, "code")}
    assert Region.objects.get(code="340621000000").name == "濉溪县"


def test_a_column_left_out_keeps_the_stored_value(db: Any) -> None:
    imp("regions", [REGION_KEYS, *DUJI], system_actor())
    report = imp(
        "regions",
        [["code", "name", "level", "parent_code"], ["340602000000", "杜集区新", "county", "340600000000"]],
        system_actor(),
    )
    assert report.ok
    assert report.result.updated == 1
    county = Region.objects.get(code="340602000000")
    assert county.name == "杜集区新"
    assert county.lon == pytest.approx(116.83)  # no lon column: kept
    row = ChangeLog.objects.filter(action="update").get()
    assert row.changes == {"name": ["杜集区", "杜集区新"]}


# --- population ------------------------------------------------------------------------------------

POP_KEYS = [
    "region_code",
    "year",
    "population",
    "households",
    "age_0_2",
    "age_60_plus",
    "age_65_plus",
    "age_80_plus",
]
POP_LABELS = [
    "区划代码",
    "年份",
    "常住人口",
    "户数",
    "0-2岁人口",
    "60岁以上人口",
    "65岁以上人口",
    "80岁以上人口",
]


@pytest.mark.parametrize("header", [POP_KEYS, POP_LABELS], ids=["keys", "labels"])
def test_population_import_from_xlsx(
    city: dict[str, Any], admin_user: Any, tmp_path: Path, header: list[str]
) -> None:
    path = write_xlsx(
        tmp_path / "population.xlsx",
        [
            header,
            [340603001001, 2023, 1200, 500, 40, 300, 200, 50],
            ["340621100001", 2023, 900, "", "", "", "", ""],
        ],
    )
    report = run_import("population", path, actor=admin_user)
    assert report.ok, report.errors
    assert report.result.created == 2
    fig = PopulationFigure.objects.get(region_id="340603001001", year=2023)
    assert (
        fig.population,
        fig.households,
        fig.age_0_2,
        fig.age_60_plus,
        fig.age_65_plus,
        fig.age_80_plus,
    ) == (
        1200,
        500,
        40,
        300,
        200,
        50,
    )
    assert fig.source == "entered"
    assert PopulationFigure.objects.get(region_id="340621100001", year=2023).households is None


def test_population_checks(city: dict[str, Any], admin_user: Any) -> None:
    rows = [
        POP_KEYS,
        ["340603001001", "2023", "1000", "", "", "100", "150", ""],  # 65+ above 60+
        ["340699001001", "2023", "1000", "", "", "", "", ""],  # no such region
        ["340603001002", "2023", "100", "", "", "200", "", ""],  # 60+ above the population
        ["340603001002", "20x3", "-5", "", "", "", "", "9"],  # bad year, negative population
        ["340603001001", "2023", "1000", "", "", "", "", ""],  # same key as row 2
    ]
    report = imp("population", rows, admin_user)
    assert not report.written
    assert set(errors_by_cell(report)) == {
        (2, "age_65_plus"),
        (3, "region_code"),
        (4, "age_60_plus"),
        (5, "year"),
        (5, "population"),
        (6, "region_code"),
    }
    assert not PopulationFigure.objects.filter(year=2023).exists()


def test_population_outside_the_importers_regions_is_rejected(city: dict[str, Any]) -> None:
    district_admin = make_user("xs_admin", ["city_admin"], ["340603000000"])
    rows = [POP_KEYS[:3], ["340603001001", "2023", "10"], ["340621100001", "2023", "10"]]
    report = imp("population", rows, district_admin)
    assert set(errors_by_cell(report)) == {(3, "region_code")}


def test_an_officer_cannot_import_population(city: dict[str, Any], xiangshan_officer: Any) -> None:
    report = imp("population", [POP_KEYS[:3], ["340603001001", "2023", "10"]], xiangshan_officer)
    assert not report.ok
    assert not PopulationFigure.objects.filter(year=2023).exists()


def test_a_figure_column_left_out_keeps_the_stored_figure(city: dict[str, Any], admin_user: Any) -> None:
    report = imp("population", [POP_KEYS[:3], ["340603001001", "2021", "1001"]], admin_user)
    assert report.result.updated == 1
    fig = PopulationFigure.objects.get(region_id="340603001001", year=2021)
    assert (fig.population, fig.households, fig.age_60_plus) == (1001, 400, 200)


# --- the roll-up -----------------------------------------------------------------------------------


def _fig(code: str, year: int = 2023) -> PopulationFigure:
    return PopulationFigure.objects.get(region_id=code, year=year)


def test_community_figures_are_summed_upward(city: dict[str, Any], admin_user: Any) -> None:
    rows = [
        POP_KEYS,
        ["340603001001", "2023", "1000", "300", "", "200", "150", "30"],
        ["340603001002", "2023", "2000", "600", "", "400", "300", "60"],
        ["340621100001", "2023", "500", "", "", "100", "80", "10"],
        ["340621100002", "2023", "700", "", "", "120", "90", "20"],
    ]
    report = imp("population", rows, admin_user)
    assert report.ok, report.errors
    town = _fig("340603001000")
    assert (town.population, town.households, town.age_60_plus, town.age_65_plus, town.age_80_plus) == (
        3000,
        900,
        600,
        450,
        90,
    )
    assert town.age_0_2 is None  # not every community has it
    assert town.source == "summed"
    assert (_fig("340603000000").population, _fig("340603000000").source) == (3000, "summed")
    assert _fig("340621000000").households is None
    city_fig = _fig("340600000000")
    assert (city_fig.population, city_fig.age_60_plus, city_fig.source) == (4200, 820, "summed")
    summed = ChangeLog.objects.filter(note="summed", action="create")
    assert summed.count() == 5  # two townships, two counties, the city

    # an entered city figure wins over the sum, now and after later changes below it
    report = imp("population", [POP_KEYS[:3], ["340600000000", "2023", "5000"]], admin_user)
    assert report.ok
    assert (_fig("340600000000").population, _fig("340600000000").source) == (5000, "entered")
    report = imp("population", [POP_KEYS[:3], ["340603001001", "2023", "1500"]], admin_user)
    assert report.ok
    assert _fig("340603001000").population == 3500
    assert _fig("340603000000").population == 3500
    assert (_fig("340600000000").population, _fig("340600000000").source) == (5000, "entered")
    update = ChangeLog.objects.get(target_id=str(_fig("340603001000").pk), action="update")
    assert update.changes == {"population": [3000, 3500]}
