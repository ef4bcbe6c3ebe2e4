"""The indicator engine: compute and store indicator values, and list them for a region and period.

``indicators_compute`` runs the registered calculators (``laoxiao.indicators.calculators``) for
regions and a period and upserts one ``IndicatorValue`` per (indicator, region, period), with the
numerator, the denominator and the inputs. ``indicator_values`` reads them back as plain rows for
the command (and later the API and the dashboards). Monthly indicators (E08) have values for months
and years; the others for years. Reported indicators have no value here yet: they are listed with
a reason until the reporting workflow lands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueRow:
    indicator: Indicator
    region_code: str
    period: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    reason: str
    computed_at: Any

    def as_json(self) -> dict[str, Any]:
        i = self.indicator
        count = self.denominator is None
        return {
            "code": i.code,
            "name": i.name,
            "unit": i.unit,
            "period": self.period,
            "region_code": self.region_code,
            "value": _number(self.value, as_int=count),
            "numerator": _number(self.numerator),
            "denominator": _number(self.denominator),
            "reason": self.reason or None,
            "baseline": _number(i.baseline),
            "target": _number(i.target),
            "comparator": i.comparator,
            "kind": i.kind,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
        }


def _number(d: Decimal | None, *, as_int: bool | None = None) -> int | float | None:
    """A JSON number: an int for whole numbers (or always for counts), else a float."""
    if d is None:
        return None
    whole = d == d.to_integral_value()
    if as_int is None:
        as_int = whole
    return int(d) if as_int and whole else float(d)


def indicator_values(*, region_code: str, period: str) -> list[ValueRow]:
    """Every indicator that has values for the period, in the plan's order, with the stored value
    for the region, or no value and the reason."""
    p = Period.parse(period)
    stored = {
        v.indicator_id: v for v in IndicatorValue.objects.filter(region_code=region_code, period=p.text)
    }
    out = []
    for indicator in Indicator.objects.order_by("order"):
        if not applies_to(indicator.code, p):
            continue
        v = stored.get(indicator.code)
        if v is not None:
            out.append(
                ValueRow(
                    indicator,
                    region_code,
                    p.text,
                    v.value,
                    v.numerator,
                    v.denominator,
                    v.reason,
                    v.computed_at,
                )
            )
            continue
        if indicator.kind == Indicator.Kind.REPORTED or indicator.code not in REGISTRY:
            reason = REPORTED_REASON
        else:
            reason = f"not computed yet: run `laoxiao indicators compute --period {p.text}`"
        out.append(ValueRow(indicator, region_code, p.text, None, None, None, reason, None))
    return out
