"""``laoxiao export KIND --format xlsx|csv --out FILE [--labels keys|zh] [--user NAME]``"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from laoxiao.imports.base import all_kinds, get_kind
from laoxiao.imports.exporters import render
from laoxiao.imports.management.commands._actor import resolve_actor


class Command(BaseCommand):
    help = "Export records (scoped to the user's regions) in the import format."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="one of: " + ", ".join(sorted(all_kinds())))
        parser.add_argument("--format", choices=["xlsx", "csv"], default="csv")
        parser.add_argument("--out", type=Path, help="file to write (default: standard output for csv)")
        parser.add_argument(
            "--labels", choices=["keys", "zh"], default="keys", help="header: English keys or Chinese labels"
        )
        parser.add_argument("--user", help="export what this user may see (default: the system account)")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = resolve_actor(opts.get("user"))
        try:
            kind = get_kind(opts["kind"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if opts.get("user") and not (actor.has_perm("accounts.export_records") or kind.allowed(actor)):
            raise CommandError("此用户无导出权限 / this user may not export")
        data = render(opts["kind"], actor=actor, fmt=opts["format"], labels=opts["labels"])
        if opts.get("out"):
            opts["out"].write_bytes(data)
            self.stderr.write(f"wrote {opts['out']} ({len(data):,} bytes)")
        elif opts["format"] == "csv":
            self.stdout.write(data.decode("utf-8-sig"), ending="")
        else:
            raise CommandError("--out is needed for xlsx")
