"""Who may act: the one write-side check every action asks (selectors scope reads with ``visible_to``).

The order of the checks, everywhere:

1. **who** — an anonymous or inactive actor is refused first (``NotFound`` for a region check,
   ``PermissionDenied`` for a sector check): an inactive account acts nowhere, whatever its roles
   or superuser flag;
2. **where** — the record's region lies within the actor's regions (``region_prefixes()``), else
   ``NotFound``: what lies outside is "not found", never "forbidden";
3. **what** — the actor's role works in the record's sector (``SECTOR_PERMISSION``), else
   ``PermissionDenied``; a superuser passes; a provider operator acts only on their own provider.

Before issue 11 these checks existed in five copies that differed:

- ``institutions/actions.py``: ``require_region`` refused inactive actors; ``require_sector(kind)``
  took a provider kind, exempted superusers; ``require_can_act`` let a provider's operator through
  before the region check. Kept here as ``require_region``, ``require_kind_sector``, ``require_can_act``.
- ``people/actions/elders.py``: the same ``require_region``; ``require_sector(*sectors)`` took
  sector names and read ``actor.sectors()`` (no superuser exemption, but an active superuser has
  every permission, so the same answer). Its ``_community`` raised on a missing code differently
  only in the message (``message=`` here).
- ``people/actions/children.py``: ``_require_scope`` had **no** ``is_active`` test (an inactive user
  was refused only because ``region_prefixes()`` answers ``()`` for them); ``_require_sector``
  refused anonymous actors explicitly. Here the inactive test is explicit for every caller.
- ``planning/actions.py``: ``require_region`` used ``getattr(actor, "is_active", False)`` (an actor
  without the attribute is refused); kept, via ``is_active_actor``.
- ``supervision/actions.py``: ``require_can_supervise`` tested ``is_active`` only on the operator
  path; the officer path relied on ``has_perm`` being False for inactive users. Here inactive
  actors are refused on every path.

"City administrator" was two functions: ``indicators/selectors/values.py:is_plan_admin`` (active,
and superuser or ``accounts.approve_plan``) and ``indicators/selectors/tasks.py:is_city_admin``
(superuser or ``approve_plan``, **without** the active test: an inactive superuser passed). The one
``is_city_admin`` is the stricter: active, and superuser or ``approve_plan``.

Exception types and (translated) messages are those the callers raised; where they differed the
caller passes its own ``message=``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts import roles
from laoxiao.core.errors import NotFound
from laoxiao.regions.scoping import code_within

# a sector name (``User.sectors()``) → the permission that puts an actor in it
SECTOR_PERMISSION: dict[str, str] = {
    "eldercare": roles.SECTOR_ELDERCARE,
    "childcare": roles.SECTOR_CHILDCARE,
    "health": roles.SECTOR_HEALTH,
}

# provider kinds of the childcare sector (every other provider kind is elder care); the providers
# app's ``CHILDCARE_KINDS`` holds the same values
CHILDCARE_KINDS: tuple[str, ...] = (
    "childcare_centre",
    "home_childcare",
    "kindergarten_class",
    "workplace_childcare",
)

# messages the callers raised before (kept so their tests and translations keep working)
SECTOR_MESSAGE = _("Your role does not work with these records.")
KIND_SECTOR_MESSAGE = _("Your role does not work with this kind of provider.")
OWN_PROVIDER_MESSAGE = _("A provider operator may change only their own provider.")
SUPERVISING_OFFICE_MESSAGE = _("Only the supervising office may do this.")
NO_REGION_MESSAGE = _("No such region is loaded.")
PROVIDER_COMMUNITY_MESSAGE = _("A provider is registered in a community or village.")
ELDER_COMMUNITY_MESSAGE = _("An older person is registered in a community or village.")
CHILD_COMMUNITY_MESSAGE = _("A child is registered in a community or village.")


# --- who ------------------------------------------------------------------------------------------


def is_active_actor(actor: Any) -> bool:
    """A signed-in, active account (``None``, anonymous and deactivated users are not)."""
    return bool(
        actor is not None and getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False)
    )


def is_city_admin(actor: Any) -> bool:
    """A city administrator: active, and a superuser or holding ``accounts.approve_plan``."""
    if not is_active_actor(actor):
        return False
    return bool(actor.is_superuser or actor.has_perm(roles.APPROVE_PLAN))


def provider_id_of(actor: Any) -> Any:
    """The provider an operator runs (``User.provider_id``), else None."""
    return getattr(actor, "provider_id", None) or None


def is_operator_of(actor: Any, provider: Any) -> bool:
    """The actor is an active operator of ``provider``."""
    own = provider_id_of(actor)
    return bool(is_active_actor(actor) and own and own == provider.pk)


# --- where ----------------------------------------------------------------------------------------


def in_region(actor: Any, code: str | None) -> bool:
    """``code`` lies within the active actor's regions (a city administrator: everywhere)."""
    return bool(is_active_actor(actor) and code and code_within(code, actor.region_prefixes()))


