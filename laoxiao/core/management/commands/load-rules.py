from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from laoxiao.core.rules import load_rule_files, load_rules


class Command(BaseCommand):
    help = (
        "Load the versioned rules shipped in laoxiao/<app>/rules/*.json, or the given files in the "
        'same format ({"key", "title", "versions": [...]}): upsert by key and date, never deletes; '
        "a bad file writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="rule files of the city (default: the shipped rules)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["files"]:
            try:
                counts = load_rule_files([Path(f) for f in opts["files"]])
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from None
        else:
            counts = load_rules()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
