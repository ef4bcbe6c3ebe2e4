"""``laoxiao plan ...``: an alias of ``laoxiao planning ...`` (the name before issue 11), kept so
that scripts and notes written for it still run. Same subcommands, options and exit codes."""

from __future__ import annotations

from laoxiao.planning.management.commands.planning import Command as PlanningCommand


class Command(PlanningCommand):
    help = "Alias of `laoxiao planning` (docs/planning.md): " + PlanningCommand.help
