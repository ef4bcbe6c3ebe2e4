"""Reads of overpayments (money paid for a period after the entitlement ended)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from laoxiao.benefits.models import Overpayment


def overpayments_visible(
    *, actor: Any, status: str | None = None, programme: str | None = None
) -> QuerySet[Overpayment]:
    qs = Overpayment.objects.visible_to(actor).select_related("programme", "item", "requested_by")
    if status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme__code=programme)
    return qs.order_by("-created_at", "-id")


def overpayment_get(*, actor: Any, pk: Any) -> Overpayment:
    """One overpayment the actor sees, else ``NotFound``."""
    return Overpayment.objects.select_related("programme", "item", "item__elder", "item__child").get_for(
        actor, pk=pk
    )
