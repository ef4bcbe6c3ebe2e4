"""The indicator engine: compute and store indicator values, and list them for a region and period.

``indicators_compute`` runs the registered calculators (``laoxiao.plan.calculators``) for
regions and a period and upserts one ``IndicatorValue`` per (measure, region, period), with the
numerator, the denominator and the inputs: a value is computed once per measure, whatever number of
plans use it. ``laoxiao.plan.selectors.values`` reads them back under each plan's indicators.
Monthly measures (E08's) have values for months and years; the others for years. ``codes`` name
measures by key or by alias (``nursing_bed_share`` or ``E06``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from laoxiao.core import clock
from laoxiao.people.selectors.children import child_rules
from laoxiao.plan.calculators import (
    REGISTRY,
    Ctx,
    Figures,
    Period,
    Result,
    common_prefix,
    definition,
    resolve_measure,
)
from laoxiao.plan.models import IndicatorValue, Measure, ReportedValue
from laoxiao.regions.models import Region

FOUR_PLACES = Decimal("0.0001")
REPORTED_REASON = "reported by the responsible unit"


def applies_to(code: str, period: Period) -> bool:
    """Whether a measure (key or alias) has values for the period (months: monthly ones only)."""
    spec = REGISTRY.get(resolve_measure(code) or code)
    return not period.is_month or (spec is not None and spec.monthly)


def measure_keys(codes: Iterable[str] | None) -> list[str]:
    """The registered measure keys that ``codes`` (keys or aliases) name; every one when None."""
    if codes is None:
        return list(REGISTRY)
    keys = (resolve_measure(c) for c in codes)
    return [k for k in dict.fromkeys(keys) if k is not None and k in REGISTRY]


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


def _row(measure_key: str, region_code: str, period: Period, result: Result) -> IndicatorValue:
    value, reason = value_of(result)
    return IndicatorValue(
        measure_id=measure_key,
        region_code=region_code,
        period=period.text,
        value=value,
        numerator=_dec(result.numerator),
        denominator=_dec(result.denominator),
        reason=reason,
        inputs={"scale": result.scale, "period_end": period.end.isoformat(), **result.inputs},
    )


def indicators_results(
    *,
    period: str,
    region_codes: Iterable[str] | None = None,
    codes: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    months_out: dict[str, dict[str, dict[str, Result]]] | None = None,
) -> dict[str, dict[str, Result]]:
    """The results (measure key → region code → Result) of the computed measures, without storing.

    Each measure reads its records ONCE for the widest region asked and rolls the tallies up to
    every region by code prefix; ``progress(key)`` is called after each measure. With
    ``months_out`` (a dict) a year's monthly measures also put there the results of each month that
    has begun (period text → key → region → Result), from the same computation."""
    p = Period.parse(period)
    regions = (
        list(dict.fromkeys(region_codes))
        if region_codes is not None
        else list(Region.objects.values_list("code", flat=True))
    )
    wanted = [k for k in measure_keys(codes) if applies_to(k, p)]
    if not regions or not wanted:
        return {}
    ctx = Ctx(period=p, prefix=common_prefix(regions), rules=child_rules())
    figures = Figures(p.year, regions)
    out: dict[str, dict[str, Result]] = {}
    for code in wanted:
        d = definition(code)
        with_months = getattr(d, "compute_with_months", None)
        if months_out is not None and not p.is_month and with_months is not None:
            out[code], by_month = with_months(ctx, regions, figures, until=clock.today())
            for text, results in by_month.items():
                months_out.setdefault(text, {})[code] = results
        else:
            out[code] = d.compute(ctx, regions, figures)
        if progress is not None:
            progress(code)
    return out


def indicators_compute(
    *,
    period: str,
    region_codes: Iterable[str] | None = None,
    codes: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    written: Callable[[int, int], None] | None = None,
    chunk_size: int | None = None,
    with_months: bool = False,
) -> list[IndicatorValue]:
    """Compute every computed measure with a calculator for the regions (default: every region)
    and the period, and store the values (replacing earlier ones). Returns the stored values.

    The reads run outside any transaction; the values are written in chunks of ``chunk_size``
    (setting ``LAOXIAO_WRITE_CHUNK_ROWS``), each its own short transaction, so the database's write
    lock is never held for the whole computation (on SQLite it would lock every login and write out:
    docs/security.md, "Long work and locks"). Each chunk is an upsert on the unique key, so writing a
    chunk twice (a job run again) gives the same rows. ``written(done, total)`` follows the chunks.
    ``with_months``: a year also stores the monthly measures' months that have begun, from the
    same computation (what computing each month alone gives)."""
    p = Period.parse(period)
    keys = list(
        Measure.objects.filter(kind=Measure.Kind.COMPUTED, key__in=measure_keys(codes)).values_list(
            "key", flat=True
        )
    )
    months: dict[str, dict[str, dict[str, Result]]] | None = {} if with_months else None
    results = indicators_results(
        period=period, region_codes=region_codes, codes=keys, progress=progress, months_out=months
    )
    now = timezone.now()
    rows: list[IndicatorValue] = []
    for period_results, q in [(results, p), *((r, Period.parse(t)) for t, r in (months or {}).items())]:
        # an approved figure (a historical year filed from the statistical reports) stands
        approved = set(
            ReportedValue.objects.filter(
                period=q.text, status=ReportedValue.Status.APPROVED, measure_id__in=keys
            ).values_list("measure_id", "region_code")
        )
        for code, by_region in period_results.items():
            for region_code, result in by_region.items():
                if (code, region_code) in approved:
                    continue
                row = _row(code, region_code, q, result)
                row.computed_at = now
                rows.append(row)
    size = max(1, chunk_size or int(getattr(settings, "LAOXIAO_WRITE_CHUNK_ROWS", 500)))
    for start in range(0, len(rows), size):
        with transaction.atomic():
            IndicatorValue.objects.bulk_create(
                rows[start : start + size],
                batch_size=size,
                update_conflicts=True,
                unique_fields=["measure", "region_code", "period"],
                update_fields=["value", "numerator", "denominator", "reason", "inputs", "computed_at"],
            )
        if written is not None:
            written(min(start + size, len(rows)), len(rows))
    return rows


def indicators_compute_with_progress(
    *, period: str, region_codes: Iterable[str] | None = None, codes: Iterable[str] | None = None
) -> list[IndicatorValue]:
    """``indicators_compute`` with a progress bar on the terminal (``laoxiao indicators compute``)."""
    p = Period.parse(period)
    total = sum(1 for k in measure_keys(codes) if applies_to(k, p))
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(f"计算指标 {p.text}", total=total)

        def advance(key: str) -> None:
            bar.update(task, advance=1, description=f"计算指标 {p.text} · {REGISTRY[key].alias or key}")

        return indicators_compute(period=period, region_codes=region_codes, codes=codes, progress=advance)
