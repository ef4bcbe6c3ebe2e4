"""A plan's final evaluation (终期评估) as an xlsx workbook (XlsxWriter), laid out as Table 1
(``laoxiao.plan.table1``): title 「<plan name>终期评估」, then three sheets:

- 汇总: achieved n of m in the city, indicators without a value, tasks done, and the gaps of the
  indicators not achieved, the largest first;
- 指标: each indicator's baseline, target, the final-year value in the city and in each county (a
  column group each: 数值 | 是否达标), or why there is none;
- 任务: each task's final status on the plan's last day, its milestones, latest progress and
  evidence files.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.utils import timezone

from laoxiao.plan.evaluation import NO_APPROVED, NOT_COMPUTED, Cell, Evaluation
from laoxiao.plan.table1 import SECTOR_ZH, display_number, target_text

SHEETS = ("汇总", "指标", "任务")
ACHIEVED_ZH = {True: "已达标", False: "未达标", None: "—"}
REASON_ZH = {
    NOT_COMPUTED: "尚未计算",
    NO_APPROVED: "无审核通过的填报值",
    "the denominator is zero": "分母为零",
}
TASK_STATUS_ZH = {"not_started": "未开始", "in_progress": "进行中", "done": "已完成", "overdue": "逾期"}
INDICATOR_HEAD = ("领域", "编号", "具体指标", "单位", "{b}年基期值", "{y}年目标")
TASK_HEAD = ("任务编号", "重点任务", "牵头单位", "{on}状态", "节点", "最新进度（%）", "最新进展", "佐证材料")
GAP_HEAD = ("编号", "具体指标", "单位", "{y}年目标", "{y}年数值", "相对差距（%）")


def title(evaluation: Evaluation) -> str:
    return f"{evaluation.plan.name}终期评估"


def reason_zh(reason: str) -> str:
    return REASON_ZH.get(reason, reason or "—")


def achieved_zh(value: bool | None) -> str:
    return ACHIEVED_ZH[value]


def gap_percent(gap: Decimal | None) -> float | None:
    """A relative gap as a percentage with one place (12.3)."""
    if gap is None:
        return None
    return float((gap * 100).quantize(Decimal("0.1")))


def write_evaluation(target: str | IO[bytes], evaluation: Evaluation) -> None:
    """Write the workbook of ``evaluation`` to a path or a binary file object."""
    e = evaluation
    wb = xlsxwriter.Workbook(target, {"in_memory": True})
    wb.set_properties({"title": title(e), "subject": f"{e.plan.name} {e.year}", "author": "laoxiao"})
    base = {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 10}
    f = {
        "title": wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "sub": wb.add_format({"align": "center", "font_size": 10, "font_color": "#555555"}),
        "head": wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#eeeeee"}
        ),
        "text": wb.add_format({**base, "text_wrap": True}),
        "centre": wb.add_format({**base, "align": "center"}),
        "yes": wb.add_format({**base, "align": "center", "bg_color": "#d9ead3"}),
        "no": wb.add_format({**base, "align": "center", "bg_color": "#f4cccc"}),
        "note": wb.add_format({"font_size": 9, "font_color": "#555555", "text_wrap": True, "valign": "top"}),
    }
    sub = f"{e.plan.name}（{e.plan.period_text}）· {e.city.name}（{e.city.code}）· {e.year}年"

    def heading(ws: Any, last_col: int) -> None:
        ws.merge_range(0, 0, 0, last_col, title(e), f["title"])
        ws.set_row(0, 26)
        ws.merge_range(1, 0, 1, last_col, sub, f["sub"])
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)

    def flag(ws: Any, row: int, col: int, value: bool | None) -> None:
        fmt = f["yes"] if value else f["no"] if value is False else f["centre"]
        ws.write_string(row, col, achieved_zh(value), fmt)

    def value(ws: Any, row: int, col: int, cell: Cell) -> None:
        if cell.value is not None:
            ws.write_number(row, col, display_number(cell.value), f["centre"])
        else:
            ws.write_string(row, col, reason_zh(cell.reason), f["centre"])

    # -- 汇总 --
    ws = wb.add_worksheet(SHEETS[0])
    for col, width in enumerate((10, 40, 8, 12, 12, 14)):
        ws.set_column(col, col, width)
    heading(ws, 5)
    lines = [
        ("全市指标达标", f"{e.achieved} / {e.total}"),
        ("无数值的指标", str(e.without_value)),
        (f"{e.on:%Y-%m-%d}已完成的任务", f"{e.tasks_done} / {len(e.tasks)}"),
    ]
    for n, (label, text) in enumerate(lines, start=2):
        ws.merge_range(n, 0, n, 2, label, f["text"])
        ws.merge_range(n, 3, n, 5, text, f["centre"])
    row = len(lines) + 3
    ws.merge_range(row, 0, row, 5, "未达标指标（按相对差距从大到小）", f["head"])
    row += 1
    ws.write_row(row, 0, [h.format(y=e.year) for h in GAP_HEAD], f["head"])
    row += 1
    for r in e.gaps:
        i = r.indicator
        ws.write_string(row, 0, i.code, f["centre"])
        ws.write_string(row, 1, i.name, f["text"])
        ws.write_string(row, 2, i.unit, f["centre"])
        ws.write_string(row, 3, target_text(i), f["centre"])
        value(ws, row, 4, r.city)
        gap = gap_percent(r.gap)
        if gap is None:
            ws.write_string(row, 5, "—", f["centre"])
        else:
            ws.write_number(row, 5, gap, f["centre"])
        row += 1
    note = (
        "注：相对差距＝（目标−数值）÷目标，目标为“≤”“<”时取（数值−目标）÷目标；"
        f"数值为平台存储的{e.year}年计算值或经审核的填报值，与驾驶舱一致。"
        f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}。"
    )
    ws.merge_range(row + 1, 0, row + 1, 5, note, f["note"])
    ws.set_row(row + 1, 36)

    # -- 指标 --
    ws = wb.add_worksheet(SHEETS[1])
    regions = [e.city, *e.counties]
    fixed = [h.format(b=e.plan.baseline_year, y=e.plan.last_year) for h in INDICATOR_HEAD]
    last_col = len(fixed) + 2 * len(regions) - 1
    for col, width in enumerate((8, 6, 40, 7, 11, 11)):
        ws.set_column(col, col, width)
    ws.set_column(len(fixed), last_col, 11)
    heading(ws, last_col)
    for col, h in enumerate(fixed):
        ws.merge_range(2, col, 3, col, h, f["head"])
    for n, region in enumerate(regions):
        col = len(fixed) + 2 * n
        ws.merge_range(2, col, 2, col + 1, region.name, f["head"])
        ws.write_string(3, col, f"{e.year}年数值", f["head"])
        ws.write_string(3, col + 1, "是否达标", f["head"])
    ws.freeze_panes(4, 3)
    ws.repeat_rows(2, 3)
    for row, r in enumerate(e.indicators, start=4):
        i = r.indicator
        ws.write_string(row, 0, SECTOR_ZH.get(i.sector, i.sector), f["centre"])
        ws.write_string(row, 1, i.code, f["centre"])
        ws.write_string(row, 2, i.name, f["text"])
        ws.write_string(row, 3, i.unit, f["centre"])
        if i.baseline is not None:
            ws.write_number(row, 4, display_number(Decimal(i.baseline)), f["centre"])
        else:
            ws.write_string(row, 4, "—", f["centre"])
        ws.write_string(row, 5, target_text(i), f["centre"])
        for n, cell in enumerate([r.city, *r.counties]):
            col = len(fixed) + 2 * n
            value(ws, row, col, cell)
            flag(ws, row, col + 1, cell.achieved)

    # -- 任务 --
    ws = wb.add_worksheet(SHEETS[2])
    for col, width in enumerate((8, 46, 16, 10, 36, 10, 36, 28)):
        ws.set_column(col, col, width)
    heading(ws, len(TASK_HEAD) - 1)
    ws.write_row(2, 0, [h.format(on=f"{e.on:%Y-%m-%d}") for h in TASK_HEAD], f["head"])
    ws.freeze_panes(3, 2)
    ws.repeat_rows(2)
    for row, t in enumerate(e.tasks, start=3):
        s = t.state
        lead = s.lead_unit
        steps = "\n".join(
            f"{m.title}（{m.due_on:%Y-%m-%d}{'，已完成 ' + f'{m.done_on:%Y-%m-%d}' if m.done_on else '，未完成'}）"
            for m in s.milestones
        )
        ws.write_string(row, 0, s.task.code, f["centre"])
        ws.write_string(row, 1, s.task.text, f["text"])
        ws.write_string(row, 2, lead.name if lead else "", f["text"])
        ws.write_string(row, 3, TASK_STATUS_ZH.get(s.status, s.status), f["centre"])
        ws.write_string(row, 4, steps or "—", f["text"])
        if t.percent is not None:
            ws.write_number(row, 5, t.percent, f["centre"])
        else:
            ws.write_string(row, 5, "—", f["centre"])
        ws.write_string(row, 6, t.report_text or "—", f["text"])
        ws.write_string(row, 7, "\n".join(t.evidence) or "—", f["text"])
    wb.close()


def evaluation_bytes(evaluation: Evaluation) -> bytes:
    buffer = io.BytesIO()
    write_evaluation(buffer, evaluation)
    return buffer.getvalue()


def evaluation_filename(evaluation: Evaluation) -> str:
    return f"{title(evaluation)}_{evaluation.plan.code}.xlsx"


__all__ = ["evaluation_bytes", "evaluation_filename", "write_evaluation"]
