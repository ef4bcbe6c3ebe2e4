"""`laoxiao plan project` and `laoxiao plan residential` (registered by the `plan` command).

``register(subparsers)`` adds the subcommands; ``handle(name, options, stdout)`` runs one and
returns the exit code. Being written.
"""

from __future__ import annotations

from typing import Any

NAMES: tuple[str, ...] = ()


def register(subparsers: Any) -> None:
    """Add the subcommands this module handles."""


def handle(name: str, options: dict[str, Any], stdout: Any) -> int:
    raise NotImplementedError(name)