def require_region(actor: Any, code: str | None) -> None:
    """``code`` lies within the actor's regions (their regions and below), else ``NotFound(code)``."""
    if not in_region(actor, code):
        raise NotFound(code or "")


def community_region(code: str | None, *, field: str = "region_code", message: Any = None) -> Any:
    """The loaded community-level ``Region`` of ``code``, else ``ValidationError`` on ``field``:
    "No such region is loaded." or ``message`` (default: the provider's) when it is not a community."""
    from laoxiao.regions.models import Region

    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        raise ValidationError({field: NO_REGION_MESSAGE})
    if region.level != Region.Level.COMMUNITY:
        raise ValidationError({field: message or PROVIDER_COMMUNITY_MESSAGE})
    return region


# --- what -----------------------------------------------------------------------------------------


def sector_of_kind(kind: str) -> str:
    """The sector of a provider kind: ``"childcare"`` for the childcare kinds, else ``"eldercare"``."""
    return "childcare" if kind in CHILDCARE_KINDS else "eldercare"


def has_sector(actor: Any, *sectors: str) -> bool:
    """The active actor works in any of ``sectors`` (a superuser in all)."""
    if not is_active_actor(actor):
        return False
    if actor.is_superuser:
        return True
    return any(actor.has_perm(SECTOR_PERMISSION[s]) for s in sectors)


def require_sector(actor: Any, *sectors: str, message: Any = None) -> None:
    """The actor works in one of ``sectors``, else ``PermissionDenied(message)``."""
    if not has_sector(actor, *sectors):
        raise PermissionDenied(message or SECTOR_MESSAGE)


def require_kind_sector(actor: Any, kind: str, *, message: Any = None) -> None:
    """The actor works in the sector of a provider of ``kind``, else ``PermissionDenied``."""
    require_sector(actor, sector_of_kind(kind), message=message or KIND_SECTOR_MESSAGE)


def require_region_and_sector(actor: Any, code: str | None, *sectors: str, message: Any = None) -> None:
    """Within the actor's regions (else ``NotFound``) and in one of ``sectors`` (else ``PermissionDenied``)."""
    require_region(actor, code)
    require_sector(actor, *sectors, message=message)


def require_can_act(actor: Any, provider: Any) -> None:
    """The actor may change this provider's data: its operator, or an officer of its sector in its
    regions. Inactive or outside the regions → ``NotFound``; another sector or another provider's
    operator → ``PermissionDenied``. ``provider`` needs ``pk``, ``uscc``, ``region_code`` and ``kind``."""
    if not is_active_actor(actor):
        raise NotFound(provider.uscc)
    if is_operator_of(actor, provider):
        return
    require_region(actor, provider.region_code)
    if provider_id_of(actor) and not actor.is_superuser:
        raise PermissionDenied(OWN_PROVIDER_MESSAGE)
    require_kind_sector(actor, provider.kind)


def require_can_supervise(actor: Any, provider: Any, *, allow_operator: bool = False) -> None:
    """The provider lies in the actor's regions and sector (a supervising office), else ``NotFound``;
    its own operator gets ``PermissionDenied`` (or passes with ``allow_operator``)."""
    own = is_operator_of(actor, provider)
    if own and allow_operator:
        return
    if in_region(actor, provider.region_code) and has_sector(actor, sector_of_kind(provider.kind)):
        return
    if own:
        raise PermissionDenied(SUPERVISING_OFFICE_MESSAGE)
    raise NotFound(provider.uscc)


def allowed(check: Callable[..., None], *args: Any, **kwargs: Any) -> bool:
    """A ``require_*`` check as a yes/no (for templates and ``can_*`` helpers)."""
    try:
        check(*args, **kwargs)
    except (NotFound, PermissionDenied):
        return False
    return True


__all__ = [
    "CHILDCARE_KINDS",
    "SECTOR_PERMISSION",
    "allowed",
    "community_region",
    "has_sector",
    "in_region",
    "is_active_actor",
    "is_city_admin",
    "is_operator_of",
    "provider_id_of",
    "require_can_act",
    "require_can_supervise",
    "require_kind_sector",
    "require_region",
    "require_region_and_sector",
    "require_sector",
    "sector_of_kind",
]
