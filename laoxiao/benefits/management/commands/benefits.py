"""``laoxiao benefits SUBCOMMAND ...``: payment batches from the command line (``benefits.actions.batches``).

    laoxiao benefits batch --programme CODE --period YYYY-MM [--region CODE] [--user NAME]
    laoxiao benefits batch --follow-up-of N [--user NAME]
    laoxiao benefits approve --batch N --user NAME
    laoxiao benefits send --batch N --user NAME
    laoxiao benefits cancel --batch N --user NAME --reason TEXT

``batch`` opens the period's regular batch (the city, or ``--region`` a county) or resumes it, and
builds it in the foreground with a progress bar: killed at any moment, run it again and it finishes
the same batch (``benefits.actions.batches``). ``--follow-up-of N`` makes (once) the follow-up
batch of batch N's failed items. Without ``--user`` the work is done as the system account; an
approval needs ``--user`` (someone other than the batch's maker). Refusals are printed in the
user's language and exit non-zero.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from laoxiao.accounts.models import User
from laoxiao.benefits.actions import batches as actions
from laoxiao.benefits.models import PaymentBatch, Programme
from laoxiao.benefits.selectors.batches import parse_period, yuan
from laoxiao.core.errors import NotFound
from laoxiao.imports.management.commands._actor import resolve_actor


def _messages(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, NotFound):
        return _("Not found: %(what)s") % {"what": str(exc) or "?"}
    return str(exc) or _("You may not do this.")


class Command(BaseCommand):
    help = (
        "Payment batches: `batch --programme CODE --period YYYY-MM [--region CODE]` builds the period's "
        "batch (resumable); `batch --follow-up-of N`; `approve|send|cancel --batch N --user NAME`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        b = sub.add_parser("batch", help="create or resume the period's batch and build it")
        b.add_argument("--programme", default="", help="the programme's code (e.g. elderly_allowance)")
        b.add_argument("--period", default="", help="the month, YYYY-MM")
        b.add_argument("--region", default="", help="a county's code (default: the whole city)")
        b.add_argument("--user", default="", help="act as this user (default: the system account)")
        b.add_argument("--follow-up-of", type=int, default=None, help="the follow-up batch of batch N")
        b.add_argument("--quiet", action="store_true", help="no progress bar")
        for name, what in (("approve", "approve a batch"), ("send", "send an approved batch")):
            p = sub.add_parser(name, help=what)
            p.add_argument("--batch", type=int, required=True)
            p.add_argument("--user", required=True, help="who does it")
        c = sub.add_parser("cancel", help="cancel a batch not yet sent")
        c.add_argument("--batch", type=int, required=True)
        c.add_argument("--user", required=True)
        c.add_argument("--reason", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, "_" + opts["subcommand"])(opts)
        except (ValidationError, PermissionDenied, NotFound) as exc:
            raise CommandError(_messages(exc)) from None

    # --- helpers ---

    def _print(self, renderable: Any) -> None:
        buf = io.StringIO()
        Console(file=buf, width=110, force_terminal=False).print(renderable)
        self.stdout.write(buf.getvalue().rstrip("\n"))

    def _actor(self, name: str) -> Any:
        if not name:
            return resolve_actor(None)
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(_("No such active user: %(name)s") % {"name": name})
        return user

    def _show(self, batch: PaymentBatch) -> None:
        table = Table(title=f"{batch.programme.name} {batch.period:%Y-%m} {batch.region_code} #{batch.pk}")
        table.add_column(_("what"))
        table.add_column(_("value"), justify="right")
        for label, value in (
            (_("batch"), str(batch.pk)),
            (_("kind"), batch.get_kind_display()),
            (_("status"), batch.get_status_display()),
            (_("build"), batch.get_build_status_display()),
            (_("chunks"), f"{batch.chunks_done}/{batch.chunks_total}"),
            (_("items"), str(batch.items_count)),
            (_("held"), str(batch.held_count)),
            (_("already paid elsewhere"), str(batch.skipped_count)),
            (_("total (yuan)"), yuan(batch.total_fen)),
        ):
            table.add_row(str(label), value)
        self._print(table)

    # --- subcommands ---

    def _batch_build(self, batch: PaymentBatch, actor: Any, quiet: bool) -> PaymentBatch:
        if quiet:
            return actions.batch_build(batch=batch, actor=actor)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(_("chunks")),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(f"{batch.programme.code} {batch.period:%Y-%m} #{batch.pk}", total=None)
            return actions.batch_build(
                batch=batch,
                actor=actor,
                progress=lambda done, total, *_a: bar.update(task, completed=done, total=total or None),
            )

    def _batch(self, opts: dict[str, Any]) -> None:
        actor = self._actor(opts.get("user") or "")
        if opts.get("follow_up_of"):
            source = self._batch_row(opts["follow_up_of"])
            batch = actions.batch_follow_up(actor=actor, batch=source)
            self._show(batch)
            return
        code = (opts.get("programme") or "").strip()
        programme = Programme.objects.filter(code=code).first() if code else None
        if programme is None:
            raise CommandError(_("No such programme: %(code)s") % {"code": code or "?"})
        period = parse_period(opts.get("period"))
        if period is None:
            raise CommandError(
                _("The period is a month, YYYY-MM: %(text)s") % {"text": opts.get("period") or ""}
            )
        batch = actions.batch_open(
            actor=actor, programme=programme, period=period, region_code=(opts.get("region") or "").strip()
        )
        try:
            batch = self._batch_build(batch, actor, bool(opts.get("quiet")))
        except Exception as exc:
            if isinstance(exc, ValidationError | PermissionDenied | NotFound):
                raise
            actions.batch_build_failed(batch=batch, message=str(exc))
            raise CommandError(
                _("The build stopped: %(error)s (run the command again to resume)") % {"error": exc}
            ) from None
        self._show(batch)

    def _batch_row(self, pk: int) -> PaymentBatch:
        batch = PaymentBatch.objects.select_related("programme").filter(pk=pk).first()
        if batch is None:
            raise CommandError(_("No such batch: %(pk)s") % {"pk": pk})
        return batch

    def _approve(self, opts: dict[str, Any]) -> None:
        actor = self._actor(opts["user"])
        batch = self._batch_row(opts["batch"])
        was = batch.status
        batch = actions.batch_approve(actor=actor, batch=batch)
        if was == batch.status:
            self.stdout.write(_("Already approved: nothing changed."))
        self._show(batch)

    def _send(self, opts: dict[str, Any]) -> None:
        actor = self._actor(opts["user"])
        batch = actions.batch_send(actor=actor, batch=self._batch_row(opts["batch"]))
        self._show(batch)

    def _cancel(self, opts: dict[str, Any]) -> None:
        actor = self._actor(opts["user"])
        batch = actions.batch_cancel(actor=actor, batch=self._batch_row(opts["batch"]), reason=opts["reason"])
        self._show(batch)
