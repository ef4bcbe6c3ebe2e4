"""``laoxiao plan-evaluation --plan CODE --out FILE.xlsx``: the plan's final evaluation (终期评估)
as xlsx (sheets 汇总, 指标, 任务), the same figures as the page and the cockpit for its last year."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laoxiao.plan.evaluation import plan_evaluation
from laoxiao.plan.exports.evaluation import write_evaluation
from laoxiao.plan.models import Plan


class Command(BaseCommand):
    help = "Export a plan's final evaluation (its last year's values against its targets, its tasks) as xlsx."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", required=True, help="the plan's code, e.g. huaibei-2021-2025")
        parser.add_argument("--out", required=True, help="the xlsx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        code = (options["plan"] or "").strip()
        plan = Plan.objects.filter(code=code).first()
        if plan is None:
            raise CommandError(f"没有规划 {code} / no plan {code}")
        out = options["out"]
        if not str(out).lower().endswith(".xlsx"):
            raise CommandError("--out 须为 .xlsx 文件 / --out must be an .xlsx file")
        e = plan_evaluation(plan=plan)
        try:
            write_evaluation(out, e)
        except OSError as exc:
            raise CommandError(f"无法写入 {out} / cannot write {out}: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已导出 {plan.name}终期评估：全市 {e.achieved}/{e.total} 项指标达标，"
                f"{e.tasks_done}/{len(e.tasks)} 项任务完成 → {out}"
            )
        )
