"""``laoxiao indicators``: compute indicator values, and print or export them for a region and period.

laoxiao indicators compute --period 2021 [--region 340604000000]
laoxiao indicators --region 340600000000 --period 2021 --format table|json [--out FILE]
laoxiao indicators --period 2021 --format xlsx --out 表1.xlsx [--region CODE[,CODE...]]

The table prints in Chinese (status 已达标 / 进度正常 / 滞后); JSON is the API's list of rows; xlsx
is the plan's Table 1 with the current value and status, one sheet per region (by default the city
and each county).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laoxiao.core.errors import NotFound
from laoxiao.plan.calculators import Period
from laoxiao.plan.engine import indicators_compute_with_progress
from laoxiao.plan.models import Plan, plain_number
from laoxiao.plan.selectors.plans import plan_or_default
from laoxiao.plan.selectors.values import ValueRow, indicator_values, table_regions
from laoxiao.plan.table1 import reason_zh, status_zh, target_text, write_table1
from laoxiao.regions.models import Region


class Command(BaseCommand):
    help = (
        "Compute the computed indicators for a period (every region, or one with --region), or print "
        "the indicator values of a region and period as a table (Chinese) or JSON, or export the "
        "plan's Table 1 with the values as xlsx."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["compute"], help="compute and store values")
        parser.add_argument("--period", required=True, help="a year (2021) or a month (2021-06)")
        parser.add_argument(
            "--region",
            help="a 12-digit division code (default: the whole city; for xlsx the city and each county, "
            "or several codes separated by commas)",
        )
        parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        parser.add_argument("--plan", help="a plan's code (default: the plan for the period's year)")
        parser.add_argument("--out", help="write to this file instead of standard output (required for xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(f"期间无效 / {exc}") from exc
        region = (options.get("region") or "").strip() or None
        fmt = options["format"]
        try:
            plan = plan_or_default(options.get("plan"), year=period.year)
        except NotFound:
            raise CommandError(
                f"没有此规划 / no such plan: {options.get('plan') or '(none loaded)'}"
            ) from None
        if options.get("action") == "compute":
            self._exists(region)
            rows = indicators_compute_with_progress(
                period=period.text, region_codes=[region] if region else None
            )
            regions = len({r.region_code for r in rows})
            self.stdout.write(
                self.style.SUCCESS(f"已计算 {len(rows)} 个指标值（{regions} 个地区，{period.text}）。")
            )
            return
        if fmt == "xlsx":
            self._xlsx(period, region, options.get("out"), plan)
            return
        self._exists(region)
        if not region:
            city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
            if city is None:
                raise CommandError("没有地区 / no regions: import the regions first")
            region = city.code
        values = indicator_values(region_code=region, period=period.text, plan=plan)
        if fmt == "json":
            text = json.dumps([v.as_json() for v in values], ensure_ascii=False, indent=1) + "\n"
        else:
            text = render_table(values, region_name=Region.objects.get(code=region).name)
        if options.get("out"):
            with open(options["out"], "w", encoding="utf-8") as f:
                f.write(text)
        else:
            self.stdout.write(text, ending="")

    def _exists(self, region: str | None) -> None:
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(f"没有此地区 / no such region: {region}")

    def _xlsx(self, period: Period, region: str | None, out: str | None, plan: Plan) -> None:
        if not out:
            raise CommandError("xlsx 须用 --out 指定文件 / xlsx needs --out FILE")
        codes = [c for c in (region or "").split(",") if c.strip()]
        for code in codes:
            self._exists(code.strip())
        regions = table_regions(codes or None)
        if not regions:
            raise CommandError("没有地区 / no regions: import the regions first")
        write_table1(out, period=period.text, regions=regions, plan=plan)
        self.stdout.write(self.style.SUCCESS(f"已导出表1（{len(regions)} 个地区，{period.text}）：{out}"))


def _text(value: Any) -> str:
    return "—" if value is None else plain_number(value)


HEADER = (
    "代码",
    "指标",
    "单位",
    "期间",
    "地区",
    "数值",
    "分子",
    "分母",
    "基期值",
    "目标值",
    "状态",
    "直线进度值",
    "类型",
    "说明",
)


def render_table(values: list[ValueRow], *, region_name: str = "") -> str:
    """Tab-separated, in Chinese: one line per indicator, with its status against the plan."""
    lines = ["\t".join(HEADER)]
    for v in values:
        i = v.indicator
        expected = v.status.expected
        lines.append(
            "\t".join(
                [
                    i.code,
                    i.name,
                    i.unit,
                    v.period,
                    f"{region_name}（{v.region_code}）" if region_name else v.region_code,
                    _text(v.value),
                    _text(v.numerator),
                    _text(v.denominator),
                    i.baseline_text,
                    target_text(i),
                    status_zh(v.status.code),
                    _text(round(expected, 2)) if expected is not None else "—",
                    "计算" if i.kind == i.Kind.COMPUTED else "填报",
                    reason_zh(v.reason) if v.value is None else "",
                ]
            )
        )
    return "\n".join(lines) + "\n"
