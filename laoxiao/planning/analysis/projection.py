"""Cohort-component population projection (pure numpy, no Django).

The method (Preston, Heuveline and Guillot, *Demography*, 2001, chapter 6), for one step of ``n``
years on age groups ``n`` years wide (``n = 1``: single years of age and yearly steps; ``n = 5``:
the textbook's five-year groups), by sex, for many regions at once.

Conventions
-----------
* **Populations are counts at an instant**: the base population is the population at the end of
  the base year (31 December, the same as 1 January of the next year); the projection for year
  ``t`` is the population at the end of year ``t``. Age is age in completed years at that instant.
* **Age groups** ``0 .. A-1`` are ``n`` years wide; the last one is open (``100+`` with single
  years): its survivors stay in it and the survivors of the group below join it.
* **Survival ratios** are indexed by the *destination* group, as in Preston's Box 6.1:
  ``S[0]`` is the share of the births of the step alive in group 0 at its end
  (``nL0 / (n · l0)``); ``S[a]`` for ``1 ≤ a < A-1`` is the share of group ``a-1`` at the start
  alive in group ``a`` at the end (``nLa / nL(a-1)``); ``S[A-1]`` is applied to the last two groups
  together (``T(ω) / T(ω-n)``, with ``T(ω)`` the open group's person-years). ``survival_from_life_table``
  builds them from a life table's ``lx`` and ``nLx``.
* **Net migration** ``I[a]`` is the net number of migrants of group ``a`` during the step (a
  count for the whole step). Half of them are counted at the start (they then survive and age
  with the group), half at the end (added to group ``a`` at the end, not exposed to death); this is
  the textbook's convention. Where net out-migration would take a group below zero, the group is
  emptied and the migration actually applied (``migration`` in the result) is smaller.
* **Births** of the step: ``n · Σ f[a] · (W_start[a] + W_end[a]) / 2``, the annual fertility rate of
  women of group ``a`` times the step's female person-years, taken as the mean of the women of
  the group at the start (with half the group's migrants) and at the end (after migration).
  Boys ``= B · srb / (1 + srb)``, girls ``= B / (1 + srb)`` (``srb``: boys per girl).
* **Deaths** of the step are what survival removes: the start population (with half the migrants)
  and the births, less the survivors. So, exactly (to rounding), for every region and sex,
  ``end = start + births − deaths + migration``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SEXES = ("F", "M")  # index 0 female, 1 male
FEMALE, MALE = 0, 1
OPEN_AGE = 100  # single years: ages 0..99 and 100+


@dataclass(frozen=True)
class StepResult:
    """One step's outcome. Arrays have the regions first, then sex (female, male), then age."""

    population: np.ndarray  # (R, 2, A) at the end of the step
    births: np.ndarray  # (R, 2) births of the step by sex
    deaths: np.ndarray  # (R, 2) deaths of the step (of the start population, migrants and births)
    migration: np.ndarray  # (R, 2) net migration actually applied


def survival_from_life_table(lx0: float, Lx: np.ndarray, n: int = 1) -> np.ndarray:
    """Survival ratios (Preston's convention, above) from a life table: ``lx0`` the radix (l at
    age 0), ``Lx`` the person-years lived in each group, the last being the open group's
    ``T(ω)``. Works on the last axis, so ``Lx`` may be ``(2, A)`` for both sexes."""
    Lx = np.asarray(Lx, dtype=float)
    if Lx.shape[-1] < 2:
        raise ValueError("a life table needs at least two age groups")
    if np.any(Lx <= 0):
        raise ValueError("person-years lived (Lx) must be positive")
    s = np.empty_like(Lx)
    s[..., 0] = Lx[..., 0] / (n * np.asarray(lx0, dtype=float))
    s[..., 1:-1] = Lx[..., 1:-1] / Lx[..., :-2]
    s[..., -1] = Lx[..., -1] / (Lx[..., -2] + Lx[..., -1])
    return s


