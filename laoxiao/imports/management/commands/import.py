"""``laoxiao import KIND FILE [--dry-run] [--report FILE] [--user NAME]``"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from laoxiao.imports.base import all_kinds, run_import
from laoxiao.imports.management.commands._actor import resolve_actor


class Command(BaseCommand):
    help = "Import records from a .xlsx or .csv file: all rows or none (see docs/import-formats.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="what the file holds: " + ", ".join(sorted(all_kinds())))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
        parser.add_argument("--report", type=Path, help="write the report (with every error) as JSON here")
        parser.add_argument("--user", help="act as this user (default: the system account)")
        parser.add_argument(
            "--plan-code", help="kind plan: the plan's code (else the plan sheet's, else the file name)"
        )
        parser.add_argument("--name", help="kind plan: the plan's name (else the plan sheet's)")

    def handle(self, *args: Any, **opts: Any) -> None:
        console = Console(stderr=True)
        path: Path = opts["file"]
        if not path.exists():
            raise CommandError(f"文件不存在 / no such file: {path}")
        actor = resolve_actor(opts.get("user"))
        try:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.completed} rows"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task(f"{opts['kind']} ← {path.name}", total=None)
                report = run_import(
                    opts["kind"],
                    path,
                    actor=actor,
                    dry_run=opts["dry_run"],
                    options={k: opts[k] for k in ("plan_code", "name") if opts.get(k)},
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if opts.get("report"):
            opts["report"].write_text(
                json.dumps(report.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
            )
        if report.errors:
            table = Table(
                title=f"导入失败，未写入任何记录 / import failed, nothing written: {report.error_total} 处错误 errors"
            )
            for col in ("行 row", "列 column", "值 value", "原因", "reason"):
                table.add_column(col)
            for e in report.errors[:500]:
                table.add_row(str(e.row), e.column, e.value, e.reason_zh, e.reason_en)
            Console().print(table)
            if report.error_total > 500:
                self.stdout.write(f"… {report.error_total - 500} more (see --report)")
            counts = Table(title="错误统计 / errors by column and reason")
            for col in ("列 column", "原因", "reason", "数量 count"):
                counts.add_column(col)
            for c in report.error_counts[:50]:
                counts.add_row(c.column, c.reason_zh, c.reason_en, str(c.count))
            Console().print(counts)
            raise SystemExit(1)
        r = report.result
        if report.dry_run:
            self.stdout.write(f"校验通过（未写入）/ valid, dry run: {report.rows} rows")
        else:
            self.stdout.write(
                f"导入完成 / imported {opts['kind']}: {report.rows} rows — "
                f"新增 created {r.created}, 更新 updated {r.updated}, 未变 unchanged {r.unchanged}"
            )
