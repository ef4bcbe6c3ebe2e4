from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from laoxiao.imports.docs import render_import_formats


class Command(BaseCommand):
    help = "Print docs/import-formats.md, generated from the registered import kinds."

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(render_import_formats(), ending="")
