"""A plan's Table 1 as an xlsx workbook (XlsxWriter), one sheet per region.

Laid out as the seed plan prints 表1 养老托育服务高质量发展主要指标: a title row, the header
领域 | 序号 | 具体指标 | 单位 | 2020年完成 | 2025年目标 (the plan's own baseline and target years),
then the current value for the period, its
status and the responsible unit; 养老 E01–E16 and 托育 C01–C09 with the 领域 cell merged over
their rows, then C10 (from the plan's overall goals, not Table 1) in a row of its own. Targets carry
their comparator as the plan writes them (≥95, >90). Values are stored ones (nothing is computed
here): where there is none, the cell says why.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.plan.calculators import Period
from laoxiao.plan.engine import REPORTED_REASON
from laoxiao.plan.models import Indicator, Plan, plain_number
from laoxiao.plan.selectors.plans import plan_or_default
from laoxiao.plan.selectors.values import ValueRow, indicator_values_many
from laoxiao.regions.models import Region

TITLE = "表1 养老托育服务高质量发展主要指标"
SECTOR_ZH = {"eldercare": "养老", "childcare": "托育"}
OVERALL_GOALS = "整体目标"
STATUS_ZH = {"achieved": "已达标", "on_track": "进度正常", "behind": "滞后"}
COMPARATOR_ZH = {"gte": "≥", "gt": ">", "eq": "", "lte": "≤", "lt": "<"}
COLUMNS = (
    "领域",
    "序号",
    "具体指标",
    "单位",
    "{baseline_year}年完成",
    "{target_year}年目标",
    "{period}",
    "状态",
    "责任单位",
)
WIDTHS = (10, 6, 46, 7, 11, 11, 12, 10, 16)
STATUS_COLOURS = {"achieved": "#d9ead3", "on_track": "#fff2cc", "behind": "#f4cccc"}
LAST_COL = len(COLUMNS) - 1


def period_header(period: Period) -> str:
    """``2021年`` or ``2021年6月``."""
    if period.is_month:
        return f"{period.year}年{period.start.month}月"
    return f"{period.year}年"


def target_text(indicator: Indicator) -> str:
    """The target as the plan writes it: ``≥95``, ``>90``."""
    return f"{COMPARATOR_ZH.get(indicator.comparator, '')}{plain_number(indicator.target)}"


def reason_zh(reason: str) -> str:
    if not reason:
        return "—"
    if reason == REPORTED_REASON:
        return "待填报"
    if reason.startswith("not computed yet"):
        return "尚未计算"
    if reason == "the denominator is zero":
        return "分母为零"
    return reason


def status_zh(code: str | None) -> str:
    return STATUS_ZH.get(code or "", "—")


def display_number(value: Decimal) -> float | int:
    """A value as the table shows it: two places at most (0.56, 52.66), whole numbers as integers."""
    rounded = value.quantize(Decimal("0.01"))
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return float(rounded)


def sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31] or "Sheet"
    out, n = base, 2
    while out.lower() in used:
        suffix = f" ({n})"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(out.lower())
    return out


def _groups(rows: list[ValueRow]) -> list[tuple[str, list[ValueRow]]]:
    """养老 (Table 1 rows), 托育 (Table 1 rows), then the rows from the plan's overall goals, as
    (group code, rows): ``eldercare``, ``childcare``, ``overall``."""
    table = [r for r in rows if r.indicator.source in ("表1", "")]
    other = [r for r in rows if r.indicator.source not in ("表1", "")]
    out = [(s, [r for r in table if r.indicator.sector == s]) for s in ("eldercare", "childcare")]
    if other:
        out.append(("overall", other))
    return [(code, group) for code, group in out if group]


GROUP_ZH = {**SECTOR_ZH, "overall": OVERALL_GOALS}
GROUP_LABELS: dict[str, Any] = {
    "eldercare": _("elder care"),
    "childcare": _("childcare"),
    "overall": _("overall goals of the plan"),
}
REASON_LABELS: dict[str, Any] = {
    "reported": _("to be reported"),
    "not_computed": _("not computed yet"),
}


def reason_label(reason: str) -> Any:
    """The reason for a missing value, for a page (translated)."""
    if reason == REPORTED_REASON:
        return REASON_LABELS["reported"]
    if reason.startswith("not computed yet"):
        return REASON_LABELS["not_computed"]
    return reason or "—"


def write_table1(
    target: str | IO[bytes],
    *,
    period: str,
    regions: Sequence[Region],
    plan: Plan | None = None,
) -> None:
    """Write the workbook of the plan (default: the plan for the period's year) to a path or a
    binary file object."""
    p = Period.parse(period)
    plan = plan or plan_or_default(year=p.year)
    values = indicator_values_many(region_codes=[r.code for r in regions], period=p.text, plan=plan)
    wb = xlsxwriter.Workbook(target, {"in_memory": True})
    wb.set_properties({"title": TITLE, "subject": f"{plan.name} {p.text}", "author": "laoxiao"})
    base = {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 10}
    f = {
        "title": wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "sub": wb.add_format({"align": "center", "font_size": 10, "font_color": "#555555"}),
        "head": wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#eeeeee"}
        ),
        "sector": wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True}),
        "text": wb.add_format({**base, "text_wrap": True}),
        "centre": wb.add_format({**base, "align": "center"}),
        "num": wb.add_format({**base, "align": "center"}),
        "note": wb.add_format({"font_size": 9, "font_color": "#555555", "text_wrap": True, "valign": "top"}),
    }
    status_f = {
        code: wb.add_format({**base, "align": "center", "bg_color": c}) for code, c in STATUS_COLOURS.items()
    }
    headers = [
        c.format(period=period_header(p), baseline_year=plan.baseline_year, target_year=plan.last_year)
        for c in COLUMNS
    ]
    used: set[str] = set()
    for region in regions:
        ws = wb.add_worksheet(sheet_name(region.name, used))
        for col, width in enumerate(WIDTHS):
            ws.set_column(col, col, width)
        ws.merge_range(0, 0, 0, LAST_COL, TITLE, f["title"])
        ws.set_row(0, 26)
        ws.merge_range(
            1,
            0,
            1,
            LAST_COL,
            f"{plan.name}（{plan.period_text}）· {region.name}（{region.code}）· {period_header(p)}",
            f["sub"],
        )
        ws.write_row(2, 0, headers, f["head"])
        ws.set_row(2, 30)
        ws.freeze_panes(3, 0)
        row = 3
        for code, group in _groups(values[region.code]):
            label = GROUP_ZH[code]
            first = row
            for n, v in enumerate(group, start=1):
                i = v.indicator
                ws.write_number(row, 1, n, f["centre"])
                ws.write_string(row, 2, i.name, f["text"])
                ws.write_string(row, 3, i.unit, f["centre"])
                if i.baseline is not None:
                    ws.write_number(row, 4, display_number(Decimal(i.baseline)), f["num"])
                else:
                    ws.write_string(row, 4, "—", f["centre"])
                ws.write_string(row, 5, target_text(i), f["centre"])
                if v.value is not None:
                    ws.write_number(row, 6, display_number(v.value), f["num"])
                else:
                    ws.write_string(row, 6, reason_zh(v.reason), f["centre"])
                ws.write_string(
                    row, 7, status_zh(v.status.code), status_f.get(v.status.code or "", f["centre"])
                )
                unit = i.responsible_unit.name if i.responsible_unit else ""
                ws.write_string(row, 8, unit, f["text"])
                row += 1
            if row - first > 1:
                ws.merge_range(first, 0, row - 1, 0, label, f["sector"])
            else:
                ws.write_string(first, 0, label, f["sector"])
        b0, b1 = plan.baseline_year, plan.last_year
        notes = (
            f"注：{b0}年完成、{b1}年目标取自规划的指标表；“整体目标”行取自规划的整体目标，不在表1中。"
            f"状态：已达标＝按目标的比较方式达到{b1}年目标；进度正常＝达到自{b0}年基期值至{b1}年目标的直线进度；"
            "滞后＝其他；无基期值的指标只分已达标与滞后；数量类指标只在全市层面评定状态。"
            f"数值为平台存储的计算值或经审核的填报值。导出时间：{timezone.localtime():%Y-%m-%d %H:%M}。"
        )
        ws.merge_range(row + 1, 0, row + 1, LAST_COL, notes, f["note"])
        ws.set_row(row + 1, 48)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)
    wb.close()


def table1_bytes(*, period: str, regions: Sequence[Region], plan: Plan | None = None) -> bytes:
    buffer = io.BytesIO()
    write_table1(buffer, period=period, regions=regions, plan=plan)
    return buffer.getvalue()


def table1_filename(*, period: str, regions: Sequence[Region]) -> str:
    where = regions[0].name if len(regions) == 1 else "淮北市各区县"
    return f"表1_主要指标_{where}_{period}.xlsx"


def preview(*, period: str, regions: Sequence[Region], plan: Plan | None = None) -> list[dict[str, Any]]:
    """The table of each region as rows for a page (the same cells as the workbook)."""
    p = Period.parse(period)
    values = indicator_values_many(region_codes=[r.code for r in regions], period=p.text, plan=plan)
    out = []
    for region in regions:
        groups = []
        for code, group in _groups(values[region.code]):
            groups.append(
                {
                    "code": code,
                    "label": GROUP_LABELS[code],
                    "rows": [
                        {
                            "n": n,
                            "row": v,
                            "target": target_text(v.indicator),
                            "value": display_number(v.value) if v.value is not None else None,
                            "reason": reason_label(v.reason),
                        }
                        for n, v in enumerate(group, start=1)
                    ],
                }
            )
        out.append({"region": region, "groups": groups})
    return out