def project_step(
    population: np.ndarray,
    *,
    survival: np.ndarray,
    fertility: np.ndarray,
    migration: np.ndarray | None = None,
    srb: float = 1.05,
    n: int = 1,
) -> StepResult:
    """One projection step of ``n`` years.

    ``population``: (R, 2, A) or (2, A) at the start; ``survival``: (2, A) or (R, 2, A) (see the
    module docstring); ``fertility``: (A,) or (R, A) annual rates of women by age group;
    ``migration``: net migrants during the step, same shape as the population (or None);
    ``srb``: boys per girl at birth.
    """
    pop = np.asarray(population, dtype=float)
    single = pop.ndim == 2
    if single:
        pop = pop[None]
    if pop.ndim != 3 or pop.shape[1] != 2 or pop.shape[2] < 3:
        raise ValueError("population must be (regions, 2 sexes, ages ≥ 3)")
    R, _, A = pop.shape
    S = np.broadcast_to(np.asarray(survival, dtype=float), (R, 2, A))
    f = np.broadcast_to(np.asarray(fertility, dtype=float), (R, A))
    mig = (
        np.zeros_like(pop) if migration is None else np.broadcast_to(np.asarray(migration, float), pop.shape)
    )
    if srb <= 0:
        raise ValueError("the sex ratio at birth must be positive")

    half = mig / 2.0
    start = np.maximum(pop + half, 0.0)  # half the migrants at the start; never below zero
    survivors = np.zeros_like(pop)
    survivors[:, :, 1 : A - 1] = start[:, :, 0 : A - 2] * S[:, :, 1 : A - 1]
    survivors[:, :, A - 1] = (start[:, :, A - 2] + start[:, :, A - 1]) * S[:, :, A - 1]

    # women at the end (group 0 holds no mothers, so births do not feed back into exposure)
    women_end = np.maximum(survivors[:, FEMALE] + half[:, FEMALE], 0.0)
    exposure = (start[:, FEMALE] + women_end) / 2.0
    total_births = n * np.einsum("ra,ra->r", f, exposure)
    births = np.stack([total_births / (1.0 + srb), total_births * srb / (1.0 + srb)], axis=1)
    survivors[:, :, 0] = births * S[:, :, 0]

    end = np.maximum(survivors + half, 0.0)
    deaths = start.sum(axis=2) + births - survivors.sum(axis=2)
    applied = (start - pop).sum(axis=2) + (end - survivors).sum(axis=2)
    if single:
        return StepResult(end[0], births[0], deaths[0], applied[0])
    return StepResult(end, births, deaths, applied)


@dataclass(frozen=True)
class YearAssumptions:
    """The assumptions of one yearly step (single years of age, ``A`` groups)."""

    survival: np.ndarray  # (2, A)
    fertility: np.ndarray  # (A,) annual rates by mother's single age
    migration_rate: np.ndarray | None = None  # (2, A) net migrants per person of the group per year
    migration_count: np.ndarray | None = None  # (R, 2, A) or (2, A) net migrants per year
    srb: float = 1.05


@dataclass(frozen=True)
class Projection:
    """Populations for each year (the base year first) and the components of each step."""

    years: list[int]
    population: np.ndarray  # (Y, R, 2, A)
    births: np.ndarray  # (Y-1, R, 2)
    deaths: np.ndarray  # (Y-1, R, 2)
    migration: np.ndarray  # (Y-1, R, 2)


