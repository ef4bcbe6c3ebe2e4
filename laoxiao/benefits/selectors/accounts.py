"""Reads of payment accounts and of a beneficiary's payments (always from ``visible_to``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from laoxiao.benefits.models import Overpayment, PaymentAccount, PaymentItem
from laoxiao.benefits.models._base import SECTOR_READERS
from laoxiao.core.errors import NotFound
from laoxiao.people.models import Child, Elder
from laoxiao.providers.models import ELDERCARE_KINDS, Provider

BENEFICIARY_PREFIXES = {"e": "elder", "c": "child", "p": "provider"}


def visible_accounts(actor: Any) -> QuerySet[PaymentAccount]:
    """The accounts the actor may see: in their regions, an older person's for elder care, a child's
    for childcare or health, a provider's for its sector (and a provider operator their own). The
    same read as the person payments page, so ``core.reveal`` uses it."""
    qs = PaymentAccount.objects.visible_to(actor)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return qs.none()
    if getattr(actor, "is_superuser", False):
        return qs
    sectors = set(actor.sectors())
    allowed = {s for s, readers in SECTOR_READERS.items() if readers & sectors}
    cond = Q(pk__in=[])
    if "eldercare" in allowed:
        cond |= Q(elder_id__isnull=False) | Q(provider__kind__in=ELDERCARE_KINDS)
    if "childcare" in allowed:
        cond |= Q(child_id__isnull=False) | (
            Q(provider_id__isnull=False) & ~Q(provider__kind__in=ELDERCARE_KINDS)
        )
    own = getattr(actor, "provider_id", None)
    if own:
        cond |= Q(provider_id=own)
    return qs.filter(cond)


def split_key(beneficiary_key: str) -> tuple[str, int]:
    """``"e12"`` → ``("elder", 12)``; anything else is ``NotFound``."""
    kind = BENEFICIARY_PREFIXES.get(beneficiary_key[:1])
    rest = beneficiary_key[1:]
    if kind is None or not rest.isascii() or not rest.isdigit() or len(rest) > 18 or rest.startswith("0"):
        raise NotFound(beneficiary_key)
    return kind, int(rest)


def beneficiary_of(*, actor: Any, beneficiary_key: str) -> Elder | Child | Provider:
    """The person (or provider) a key names, if the actor may see their payments, else ``NotFound``."""
    kind, pk = split_key(beneficiary_key)
    sectors = set(actor.sectors()) if getattr(actor, "is_authenticated", False) else set()
    superuser = getattr(actor, "is_superuser", False)
    if kind == "elder":
        if not (superuser or "eldercare" in sectors):
            raise NotFound(beneficiary_key)
        obj: Any = Elder.objects.get_for(actor, pk=pk)
    elif kind == "child":
        if not (superuser or sectors & {"childcare", "health"}):
            raise NotFound(beneficiary_key)
        obj = Child.objects.get_for(actor, pk=pk)
    else:
        obj = Provider.objects.get_for(actor, pk=pk)
    return obj


def current_account(*, actor: Any, beneficiary_key: str) -> PaymentAccount | None:
    return visible_accounts(actor).filter(beneficiary_key=beneficiary_key, active=True).first()


def accounts_of(*, actor: Any, beneficiary_key: str) -> QuerySet[PaymentAccount]:
    """Every account of the beneficiary, the current first."""
    return visible_accounts(actor).filter(beneficiary_key=beneficiary_key).order_by("-active", "-id")


def items_of(*, actor: Any, beneficiary_key: str) -> QuerySet[PaymentItem]:
    return (
        PaymentItem.objects.visible_to(actor)
        .filter(beneficiary_key=beneficiary_key)
        .select_related("programme", "batch")
        .order_by("-period", "-id")
    )


def overpayments_of(*, actor: Any, beneficiary_key: str) -> QuerySet[Overpayment]:
    return (
        Overpayment.objects.visible_to(actor)
        .filter(item__beneficiary_key=beneficiary_key)
        .select_related("programme", "item")
        .order_by("-period", "-id")
    )
