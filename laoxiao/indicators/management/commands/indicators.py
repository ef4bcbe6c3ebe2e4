"""``laoxiao indicators``: compute indicator values, and print them for a region and period.

laoxiao indicators compute --period 2022 [--region 340604000000]
laoxiao indicators --region 340600000000 --period 2022 --format table|json [--out FILE]
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laoxiao.indicators.calculators import Period
from laoxiao.indicators.engine import indicators_compute
from laoxiao.indicators.models import plain_number
from laoxiao.indicators.selectors.values import ValueRow, indicator_values
from laoxiao.regions.models import Region


class Command(BaseCommand):
    help = (
        "Compute the computed indicators for a period (every region, or one with --region), or print "
        "the indicator values of a region and period as a table (Chinese) or JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["compute"], help="compute and store values")
        parser.add_argument("--period", required=True, help="a year (2022) or a month (2022-03)")
        parser.add_argument("--region", help="a 12-digit division code (default: the whole city)")
        parser.add_argument("--format", choices=["table", "json"], default="table")
        parser.add_argument("--out", help="write to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        region = options.get("region")
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(f"没有此地区 / no such region: {region}")
        if options.get("action") == "compute":
            rows = indicators_compute(period=period.text, region_codes=[region] if region else None)
            regions = len({r.region_code for r in rows})
            self.stdout.write(
                self.style.SUCCESS(f"已计算 {len(rows)} 个指标值（{regions} 个地区，{period.text}）。")
            )
            return
        if not region:
            city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
            if city is None:
                raise CommandError("没有地区 / no regions: import the regions first")
            region = city.code
        values = indicator_values(region_code=region, period=period.text)
        if options["format"] == "json":
            text = json.dumps([v.as_json() for v in values], ensure_ascii=False, indent=1) + "\n"
        else:
            text = render_table(values)
        if options.get("out"):
            with open(options["out"], "w", encoding="utf-8") as f:
                f.write(text)
        else:
            self.stdout.write(text, ending="")


def _text(value: Any) -> str:
    return "—" if value is None else plain_number(value)


def render_table(values: list[ValueRow]) -> str:
    header = [
        "代码",
        "指标",
        "单位",
        "期间",
        "地区",
        "数值",
        "分子",
        "分母",
        "2020年基线",
        "2025年目标",
        "类型",
        "说明",
    ]
    lines = ["\t".join(header)]
    for v in values:
        i = v.indicator
        lines.append(
            "\t".join(
                [
                    i.code,
                    i.name,
                    i.unit,
                    v.period,
                    v.region_code,
                    _text(v.value),
                    _text(v.numerator),
                    _text(v.denominator),
                    i.baseline_text,
                    i.target_text,
                    "计算" if i.kind == i.Kind.COMPUTED else "填报",
                    _reason_zh(v.reason),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def _reason_zh(reason: str) -> str:
    if not reason:
        return ""
    if reason == "reported by the responsible unit":
        return "由责任单位填报"
    if reason.startswith("not computed yet"):
        return "尚未计算"
    return reason
