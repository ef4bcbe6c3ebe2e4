"""``laoxiao demo-accounts``: create the demo users (if missing) and print who can see what."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from laoxiao.accounts.actions import system_actor
from laoxiao.demo.accounts import DEMO_PASSWORD, DEMO_URL, DemoCityMissing, demo_accounts_ensure


class Command(BaseCommand):
    help = "Create the demo users (password laoxiao-demo) if missing and print them. Run demo-city first."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default=DEMO_URL, help=f"the address to print (default {DEMO_URL})")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            created, rows = demo_accounts_ensure(actor=system_actor())
        except DemoCityMissing:
            raise CommandError(
                "没有演示城市 / no demo city: run `laoxiao demo-city` first, then `laoxiao demo-accounts`"
            ) from None
        table = Table(title="演示账号 demo accounts", show_lines=False)
        for col in ("用户名 username", "角色 role", "区域 region", "可见 what they see"):
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(row["username"], row["role"], row["region"], row["sees"])
        console = Console(width=max(Console().width, 120))
        console.print(table)
        self.stdout.write(
            f"新建 created {len(created)}: {', '.join(created)}"
            if created
            else "没有新建 nothing created: all exist"
        )
        self.stdout.write(f"打开 open {opts['url']} — 密码 password: {DEMO_PASSWORD}")
