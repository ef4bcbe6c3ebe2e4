"""``laoxiao export KIND --format xlsx|csv --out FILE [--labels keys|zh] [--user NAME]``

Kinds with ``export_options`` take them here: ``--batch N`` and ``--reveal`` (``payment-items``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from laoxiao.core.errors import NotFound
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
        parser.add_argument("--batch", type=int, help="the batch (payment-items)")
        parser.add_argument(
            "--reveal", action="store_true", help="full ID and account numbers (permission needed; logged)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = resolve_actor(opts.get("user"))
        try:
            kind = get_kind(opts["kind"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if opts.get("user") and not (actor.has_perm("accounts.export_records") or kind.allowed(actor)):
            raise CommandError("此用户无导出权限 / this user may not export")
        options = {k: opts[k] for k in ("batch", "reveal") if opts.get(k)}
        refused = sorted(set(options) - set(kind.export_options))
        if refused:
            raise CommandError(f"{opts['kind']} takes no --{', --'.join(refused)}")
        try:
            data = render(
                opts["kind"], actor=actor, fmt=opts["format"], labels=opts["labels"], options=options
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "permission denied") from None
        except NotFound as exc:
            raise CommandError(f"not found: {exc}") from None
        if opts.get("out"):
            opts["out"].write_bytes(data)
            self.stderr.write(f"wrote {opts['out']} ({len(data):,} bytes)")
        elif opts["format"] == "csv":
            self.stdout.write(data.decode("utf-8-sig"), ending="")
        else:
            raise CommandError("--out is needed for xlsx")
