"""Reading indicator values: one row per indicator for a region and a period, with its status.

Values are stored (``IndicatorValue``), written by the engine for computed indicators and by the
approval of a reported value for reported ones; nothing is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from laoxiao.indicators.calculators import REGISTRY, Period
from laoxiao.indicators.engine import REPORTED_REASON, applies_to
from laoxiao.indicators.models import Indicator, IndicatorValue
from laoxiao.indicators.status import Status, indicator_status
from laoxiao.regions.scoping import level_of_code


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
    status: Status = Status(None, None)

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
            "status": self.status.code,
            "expected": _number(self.status.expected),
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
    level = level_of_code(region_code)
    stored = {
        v.indicator_id: v for v in IndicatorValue.objects.filter(region_code=region_code, period=p.text)
    }
    out = []
    for indicator in Indicator.objects.order_by("order"):
        if not applies_to(indicator.code, p):
            continue
        v = stored.get(indicator.code)
        if v is not None:
            status = indicator_status(
                indicator,
                v.value,
                year=p.year,
                region_level=level,
                is_count=v.denominator is None and indicator.kind == Indicator.Kind.COMPUTED,
            )
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
                    status,
                )
            )
            continue
        if indicator.kind == Indicator.Kind.REPORTED or indicator.code not in REGISTRY:
            reason = REPORTED_REASON
        else:
            reason = f"not computed yet: run `laoxiao indicators compute --period {p.text}`"
        out.append(ValueRow(indicator, region_code, p.text, None, None, None, reason, None))
    return out