def project(
    base: np.ndarray,
    *,
    base_year: int,
    to_year: int,
    assumptions_for: Callable[[int], YearAssumptions],
) -> Projection:
    """Yearly projection from ``base`` (R, 2, A) at the end of ``base_year`` to the end of
    ``to_year``; ``assumptions_for(year)`` gives the assumptions of the step that ends in ``year``.
    Rates of migration apply to the population at the start of the step."""
    if to_year < base_year:
        raise ValueError("the projection must end in or after the base year")
    pop = np.asarray(base, dtype=float)
    if pop.ndim != 3:
        raise ValueError("the base population must be (regions, 2 sexes, ages)")
    years = [base_year]
    pops = [pop]
    births, deaths, migration = [], [], []
    for year in range(base_year + 1, to_year + 1):
        a = assumptions_for(year)
        mig = np.zeros_like(pop)
        if a.migration_rate is not None:
            mig = mig + pop * a.migration_rate[None]
        if a.migration_count is not None:
            mig = mig + np.broadcast_to(a.migration_count, pop.shape)
        step = project_step(pop, survival=a.survival, fertility=a.fertility, migration=mig, srb=a.srb, n=1)
        pop = step.population
        years.append(year)
        pops.append(pop)
        births.append(step.births)
        deaths.append(step.deaths)
        migration.append(step.migration)
    R = pop.shape[0]
    empty = np.zeros((0, R, 2))
    return Projection(
        years=years,
        population=np.stack(pops),
        births=np.stack(births) if births else empty,
        deaths=np.stack(deaths) if deaths else empty,
        migration=np.stack(migration) if migration else empty,
    )


class AssumptionSource:
    """Year → assumptions, from tables keyed by year (linear interpolation between the years
    given, the nearest year held outside them)."""

    def __init__(
        self,
        *,
        survival: dict[int, np.ndarray],
        fertility: dict[int, np.ndarray],
        migration_rate: dict[int, np.ndarray] | None = None,
        migration_count: dict[int, np.ndarray] | None = None,
        srb: dict[int, float] | float = 1.05,
    ) -> None:
        if not survival or not fertility:
            raise ValueError("survival and fertility are required")
        self.survival = survival
        self.fertility = fertility
        self.migration_rate = migration_rate or {}
        self.migration_count = migration_count or {}
        self.srb = srb if isinstance(srb, dict) else {0: float(srb)}

    def __call__(self, year: int) -> YearAssumptions:
        return YearAssumptions(
            survival=interpolate(self.survival, year),
            fertility=interpolate(self.fertility, year),
            migration_rate=interpolate(self.migration_rate, year) if self.migration_rate else None,
            migration_count=interpolate(self.migration_count, year) if self.migration_count else None,
            srb=float(interpolate({k: np.asarray(v) for k, v in self.srb.items()}, year)),
        )


def interpolate(table: dict[int, np.ndarray], year: int) -> np.ndarray:
    """The value for ``year``: linear between the two nearest years given, held outside them."""
    keys = sorted(table)
    if year <= keys[0]:
        return np.asarray(table[keys[0]], dtype=float)
    if year >= keys[-1]:
        return np.asarray(table[keys[-1]], dtype=float)
    hi = next(k for k in keys if k >= year)
    if hi == year:
        return np.asarray(table[hi], dtype=float)
    lo = max(k for k in keys if k < year)
    w = (year - lo) / (hi - lo)
    return (1 - w) * np.asarray(table[lo], dtype=float) + w * np.asarray(table[hi], dtype=float)


def tfr(fertility: np.ndarray, n: int = 1) -> float:
    """Total fertility rate of a schedule of annual rates by age group of width ``n``."""
    return float(n * np.asarray(fertility, dtype=float).sum())


def life_expectancy(lx0: float, Lx: np.ndarray) -> float:
    """e0 of a life table (``Lx`` with the open group's T last)."""
    return float(np.asarray(Lx, dtype=float).sum() / lx0)


def age_sums(population: np.ndarray, lo: int, hi: int | None = None) -> np.ndarray:
    """Sum over single ages ``lo ≤ age < hi`` (``hi`` None: to the open group), both sexes, on the
    last two axes (sex, age)."""
    return np.asarray(population)[..., :, lo:hi].sum(axis=(-1, -2))
