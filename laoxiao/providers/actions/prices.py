"""Price lists of providers (by item and effective date) and the city's market reference prices
(by item and year).

The order of checks in ``price_set``: ``require_can_act`` (``NotFound`` / ``PermissionDenied``);
a service item of the provider's sector, an amount, an effective date (``ValidationError``). In
``reference_price_set``: a city administrator (``can_manage_reference_prices``, else
``PermissionDenied``); a known item, an amount, a plausible year. Then one change-log row (the
reference prices' in the city's region).
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core.access import require_can_act
from laoxiao.core.changelog import diff_fields
from laoxiao.providers.actions.checks import can_manage_reference_prices, city_code, money, save_row
from laoxiao.providers.models import MarketReferencePrice, Price, Provider, ServiceItem


@transaction.atomic
def price_set(
    *,
    actor: User,
    provider: Provider,
    item_code: str,
    price: decimal.Decimal | float | int | str,
    effective_from: dt.date,
) -> Price:
    """Set a line of the provider's price list (by item and effective date)."""
    require_can_act(actor, provider)
    errors: dict[str, Any] = {}
    item = ServiceItem.objects.filter(code=item_code).first()
    if item is None:
        errors["item_code"] = _("No such service item.")
    elif item.sector != provider.sector:
        errors["item_code"] = _("This service item belongs to the other sector.")
    amount = money(price, errors)
    if effective_from is None:
        errors["effective_from"] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    existing = Price.objects.filter(
        provider=provider, item_id=item_code, effective_from=effective_from
    ).first()
    line = save_row(
        existing
        or Price(
            provider=provider,
            region_code=provider.region_code,
            item=item,
            effective_from=effective_from,
        ),
        actor=actor,
        values={"price": amount},
        snapshot=("item_id", "effective_from"),
    )
    return line


@transaction.atomic
def reference_price_set(
    *, actor: User, item_code: str, year: int, price: decimal.Decimal | float | int | str, source: str = ""
) -> MarketReferencePrice:
    """Set the local market reference price of a service item for a year (city administrators)."""
    if not can_manage_reference_prices(actor):
        raise PermissionDenied(_("Only a city administrator sets market reference prices."))
    errors: dict[str, Any] = {}
    item = ServiceItem.objects.filter(code=item_code).first()
    if item is None:
        errors["item_code"] = _("No such service item.")
    amount = money(price, errors)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = _("Not a plausible year.")
    if errors:
        raise ValidationError(errors)
    existing = MarketReferencePrice.objects.filter(item_id=item_code, year=year).first()
    values = {"price": amount, "source": (source or "").strip()}
    if existing is None:
        return save_row(
            MarketReferencePrice(item=item, year=year),
            actor=actor,
            values=values,
            snapshot=("item", "year"),
            region_code=city_code(),
        )
    if diff_fields(existing, values):  # an update is not cleaned again (the values are checked above)
        save_row(existing, actor=actor, values=values, region_code=city_code(), clean=False)
    return existing
