"""Reads of claims, their lines and call-backs, always from ``visible_to(actor)``.

Call-backs are not shown to a provider's own operators: the sample is the office's check on the
provider (an operator's ``callback_list`` is empty and ``callback_get`` is ``NotFound``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from laoxiao.core import access
from laoxiao.core.errors import NotFound
from laoxiao.services.models import Callback, ClaimLine, ServiceClaim


def parse_period(text: str | None, *, field: str = "period") -> dt.date | None:
    """``YYYY-MM`` → the first day of the month; empty → None; else ``ValidationError`` on ``field``."""
    if not text:
        return None
    try:
        year, month = text.strip().split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise ValidationError({field: _("A month is written YYYY-MM.")}) from None


def claim_list(
    *, actor: Any, period: str | None = None, provider: str | None = None, status: str | None = None
) -> QuerySet[ServiceClaim]:
    qs: QuerySet[ServiceClaim] = ServiceClaim.objects.visible_to(actor).select_related("provider")
    month = parse_period(period)
    if month:
        qs = qs.filter(period=month)
    if provider:
        qs = qs.filter(provider__uscc=provider.strip().upper())
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-period", "provider__uscc", "pk")


def claim_get(*, actor: Any, pk: int) -> ServiceClaim:
    qs = ServiceClaim.objects.visible_to(actor).select_related("provider", "prepared_by", "approved_by")
    claim = qs.filter(pk=pk).first()
    if claim is None:
        raise NotFound(str(pk))
    return claim


def claim_lines(claim: ServiceClaim) -> QuerySet[ClaimLine]:
    return (
        ClaimLine.objects.filter(claim=claim)
        .select_related("visit", "visit__item", "elder")
        .order_by("visit__check_in_at", "visit_id")
    )


def callback_list(
    *, actor: Any, claim: ServiceClaim | None = None, answer: str | None = None
) -> QuerySet[Callback]:
    qs: QuerySet[Callback] = Callback.objects.visible_to(actor).select_related(
        "visit", "claim", "claim__provider"
    )
    if access.provider_id_of(actor) and not getattr(actor, "is_superuser", False):
        return qs.none()
    if claim is not None:
        qs = qs.filter(claim=claim)
    if answer:
        qs = qs.filter(answer=answer)
    return qs.order_by("visit__check_in_at", "visit_id")


def callback_get(*, actor: Any, pk: int) -> Callback:
    cb = callback_list(actor=actor).filter(pk=pk).first()
    if cb is None:
        raise NotFound(str(pk))
    return cb
