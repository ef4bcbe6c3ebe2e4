"""Scoping by region: the division code is the path.

Chinese division codes are hierarchical (2 province + 2 city + 2 county + 3 township + 3 community
digits), so "this region and everything below it" is one indexed prefix filter.
An actor's ``region_prefixes()`` answers ``None`` for the whole city (city administrators),
``()`` for nothing (deny by default), or the prefixes of its assigned regions.
"""

from __future__ import annotations

from typing import Any, Protocol, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from laoxiao.core.errors import NotFound

# significant digits of a code at each level
PREFIX_LENGTH = {"province": 2, "city": 4, "county": 6, "township": 9, "community": 12}
LEVEL_ORDER = ["city", "county", "township", "community"]


class ScopedActor(Protocol):
    def region_prefixes(self) -> tuple[str, ...] | None: ...


def prefix_for(code: str, level: str) -> str:
    return code[: PREFIX_LENGTH[level]]


def level_of_code(code: str) -> str:
    """The level a 12-digit code denotes by its trailing zeros (for codes without a stored level)."""
    if code[9:] != "000":
        return "community"
    if code[6:9] != "000":
        return "township"
    if code[4:6] != "00":
        return "county"
    return "city"


def code_within(code: str, prefixes: tuple[str, ...] | None) -> bool:
    if prefixes is None:
        return True
    return any(code.startswith(p) for p in prefixes)


def _after(prefix: str) -> str | None:
    """The smallest digit string of the same length above ``prefix`` (None past 99...9)."""
    n = int(prefix) + 1
    return str(n).zfill(len(prefix)) if len(str(n)) <= len(prefix) else None


def prefix_q(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, as a range (``>= prefix AND < next``) rather than LIKE:
    a B-tree index serves a range on SQLite and on PostgreSQL in any collation, while LIKE needs
    ``text_pattern_ops`` (PostgreSQL) or case-sensitive LIKE (SQLite). Codes are digit strings."""
    if not (prefix.isascii() and prefix.isdigit()):  # user input (a filter), not a code
        return Q(**{f"{field}__startswith": prefix})
    upper = _after(prefix)
    q = Q(**{f"{field}__gte": prefix})
    if upper is not None:
        q &= Q(**{f"{field}__lt": upper})
    return q


def scope_q(field: str, prefixes: tuple[str, ...] | None) -> Q | None:
    """The filter for ``prefixes`` on ``field``; None means no filter (whole city)."""
    if prefixes is None:
        return None
    q = Q(pk__in=[])
    for p in prefixes:
        q |= prefix_q(field, p)
    return q


class RegionScopedQuerySet(models.QuerySet):
    """Rows carrying ``region_code``; ``visible_to(actor)`` keeps those in the actor's regions.

    ``provider_field`` (for rows that belong to a provider) also lets a provider operator see the
    rows of their own provider, wherever it is.
    """

    scope_field = "region_code"
    provider_field: str | None = None

    def visible_to(self, actor: Any) -> Self:
        if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
            return self.none()
        prefixes = actor.region_prefixes()
        if prefixes is None:
            return self
        q = scope_q(self.scope_field, prefixes)
        own = getattr(actor, "provider_id", None)
        if self.provider_field and own:
            q = (q or Q(pk__in=[])) | Q(**{self.provider_field: own})
        if not prefixes and not (self.provider_field and own):
            return self.none()
        assert q is not None
        return self.filter(q)

    def get_for(self, actor: Any, **lookup: Any) -> Any:
        """The one row ``lookup`` names among those the actor sees, else ``NotFound``.

        Absent, outside the actor's regions, and a malformed lookup (``pk="abc"``: ``ValueError``,
        ``ValidationError``) all answer ``NotFound`` alike: the caller learns nothing from the
        difference. More than one row is a programming error and is not caught."""
        try:
            return self.visible_to(actor).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError, ValidationError):
            raise NotFound(self.model._meta.label_lower) from None
