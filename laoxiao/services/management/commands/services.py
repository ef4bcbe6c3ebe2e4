"""``laoxiao services SUBCOMMAND ...``: the services' command-line jobs (docs/services.md).

    laoxiao services claims --period YYYY-MM [--provider USCC]
    laoxiao services escalate [--at ISO-MOMENT]

``claims`` builds or refreshes the month's provider claims from the verified visits (running it
twice changes nothing; approved claims are kept) and prints the counts. ``escalate`` moves the
alarms not acknowledged in time (``services.alarm_escalation``) up a level; the job worker also
runs it every minute (``jobs/kinds.py``), and running it twice at one moment escalates once. Each subcommand is one
``add_parser`` in ``add_arguments`` and one ``_<name>`` method: add others the same way.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from laoxiao.providers.models import Provider
from laoxiao.services.actions.alarms import alarms_escalate
from laoxiao.services.actions.claims import claims_build
from laoxiao.services.selectors.claims import parse_period


def month(text: str) -> dt.date:
    try:
        found = parse_period(text)
    except ValidationError:
        found = None
    if found is None:
        raise CommandError(f"月份应为 YYYY-MM / the period is YYYY-MM: {text!r}")
    return found


class Command(BaseCommand):
    help = (
        "Services jobs: `claims --period YYYY-MM [--provider USCC]` builds the month's claims; "
        "`escalate [--at ISO]` escalates alarms not acknowledged in time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        claims = sub.add_parser("claims", help="build or refresh the month's provider claims")
        claims.add_argument("--period", required=True, help="the month, YYYY-MM")
        claims.add_argument("--provider", default="", help="only this provider (its credit code)")
        esc = sub.add_parser("escalate", help="escalate the alarms not acknowledged in time")
        esc.add_argument("--at", default="", help="the moment to escalate as of (ISO 8601; default now)")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["subcommand"])(opts)

    def _print(self, renderable: Any) -> None:
        buf = io.StringIO()
        Console(file=buf, width=100, force_terminal=False).print(renderable)
        self.stdout.write(buf.getvalue().rstrip("\n"))

    def _escalate(self, opts: dict[str, Any]) -> None:
        at = None
        if opts.get("at"):
            try:
                at = dt.datetime.fromisoformat(opts["at"])
            except ValueError:
                raise CommandError(
                    f"--at 应为 ISO 8601 时刻 / is not an ISO 8601 moment: {opts['at']}"
                ) from None
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        moved = alarms_escalate(now=at)
        self.stdout.write(f"escalated {moved} alarm(s)")

    def _claims(self, opts: dict[str, Any]) -> None:
        period = month(opts["period"])
        provider = None
        if opts.get("provider"):
            provider = Provider.objects.filter(uscc=opts["provider"].strip().upper()).first()
            if provider is None:
                raise CommandError(f"没有此机构 / no such provider: {opts['provider']}")
        counts = claims_build(actor=None, period=period, provider=provider)
        table = Table(title=f"服务结算 / claims {period:%Y-%m}")
        table.add_column("项目 / what")
        table.add_column("数量 / count", justify="right")
        for key, value in counts.as_dict().items():
            if key == "period":
                continue
            table.add_row(key, str(len(value) if isinstance(value, list) else value))
        self._print(table)
