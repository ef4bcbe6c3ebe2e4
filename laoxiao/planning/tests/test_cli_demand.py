"""`laoxiao planning project` and `laoxiao planning residential` on files written by hand, with known
answers; bad files stop with every error (file, row, column) and exit 1, writing nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command

from laoxiao.planning.actions import residential_project_create
from laoxiao.planning.selectors import demand as ad
from laoxiao.regions.actions import population_rollup


def plan(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("planning", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def write(path: Path, text: str) -> Path:
    path.write_text(text.lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def assumptions(tmp_path: Path) -> Path:
    """Ages 0..4 (4+ open): everyone survives, women of 2 and 3 have 0.5 children a year, boys
    and girls born alike; two migrants aged 1 arrive each year in region A only."""
    folder = tmp_path / "assumptions"
    folder.mkdir()
    write(folder / "fertility.csv", "scenario,age,rate\nbaseline,2-3,0.5\nnone,2,0\n")
    rows = ["sex,age,ratio"] + [f"{s},{a},1" for s in "FM" for a in ("birth", "1", "2", "3", "4")]
    write(folder / "survival.csv", "\n".join(rows) + "\n")
    write(folder / "migration.csv", "region,sex,age,count\nA,F,1,1\nA,M,1,1\n")
    write(folder / "parameters.csv", "name,value\nsex_ratio_at_birth,1\nbase_year,2020\n")
    return folder


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write(
        tmp_path / "base.csv",
        """
region,sex,age,count
A,F,2,100
A,M,2,100
A,F,4+,10
B,F,0,50
""",
    )


def read_out(path: Path) -> dict[tuple[str, str, str, str], float]:
    with open(path, encoding="utf-8") as f:
        return {(r["region"], r["year"], r["sex"], r["age"]): float(r["count"]) for r in csv.DictReader(f)}


def test_project_on_hand_written_files(tmp_path, base, assumptions):
    out = tmp_path / "out.csv"
    code, text = plan(
        "project", "--base", str(base), "--assumptions", str(assumptions), "--to", "2021", "--out", str(out)
    )
    assert code == 0, text
    rows = read_out(out)
    assert len(rows) == 2 * 2 * 2 * 5  # regions × years × sexes × ages 0..4
    # region A: 100 women aged 2 → 3; the girl migrant counted at the start is 2 at the end: births
    # = 0.5 × ((100 + 0.5) / 2 at age 2 + (0 + 100) / 2 at age 3) = 50.125, a half of them girls
    assert rows[("A", "2021", "F", "3")] == 100
    assert rows[("A", "2021", "F", "0")] == 25.06 and rows[("A", "2021", "M", "0")] == 25.06
    assert rows[("A", "2021", "F", "4+")] == 10  # the open group keeps its people
    # migrants: half at the start (they age to 2), half at the end (still 1)
    assert rows[("A", "2021", "F", "2")] == 0.5 and rows[("A", "2021", "F", "1")] == 0.5
    assert rows[("B", "2021", "F", "1")] == 50 and rows[("B", "2021", "F", "0")] == 0
    assert rows[("A", "2020", "F", "2")] == 100  # the base year is written too
    assert "baseline" in text and "2021" in text


def test_project_scenario_and_base_year_option(tmp_path, base, assumptions):
    out = tmp_path / "out.csv"
    code, text = plan(
        "project", "--base", str(base), "--assumptions", str(assumptions), "--scenario", "none",
        "--base-year", "2030", "--to", "2031", "--out", str(out),
    )  # fmt: skip
    assert code == 0, text
    rows = read_out(out)
    assert rows[("A", "2031", "F", "0")] == 0 and ("A", "2030", "F", "2") in rows


def test_project_bad_base_names_rows_and_columns(tmp_path, assumptions):
    bad = write(
        tmp_path / "bad.csv",
        """
