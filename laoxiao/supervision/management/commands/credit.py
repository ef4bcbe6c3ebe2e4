"""``laoxiao credit compute [--on DATE] [--user NAME]``: rate every provider (信用评价)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laoxiao.core import clock
from laoxiao.imports.management.commands._actor import resolve_actor
from laoxiao.supervision.actions import credit_compute_all


class Command(BaseCommand):
    help = (
        "Compute the credit rating of every provider in filing (or of the user's regions and sector), "
        "under the rules supervision.credit_rules and supervision.tiers in force on the date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["compute"])
        parser.add_argument("--on", help="rating date, YYYY-MM-DD (default: today)")
        parser.add_argument("--user", help="act as this user (default: the system account)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            on = dt.date.fromisoformat(opts["on"]) if opts["on"] else clock.today()
        except ValueError as exc:
            raise CommandError(f"日期无效 / not a date: {opts['on']}") from exc
        actor = resolve_actor(opts.get("user"))

        def progress(n: int) -> None:
            if n % 100 == 0:
                self.stderr.write(f"  {n}…")

        n = credit_compute_all(actor=actor, on=on, progress=progress)
        self.stdout.write(f"已评价 {n} 家机构 / rated {n} providers on {on.isoformat()}")
