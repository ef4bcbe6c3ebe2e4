"""The Table 1 export: read the workbook back with python-calamine and check its cells and merges."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from laoxiao.plan.calculators import MEASURE_KEYS
from laoxiao.plan.models import IndicatorValue
from laoxiao.plan.selectors.values import table_regions
from laoxiao.plan.table1 import sheet_name, write_table1
from laoxiao.regions.models import Region

pytestmark = pytest.mark.django_db

CITY = "340600000000"
XS = "340603000000"
SX = "340621000000"
HEADER = ["领域", "序号", "具体指标", "单位", "2020年完成", "2025年目标", "2021年", "状态", "责任单位"]


@pytest.fixture
def values(city: dict[str, Any]) -> None:
    now = timezone.now()
    for code, region, value, num, den in [
        ("E03", CITY, "55.1234", 551234, 1000000),  # on track (line 52.664)
        ("E06", CITY, "48", 48, 100),  # behind (line 49.6)
        ("C01", CITY, "93", 93, 100),  # achieved (> 90)
        ("E11", CITY, "9", 9, None),  # a count at the city: on track (line 9)
        ("E11", XS, "3", 3, None),  # a count in a county: no status
        ("E03", XS, "61", 61, 100),  # achieved
    ]:
        IndicatorValue.objects.create(
            measure_id=MEASURE_KEYS[code],
            region_code=region,
            period="2021",
            value=Decimal(value),
            numerator=num,
            denominator=den,
            computed_at=now,
        )


def read(path_or_bytes: Any) -> CalamineWorkbook:
    if isinstance(path_or_bytes, bytes):
        return CalamineWorkbook.from_filelike(io.BytesIO(path_or_bytes))
    return CalamineWorkbook.from_path(str(path_or_bytes))


def rows_of(wb: CalamineWorkbook, name: str) -> list[list[Any]]:
    return wb.get_sheet_by_name(name).to_python()


def test_the_workbook_is_laid_out_as_the_plan_prints_table_1(values: None, tmp_path: Path) -> None:
    path = tmp_path / "t1.xlsx"
    write_table1(str(path), period="2021", regions=table_regions())
    wb = read(path)
    assert wb.sheet_names == ["淮北市", "相山区", "濉溪县"]  # the city and each county
    rows = rows_of(wb, "淮北市")
    assert rows[0][0] == "表1 养老托育服务高质量发展主要指标" and rows[0][1:] == [""] * 8  # merged title
    assert rows[1][0].startswith("淮北市“一老一小”整体解决方案（2021–2025）· 淮北市（340600000000）")
    assert rows[2] == HEADER
    body = rows[3:29]
    # 养老 E01–E16: the sector cell merged over 16 rows (the value shows in the first cell only)
    assert [r[0] for r in body[:16]] == ["养老"] + [""] * 15
    assert [r[1] for r in body[:16]] == list(range(1, 17))
    assert [r[0] for r in body[16:25]] == ["托育"] + [""] * 8
    assert body[25][0] == "整体目标" and body[25][2] == "婴幼儿健康管理率"  # C10, from the overall goals
    e01, e03, e06 = body[0], body[2], body[5]
    assert e01[2:8] == ["基本养老保险参保率", "%", 95, "≥95", "待填报", "—"]
    assert e01[8] == "市人社局"
    assert e03[2:8] == ["失能特困人员集中供养率", "%", 50.83, "≥60", 55.12, "进度正常"]
    assert e06[6:8] == [48, "滞后"]
    c01 = body[16]
    assert c01[2:8] == ["新生儿访视率", "%", 94.2, ">90", 93, "已达标"]
    e11 = body[10]
    assert e11[2] == "骨干养老企业数量" and e11[6:8] == [9, "进度正常"]
    e14 = body[13]
    assert e14[4] == "—" and e14[5] == "≥20"  # no 2020 figure
    assert rows[30][0].startswith("注：")


def test_counties_show_their_own_values_and_counts_get_no_status(values: None) -> None:
    buffer = io.BytesIO()
    write_table1(buffer, period="2021", regions=[Region.objects.get(code=XS)])
    wb = read(buffer.getvalue())
    assert wb.sheet_names == ["相山区"]
    body = rows_of(wb, "相山区")[3:]
    assert body[2][6:8] == [61, "已达标"]  # E03
    assert body[10][6:8] == [3, "—"]  # E11: a count below the city
    assert body[5][6] == "尚未计算"  # E06 has no stored value for the county


def test_a_month_shows_the_monthly_indicators(city: dict[str, Any]) -> None:
    IndicatorValue.objects.create(
        measure_id=MEASURE_KEYS["E08"],
        region_code=CITY,
        period="2021-06",
        value=Decimal("97.5"),
        computed_at=timezone.now(),
    )
    buffer = io.BytesIO()
    write_table1(buffer, period="2021-06", regions=[Region.objects.get(code=CITY)])
    rows = rows_of(read(buffer.getvalue()), "淮北市")
    assert rows[2][6] == "2021年6月"
    assert rows[3][2] == "特殊困难老年人月探访率" and rows[3][6:8] == [97.5, "滞后"]


def test_sheet_names_are_valid_and_unique() -> None:
    used: set[str] = set()
    assert sheet_name("淮北市", used) == "淮北市"
    assert sheet_name("淮北市", used) == "淮北市 (2)"
    assert sheet_name("a/b:c", used) == "a_b_c"
    assert len(sheet_name("长" * 40, used)) == 31


def test_the_page_and_its_download(client: Client, values: None, xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    page = client.get("/plan/table1/?period=2021")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "55.12" in html
        and "/plan/table1/download/?plan=huaibei-2021-2025&amp;period=2021&amp;region=340600000000" in html
    )
    r = client.get(f"/plan/table1/download/?period=2021&region={SX}&region={CITY}")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"]
    wb = read(r.content)
    assert wb.sheet_names == ["濉溪县", "淮北市"]
    assert rows_of(wb, "淮北市")[5][6:8] == [55.12, "进度正常"]
    assert client.get("/plan/table1/download/?period=2021&region=340699000000").status_code == 404


def test_the_page_needs_a_sign_in(client: Client, city: dict[str, Any]) -> None:
    r = client.get("/plan/table1/?period=2021")
    assert r.status_code == 302