region,sex,age,count
A,F,2,100
A,X,3,5
A,M,three,5
A,M,4,-1
A,F,2,7
""",
    )
    out = tmp_path / "out.csv"
    code, text = plan(
        "project", "--base", str(bad), "--assumptions", str(assumptions), "--to", "2021", "--out", str(out)
    )
    assert code == 1
    assert "bad.csv, row 3, column sex" in text
    assert "bad.csv, row 4, column age" in text
    assert "bad.csv, row 5, column count" in text
    assert "bad.csv, row 6, column age: duplicate of row 2" in text
    assert not out.exists()


def test_project_bad_assumptions_name_their_file(tmp_path, base, assumptions):
    write(assumptions / "fertility.csv", "age,rate\n2,abc\n1-x,0.1\n")
    write(assumptions / "survival.csv", "sex,age,ratio\nF,birth,1.5\n")
    code, text = plan(
        "project",
        "--base",
        str(base),
        "--assumptions",
        str(assumptions),
        "--to",
        "2021",
        "--out",
        str(tmp_path / "o.csv"),
    )
    assert code == 1
    assert "fertility.csv, row 2, column rate" in text
    assert "fertility.csv, row 3, column age" in text
    assert "survival.csv, row 2, column ratio" in text


def test_project_missing_files_and_options(tmp_path, base, assumptions):
    code, text = plan("project", "--assumptions", str(assumptions), "--out", str(tmp_path / "o.csv"))
    assert code == 1 and "--base" in text
    (assumptions / "parameters.csv").unlink()
    code, text = plan(
        "project", "--base", str(base), "--assumptions", str(assumptions), "--out", str(tmp_path / "o.csv")
    )
    assert code == 1 and "base year" in text
    code, text = plan(
        "project",
        "--base",
        str(tmp_path / "nope.csv"),
        "--assumptions",
        str(assumptions),
        "--out",
        str(tmp_path / "o.csv"),
    )
    assert code == 1 and "nope.csv: file not found" in text


def test_project_the_demo_assumptions_run(tmp_path):
    base = write(tmp_path / "b.csv", "region,sex,age,count,year\nX,F,30,1000,2021\nX,M,100+,10,2021\n")
    out = tmp_path / "out.csv"
    folder = Path(__file__).resolve().parents[1] / "data"
    code, text = plan(
        "project", "--base", str(base), "--assumptions", str(folder), "--to", "2035", "--out", str(out)
    )
    assert code == 0, text
    rows = read_out(out)
    assert 900 < rows[("X", "2035", "F", "44")] < 1000  # survivors, a few having left
    assert rows[("X", "2035", "F", "0")] > 0  # their children


P_CSV = """
code,name,region_code,area_type,households,residents,eldercare_floor_area,largest_facility_area,childcare_slots,delivery_date
R1,锦湖苑,340603001001,new,1000,2800,300,300,28,2022-06-30
R2,金桥府,340603001002,new,500,1400,92.5,92.5,10,2022-06-30
R3,老城改造,340603001001,existing,800,2300,160,160,19,
"""


@pytest.mark.django_db
def test_residential_on_a_hand_written_file(tmp_path):
    out = tmp_path / "out.csv"
    code, text = plan("residential", "--projects", str(write(tmp_path / "p.csv", P_CSV)), "--out", str(out))
    assert code == 0, text
    with open(out, encoding="utf-8") as f:
        rows = {r["code"]: r for r in csv.DictReader(f)}
    assert (
        rows["R1"]["floor_area_ok"] == "1"
        and rows["R1"]["slots_ok"] == "1"
        and rows["R1"]["single_facility_ok"] == "0"
    )
    assert rows["R1"]["reasons"] == "新建居住区单处养老服务设施建筑面积不足350平方米（实有300）"
    assert rows["R2"]["floor_area_per_100_households"] == "18.50"
    assert rows["R2"]["reasons"].startswith(
        "新建居住区每百户养老服务设施建筑面积不足30平方米（实有18.5）；新建居住区每千人口托位数不足10个（实有7.1）"
    )
    assert rows["R3"]["passed"] == "1" and rows["R3"]["single_facility_ok"] == ""
    assert "项目 / projects: 3" in text and "达标 / meeting every standard: 1" in text


@pytest.mark.django_db
def test_residential_bad_file_names_row_and_column(tmp_path):
    bad = write(
        tmp_path / "p.csv",
        """
