"""The end of a person's record in the city: a documented registry of what other apps do then.

When a person's entitlement to the city's services ends — a death, a move out of the city — the
people app's actions call ``person_ended(...)`` **inside their own transaction**, after they have
written the end date. Every function registered with ``on_person_ended`` runs then, in that same
transaction: what it writes commits or rolls back with the death or the move (benefits cancels the
unsent payments and opens overpayments for money already paid for later periods).

This is not a Django signal: it is an explicit call, in one place per action, of the functions
other apps registered from their ``AppConfig.ready()`` (the people app never imports them, so the
layers keep pointing down). A handler must be idempotent (a repeated death changes nothing the
second time) and must not swallow errors: an error in a handler rolls the whole action back.

A hand-over between communities of the city is not an end (the person is still the city's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Literal

Kind = Literal["elder", "child"]


_HANDLERS: list[Callable[..., None]] = []

# the reasons people's actions give (benefits writes them on cancelled items and overpayments)
DEATH = "death"
MOVED_OUT = "moved_out"


def on_person_ended(fn: Callable[..., None]) -> Callable[..., None]:
    """Register ``fn(*, actor, kind, ended, reason)``: ``ended`` maps the person's id to the last day
    of their entitlement (the day of death or of the move). Registering twice is registering once."""
    if fn not in _HANDLERS:
        _HANDLERS.append(fn)
    return fn


def handlers() -> tuple[Callable[..., None], ...]:
    return tuple(_HANDLERS)


def people_ended(*, actor: Any, kind: Kind, ended: Mapping[int, dt.date], reason: str) -> None:
    """Tell every registered handler that these people's records ended (bulk imports call this once
    for the whole chunk). Call inside the action's transaction."""
    if not ended:
        return
    for fn in _HANDLERS:
        fn(actor=actor, kind=kind, ended=dict(ended), reason=reason)


def person_ended(*, actor: Any, kind: Kind, pk: int, ended_on: dt.date, reason: str) -> None:
    """One person's record ended on ``ended_on`` (``reason``: ``DEATH``, ``MOVED_OUT``)."""
    people_ended(actor=actor, kind=kind, ended={pk: ended_on}, reason=reason)
