"""The joint meeting's agenda as a spreadsheet (XlsxWriter): two sheets with Chinese headers,
逾期任务 (overdue tasks) and 未达标指标 (indicators behind target)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter

from laoxiao.plan.models import plain_number
from laoxiao.plan.selectors.tasks import Agenda

TASK_HEADER = [
    "序号",
    "任务编号",
    "重点任务",
    "牵头单位",
    "配合单位",
    "逾期节点",
    "节点到期日",
    "逾期天数",
    "最新进度（%）",
    "进度截至",
]
INDICATOR_HEADER = [
    "指标编号",
    "具体指标",
    "单位",
    "年度",
    "当前值",
    "应达到（进度线）",
    "2025年目标",
    "责任单位",
]
STATUS_ZH = {"achieved": "已达标", "on_track": "符合进度", "behind": "滞后"}


def _number(value: Decimal | None) -> float | str:
    return float(value) if value is not None else ""


def agenda_rows(agenda: Agenda) -> tuple[list[list[Any]], list[list[Any]]]:
    """The two tables of the agenda, as rows of cells (also used by the API)."""
    tasks = []
    for i, s in enumerate(agenda.overdue, start=1):
        lead = s.lead_unit
        m = s.overdue_milestone
        tasks.append(
            [
                i,
                s.task.code,
                s.task.text,
                lead.name if lead else "",
                "、".join(u.name for u in s.co_units),
                m.title if m else "",
                m.due_on.isoformat() if m else "",
                s.days_overdue,
                s.percent if s.percent is not None else "",
                s.latest.as_of.isoformat() if s.latest else "",
            ]
        )
    indicators = []
    for r in agenda.behind:
        ind = r.indicator
        unit = agenda.unit_of(r)
        indicators.append(
            [
                ind.code,
                ind.name,
                ind.unit,
                r.period,
                _number(r.value),
                _number(r.status.expected),
                f"{ind.get_comparator_display()}{plain_number(ind.target)}",
                unit.name if unit else "",
            ]
        )
    return tasks, indicators


def agenda_xlsx(agenda: Agenda) -> bytes:
    tasks, indicators = agenda_rows(agenda)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#F1F5F9", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    m = agenda.meeting
    for name, header, rows, caption, widths in (
        ("逾期任务", TASK_HEADER, tasks, "逾期重点任务", [6, 9, 48, 16, 28, 24, 12, 9, 12, 12]),
        (
            "未达标指标",
            INDICATOR_HEADER,
            indicators,
            f"滞后于进度的指标（全市，{agenda.period or '—'}年）",
            [9, 30, 8, 8, 12, 16, 12, 16],
        ),
    ):
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, f"{m.title}（{m.held_on.isoformat()}）：{caption}", title)
        sheet.write_row(2, 0, header, head)
        for i, row in enumerate(rows, start=3):
            for j, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(i, j, value, wrap)
                else:
                    sheet.write(i, j, value)
        if not rows:
            sheet.write_string(3, 0, "无")
        for j, w in enumerate(widths):
            sheet.set_column(j, j, w)
        sheet.freeze_panes(3, 0)
    book.close()
    return out.getvalue()
