"""Demand for elder-care and childcare facilities and the gaps, by region and year (pure numpy).

From a projection (``laoxiao.planning.analysis.projection``) by region, sex and single year of age:

* people aged 60+, 65+, 80+ and children under 3 (ages 0–2);
* people with moderate or worse loss of ability: the projection times a prevalence by sex and age
  (the registry's current share, supplied by the adapter);
* households: the projected population ÷ the base year's persons per household (held constant);
* what the ratios ask for (``Ratios``, from the versioned rule ``planning.facility_ratios``):
  beds = people of the older age × beds per 1,000; nursing-type beds = beds × the nursing share;
  childcare slots = population × slots per 1,000 of that year (interpolated between the years the
  rule gives, held after the last); community elder-care floor space = households ÷ 100 × m²;
* the supply: existing capacity plus the additions completed by the end of each year;
* the gap = need − supply (positive: a shortfall; negative: a surplus).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from laoxiao.planning.analysis.projection import interpolate

MEASURES = ("beds", "nursing_beds", "slots", "floor_area")
GROUPS = ("population", "age_60_plus", "age_65_plus", "age_80_plus", "disabled", "age_0_2", "households")


@dataclass(frozen=True)
class Ratios:
    beds_per_1000_older: float
    older_age: int
    nursing_bed_share: float
    slots_per_1000: Mapping[int, float]  # year → slots per 1,000 people
    floor_area_per_100_households: float

    @classmethod
    def from_rule(cls, data: Mapping[str, Any]) -> Ratios:
        slots = data["childcare_slots_per_1000"]
        if not isinstance(slots, Mapping):
            slots = {0: slots}
        return cls(
            beds_per_1000_older=float(data["beds_per_1000_older"]),
            older_age=int(data.get("older_age", 60)),
            nursing_bed_share=float(data["nursing_bed_share"]),
            slots_per_1000={int(k): float(v) for k, v in slots.items()},
            floor_area_per_100_households=float(data["community_floor_area_per_100_households"]),
        )

    def slots_rate(self, year: int) -> float:
        return float(interpolate({k: np.asarray(v) for k, v in self.slots_per_1000.items()}, year))


@dataclass
class Supply:
    """Existing capacity per region (arrays of length R, by measure) and additions
    ``(region index, completion year, {measure: amount})``."""

    existing: dict[str, np.ndarray]
    additions: list[tuple[int, int, dict[str, float]]] = field(default_factory=list)

    def by_year(self, years: Sequence[int]) -> dict[str, np.ndarray]:
        """(Y, R) per measure: existing plus what was completed by the end of each year."""
        out = {
            m: np.repeat(np.asarray(self.existing[m], dtype=float)[None], len(years), axis=0)
            for m in MEASURES
        }
        for region, year, amounts in self.additions:
            for i, y in enumerate(years):
                if year <= y:
                    for m, v in amounts.items():
                        out[m][i, region] += float(v)
        return out


@dataclass(frozen=True)
class DemandTable:
    years: list[int]
    groups: dict[str, np.ndarray]  # (Y, R) people by group
    need: dict[str, np.ndarray]  # (Y, R) by measure
    supply: dict[str, np.ndarray]
    gap: dict[str, np.ndarray]

    def rows(self, region_index: int) -> list[dict[str, float | int]]:
        """One dict per year for one region (rounded for display: people and facilities to whole
        numbers, floor space to whole m²)."""
        out = []
        for i, y in enumerate(self.years):
            row: dict[str, float | int] = {"year": y}
            for g, a in self.groups.items():
                row[g] = int(round(float(a[i, region_index])))
            for kind, table in (("need", self.need), ("supply", self.supply), ("gap", self.gap)):
                for m, a in table.items():
                    row[f"{kind}_{m}"] = int(round(float(a[i, region_index])))
            out.append(row)
        return out


def demand(
    population: np.ndarray,
    years: Sequence[int],
    *,
    prevalence: np.ndarray,
    persons_per_household: np.ndarray,
    ratios: Ratios,
    supply: Supply,
) -> DemandTable:
    """``population``: (Y, R, 2, A) single years of age (the last group open); ``prevalence``:
    (2, A) or (R, 2, A) shares with moderate or worse loss of ability; ``persons_per_household``:
    (R,) (0 or NaN: no households figure, the floor space need is 0)."""
    pop = np.asarray(population, dtype=float)
    if pop.ndim != 4 or pop.shape[0] != len(years):
        raise ValueError("population must be (years, regions, 2, ages) with one slice per year")
    total = pop.sum(axis=(2, 3))
    older = pop[..., ratios.older_age :].sum(axis=(2, 3))
    groups = {
        "population": total,
        "age_60_plus": pop[..., 60:].sum(axis=(2, 3)),
        "age_65_plus": pop[..., 65:].sum(axis=(2, 3)),
        "age_80_plus": pop[..., 80:].sum(axis=(2, 3)),
        "disabled": (pop * np.asarray(prevalence, dtype=float)).sum(axis=(2, 3)),
        "age_0_2": pop[..., :3].sum(axis=(2, 3)),
    }
    pph = np.asarray(persons_per_household, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        households = np.where(np.isfinite(pph) & (pph > 0), total / np.where(pph > 0, pph, 1.0), 0.0)
    groups["households"] = households
    slots_rate = np.array([ratios.slots_rate(y) for y in years])[:, None]
    beds = older * ratios.beds_per_1000_older / 1000.0
    need = {
        "beds": beds,
        "nursing_beds": beds * ratios.nursing_bed_share,
        "slots": total * slots_rate / 1000.0,
        "floor_area": households * ratios.floor_area_per_100_households / 100.0,
    }
    have = supply.by_year(years)
    gap = {m: need[m] - have[m] for m in MEASURES}
    return DemandTable(list(years), groups, need, have, gap)
