"""``laoxiao load-reference``: load the plan's units, indicators and tasks from the data files again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from laoxiao.plan.loader import load_reference_data


class Command(BaseCommand):
    help = (
        "Upsert the plan's responsible units, indicators and tasks from laoxiao/plan/data/ "
        "(by code; running it twice changes nothing) and print what changed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_reference_data()
        for kind, c in counts.items():
            self.stdout.write(f"{kind}: {c}")
        changed = sum(c.created + c.updated + c.deleted for c in counts.values())
        self.stdout.write(self.style.SUCCESS("Reference data loaded." if changed else "Nothing to change."))
