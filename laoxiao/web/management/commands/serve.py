"""``laoxiao serve [ADDR:PORT]``: serve the platform (Django's server; see docs/deployment.md for production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform on ADDR:PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--reload", action="store_true", help="restart when code changes (development)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"laoxiao serving on http://{opts['addrport']}/  (Ctrl-C to stop)")
        call_command("runserver", opts["addrport"], use_reloader=opts["reload"], verbosity=1)
