from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from laoxiao.core.rules import load_rules


class Command(BaseCommand):
    help = "Load the versioned rules shipped in laoxiao/<app>/rules/*.json (upsert; never deletes)."

    def handle(self, *args: Any, **opts: Any) -> None:
        counts = load_rules()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
