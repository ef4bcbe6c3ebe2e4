"""Cockpit cards from other apps: an extension point, so the plan's cockpit shows figures of apps
above it (benefits' money paid) without importing them.

An app registers a card from its ``AppConfig.ready()`` (``benefits.cockpit_cards``)::

    register_card(Card(key="benefits-paid", template="benefits/_cockpit_paid.html", context=paid_card))

``context(actor=, region_code=, year=)`` answers the template's context, or ``None`` when the card
has nothing to show to this actor (no sector, no money): the card is left out. The cockpit view
calls ``cards_for`` and includes each card's template with its context (``plan/cockpit``). Cards
are shown in ``order``, then key. A card's failure is the card's bug, not the cockpit's: it is not
caught here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

CardContext = Callable[..., "dict[str, Any] | None"]


@dataclasses.dataclass(frozen=True)
class Card:
    key: str
    template: str
    context: CardContext
    order: int = 100


CARDS: dict[str, Card] = {}


def register_card(card: Card) -> Card:
    """Add (or replace, by key) a cockpit card."""
    CARDS[card.key] = card
    return card


def cards_for(*, actor: Any, region_code: str, year: int) -> list[dict[str, Any]]:
    """The cards to show: ``[{"key", "template", "context"}]`` for every card with something to show."""
    out = []
    for card in sorted(CARDS.values(), key=lambda c: (c.order, c.key)):
        context = card.context(actor=actor, region_code=region_code, year=year)
        if context is not None:
            out.append({"key": card.key, "template": card.template, "context": context})
    return out
