"""``laoxiao indicators``: the table (Chinese), JSON and xlsx formats, written to real files."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from laoxiao.plan.calculators import MEASURE_KEYS
from laoxiao.plan.models import IndicatorValue

pytestmark = pytest.mark.django_db

CITY = "340600000000"
XS = "340603000000"


@pytest.fixture
def values(city: dict[str, Any]) -> None:
    now = timezone.now()
    IndicatorValue.objects.create(
        measure_id=MEASURE_KEYS["E03"], region_code=XS, period="2021", value=Decimal("51.5"), numerator=103,
        denominator=200, computed_at=now,
    )  # fmt: skip
    IndicatorValue.objects.create(
        measure_id=MEASURE_KEYS["E09"], region_code=XS, period="2021", value=Decimal("78.2"), computed_at=now,
        inputs={"reported_value": 1, "source": "年报", "note": ""},
    )  # fmt: skip


def run(*args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out, **options)
    return out.getvalue()


def test_table_prints_in_chinese_with_the_status(values: None, tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    run(region=XS, period="2021", format="table", out=str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    assert header[:6] == ["代码", "指标", "单位", "期间", "地区", "数值"] and "状态" in header
    rows = {line.split("\t")[0]: dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]}
    assert len(rows) == 26
    e03 = rows["E03"]
    assert (e03["指标"], e03["数值"], e03["分子"], e03["分母"]) == (
        "失能特困人员集中供养率",
        "51.5",
        "103",
        "200",
    )
    assert (e03["状态"], e03["目标值"], e03["类型"], e03["地区"]) == (
        "滞后",
        "≥60",
        "计算",
        "相山区（340603000000）",
    )
    assert (rows["E09"]["数值"], rows["E09"]["状态"], rows["E09"]["类型"]) == ("78.2", "进度正常", "填报")
    assert rows["E01"]["说明"] == "待填报" and rows["E01"]["状态"] == "—"
    assert rows["C01"]["目标值"] == ">90"
    assert rows["E04"]["说明"] == "尚未计算"


def test_json_is_what_the_api_answers(values: None, tmp_path: Path, client: Client, admin_user: Any) -> None:
    path = tmp_path / "v.json"
    run(region=XS, period="2021", format="json", out=str(path))
    rows = json.loads(path.read_text(encoding="utf-8"))
    by = {r["code"]: r for r in rows}
    assert (by["E03"]["value"], by["E03"]["status"], by["E03"]["expected"]) == (51.5, "behind", 52.664)
    client.force_login(admin_user)
    assert client.get(f"/api/v1/indicators/values?region={XS}&period=2021").json() == rows


def test_json_to_standard_output_defaults_to_the_city(values: None) -> None:
    rows = json.loads(run(period="2021", format="json"))
    assert {r["region_code"] for r in rows} == {CITY}


def test_xlsx_is_table_1(values: None, tmp_path: Path) -> None:
    path = tmp_path / "表1.xlsx"
    text = run(region=XS, period="2021", format="xlsx", out=str(path))
    assert "已导出" in text
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["相山区"]
    rows = wb.get_sheet_by_name("相山区").to_python()
    assert rows[2][6] == "2021年"
    assert rows[5][2] == "失能特困人员集中供养率" and rows[5][6:8] == [51.5, "滞后"]
    assert rows[11][6:8] == [78.2, "进度正常"]  # E09


def test_xlsx_for_several_regions_and_by_default_the_city_and_each_county(
    values: None, tmp_path: Path
) -> None:
    path = tmp_path / "a.xlsx"
    run(region=f"{XS},{CITY}", period="2021", format="xlsx", out=str(path))
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["相山区", "淮北市"]
    run(period="2021", format="xlsx", out=str(path))
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["淮北市", "相山区", "濉溪县"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"period": "2021-13"}, "期间无效"),
        ({"period": "2021", "region": "340699000000"}, "没有此地区"),
        ({"period": "2021", "format": "xlsx"}, "--out"),
        ({"period": "2021", "format": "xlsx", "region": "340699000000", "out": "x.xlsx"}, "没有此地区"),
    ],
)
def test_errors(city: dict[str, Any], options: dict[str, Any], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(**options)


def test_compute_is_unchanged(city: dict[str, Any]) -> None:
    text = run("compute", period="2021", region=XS)
    assert "已计算" in text
    assert IndicatorValue.objects.filter(region_code=XS, period="2021", measure__alias="E03").exists()