code,name,region_code,area_type,households,residents,eldercare_floor_area,largest_facility_area
R1,锦湖苑,340603001001,newish,1000,2800,300,300
R2,,3406,new,abc,1400,90,100
R3,金桥府,340603001001,new,500,1400,90,100
""",
    )
    out = tmp_path / "out.csv"
    code, text = plan("residential", "--projects", str(bad), "--out", str(out))
    assert code == 1 and not out.exists()
    for where in (
        "row 2, column area_type",
        "row 3, column name",
        "row 3, column region_code",
        "row 3, column households",
        "row 4, column largest_facility_area",
    ):
        assert where in text, where
    unknown = write(tmp_path / "u.csv", "code,name,colour\nR1,x,red\n")
    code, text = plan("residential", "--projects", str(unknown), "--out", str(out))
    assert code == 1 and "row 1, column colour" in text


@pytest.mark.django_db
def test_residential_on_the_platform(tmp_path, admin_user):

    residential_project_create(
        actor=admin_user,
        data={
            "code": "JZ",
            "name": "锦湖苑",
            "region_code": "340603001001",
            "area_type": "existing",
            "households": 100,
            "residents": 300,
            "eldercare_floor_area": 10,
            "largest_facility_area": 10,
        },
    )
    out = tmp_path / "out.csv"
    code, text = plan("residential", "--region", "340603", "--out", str(out))
    assert code == 0, text
    assert "已建成居住区每百户养老服务设施建筑面积不足20平方米（实有10）" in out.read_text(encoding="utf-8")
    code, text = plan("residential", "--region", "34x", "--out", str(out))
    assert code == 1


@pytest.mark.django_db
def test_residential_reads_an_xlsx_with_chinese_headers(tmp_path):

    path = tmp_path / "p.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    rows = [
        [
            "项目编号",
            "项目名称",
            "区划代码",
            "居住区类型",
            "户数",
            "居住人口",
            "养老服务设施建筑面积",
            "最大单处设施面积",
            "托位数",
        ],
        ["X1", "锦湖苑", "340603001001", "新建居住区", 1000, 2800, 350, 350, 28],
        ["X2", "老城改造", "340603001002", "已建成居住区", 1000, 2000, 150, 150, 16],
    ]
    for i, row in enumerate(rows):
        sheet.write_row(i, 0, row)
    book.close()
    out = tmp_path / "out.csv"
    code, text = plan("residential", "--projects", str(path), "--out", str(out))
    assert code == 0, text
    with open(out, encoding="utf-8") as f:
        got = {r["code"]: (r["passed"], r["reasons"]) for r in csv.DictReader(f)}
    assert got == {
        "X1": ("1", ""),
        "X2": ("0", "已建成居住区每百户养老服务设施建筑面积不足20平方米（实有15）"),
    }


def test_project_on_the_platform_and_round_trip_of_its_base(tmp_path, city, admin_user):

    ad._CACHE.clear()
    population_rollup(actor=admin_user, years=[2021])
    out, base = tmp_path / "out.csv", tmp_path / "base.csv"
    code, text = plan(
        "project", "--region", "340603", "--to", "2025", "--base-out", str(base), "--out", str(out)
    )
    assert code == 0, text
    first = read_out(out)
    assert sum(v for (r, y, s, a), v in first.items() if y == "2021") == pytest.approx(3000, abs=0.1)
    assert {k[0] for k in first} == {"340603000000"}
    folder = Path(__file__).resolve().parents[1] / "data"
    again = tmp_path / "again.csv"
    code, text = plan(
        "project", "--base", str(base), "--assumptions", str(folder), "--to", "2025", "--out", str(again)
    )
    assert code == 0, text
    second = read_out(again)
    total = {y: sum(v for (r, yy, s, a), v in second.items() if yy == y) for y in ("2021", "2025")}
    assert total["2021"] == pytest.approx(3000, abs=1)
    expected_2025 = sum(v for (r, y, s, a), v in first.items() if y == "2025")
    assert total["2025"] == pytest.approx(expected_2025, abs=1)
    code, text = plan("project", "--region", "349999", "--out", str(out))
    assert code == 1 and "349999" in text
