"""``laoxiao services_alarms escalate [--at ISO-MOMENT]``: escalate the alarms not acknowledged in
time (``services.alarm_escalation``); run it every minute from cron (or as the job kind
``services.alarms_escalate``). Repeatable: running it twice at one moment escalates once.
(To be folded into ``laoxiao services`` as ``laoxiao services escalate``.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from laoxiao.services.actions.alarms import alarms_escalate


class Command(BaseCommand):
    help = "Emergency alarms: escalate those not acknowledged in time."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        esc = sub.add_parser("escalate", help="escalate unacknowledged alarms")
        esc.add_argument("--at", default="", help="the moment to escalate as of (ISO 8601; default now)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "escalate":
            at = None
            if options.get("at"):
                try:
                    at = dt.datetime.fromisoformat(options["at"])
                except ValueError:
                    raise CommandError(f"--at is not an ISO 8601 moment: {options['at']}") from None
                if timezone.is_naive(at):
                    at = timezone.make_aware(at)
            moved = alarms_escalate(now=at)
            self.stdout.write(f"escalated {moved} alarm(s)")
