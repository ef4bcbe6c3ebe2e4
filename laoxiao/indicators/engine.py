"""The indicator engine: compute and store indicator values, and list them for a region and period.

``indicators_compute`` runs the registered calculators (``laoxiao.indicators.calculators``) for
regions and a period and upserts one ``IndicatorValue`` per (indicator, region, period), with the
numerator, the denominator and the inputs. ``laoxiao.indicators.selectors.values`` reads them back.
Monthly indicators (E08) have values for months and years; the others for years.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from laoxiao.indicators.calculators import REGISTRY, Period, Result, Scope
from laoxiao.indicators.models import Indicator, IndicatorValue
from laoxiao.people.selectors.children import child_rules
from laoxiao.regions.models import Region

FOUR_PLACES = Decimal("0.0001")
REPORTED_REASON = "reported by the responsible unit"


def applies_to(code: str, period: Period) -> bool:
    """Whether an indicator has values for the period (months: monthly indicators only)."""
    spec = REGISTRY.get(code)
    return not period.is_month or (spec is not None and spec.monthly)


def _round(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def value_of(result: Result) -> tuple[Decimal | None, str]:
    """The value of a calculator's result (rounded to 4 places), or None and why."""
    if result.reason:
        return None, result.reason
    if result.value is not None:
        return _round(Decimal(result.value)), ""
    if result.numerator is None:
        return None, "no numerator"
    if result.denominator is None:
        return _round(Decimal(result.numerator)), ""
    if not result.denominator:
        return None, "the denominator is zero"
    return _round(Decimal(result.numerator) * result.scale / Decimal(result.denominator)), ""


def _dec(number: Decimal | int | None) -> Decimal | None:
    return None if number is None else _round(Decimal(number))


def compute_one(indicator: Indicator, scope: Scope) -> IndicatorValue:
    spec = REGISTRY[indicator.code]
    result = spec.func(scope)
    value, reason = value_of(result)
    return IndicatorValue(
        indicator=indicator,
        region_code=scope.region_code,
        period=scope.period.text,
        value=value,
        numerator=_dec(result.numerator),
        denominator=_dec(result.denominator),
        reason=reason,
        inputs={"scale": result.scale, "period_end": scope.end.isoformat(), **result.inputs},
    )


def indicators_compute(
    *, period: str, region_codes: Iterable[str] | None = None, codes: Iterable[str] | None = None
) -> list[IndicatorValue]:
    """Compute every computed indicator with a calculator for the regions (default: every region)
    and the period, and store the values (replacing earlier ones). Returns the stored values."""
    p = Period.parse(period)
    regions = (
        list(region_codes)
        if region_codes is not None
        else list(Region.objects.values_list("code", flat=True))
    )
    indicators = [
        i
        for i in Indicator.objects.filter(kind=Indicator.Kind.COMPUTED, code__in=list(codes or REGISTRY))
        if i.code in REGISTRY and applies_to(i.code, p)
    ]
    now = timezone.now()
    rows: list[IndicatorValue] = []
    rules = child_rules()  # one query for every region
    for code in regions:
        scope = Scope(region_code=code, period=p, _child_rules=rules)
        for indicator in indicators:
            row = compute_one(indicator, scope)
            row.computed_at = now
            rows.append(row)
    with transaction.atomic():
        IndicatorValue.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["indicator", "region_code", "period"],
            update_fields=["value", "numerator", "denominator", "reason", "inputs", "computed_at"],
        )
    return rows
