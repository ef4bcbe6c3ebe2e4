"""Writes the demo city's projection assumptions (fertility.csv, survival.csv, migration.csv,
parameters.csv, age_shape.csv) into this folder. Run: ``.venv/bin/python
laoxiao/planning/data/build_demo_assumptions.py``. Every figure is a demo assumption, chosen to be
plausible for Huaibei (README.md says why), not an official figure.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OPEN_AGE = 100
RADIX = 100_000

# life expectancy at birth by sex and year (the plan: 77 in 2020, 79 in 2025 for both sexes)
E0 = {2020: {"F": 80.0, "M": 74.2}, 2025: {"F": 81.9, "M": 76.3}, 2035: {"F": 83.6, "M": 78.2}}
# Siler hazard: infant a1·exp(-b1·x) + background a2 + senescent a3·exp(b3·x); a3 solved for e0
SILER = {"F": (0.016, 3.0, 0.0002, 0.105), "M": (0.019, 3.0, 0.0004, 0.098)}
STEP = 0.01
TOP = 130.0

TFR = {"baseline": {2021: 1.30}, "three_child": {2021: 1.30, 2025: 1.50}}
MEAN_AGE_AT_BIRTH = 28.5  # gamma shape over ages 15–49
SRB = 1.11  # boys per girl (the 2020 census gives 111.3 for China)

# approximate shape of the population aged 0–59 by 5-year group (China, 2020 census, millions,
# rounded) and the male share: spreads a region's people aged 3–59 over single ages and sex
SHAPE_5Y = [77.9, 90.2, 85.3, 72.7, 75.0, 91.9, 124.1, 99.0, 93.0, 114.2, 122.0, 101.4]
MALE_SHARE_5Y = [0.535, 0.537, 0.538, 0.537, 0.527, 0.516, 0.512, 0.511, 0.509, 0.507, 0.505, 0.503]


def _hazard(x: np.ndarray, sex: str, a3: float) -> np.ndarray:
    a1, b1, a2, b3 = SILER[sex]
    return a1 * np.exp(-b1 * x) + a2 + a3 * np.exp(b3 * x)


def life_table(sex: str, e0: float) -> tuple[np.ndarray, np.ndarray]:
    """lx (ages 0..OPEN_AGE) and Lx (the last = T at the open age) for the target e0."""
    x = np.arange(0.0, TOP + STEP / 2, STEP)

    def survivors(a3: float) -> np.ndarray:
        h = _hazard(x, sex, a3)
        cum = np.concatenate([[0.0], np.cumsum((h[1:] + h[:-1]) / 2 * STEP)])
        return np.exp(-cum)

    def e(a3: float) -> float:
        lx = survivors(a3)
        return float(((lx[1:] + lx[:-1]) / 2 * STEP).sum())

    lo, hi = 1e-7, 1e-3
    for _ in range(200):
        mid = np.sqrt(lo * hi)
        if e(mid) > e0:
            lo = mid
        else:
            hi = mid
    lx = survivors(np.sqrt(lo * hi))
    per_year = int(round(1 / STEP))
    l_int = lx[::per_year][: OPEN_AGE + 1] * RADIX
    area = (lx[1:] + lx[:-1]) / 2 * STEP * RADIX
    L = np.add.reduceat(area, np.arange(0, len(area), per_year))[: OPEN_AGE + 1]
    L[OPEN_AGE] = area[OPEN_AGE * per_year :].sum()
    return l_int, L


def fertility_schedule(total: float) -> np.ndarray:
    """Annual rates by single age 15..49 summing to ``total``: a gamma curve from age 14.5."""
    ages = np.arange(15, 50) + 0.5 - 14.5
    shape, scale = 5.0, (MEAN_AGE_AT_BIRTH - 14.5) / 5.0
    w = ages ** (shape - 1) * np.exp(-ages / scale)
    return total * w / w.sum()


def migration_rates() -> np.ndarray:
    """Net migration per person per year by sex and single age: young adults leave (peak −1.0% at
    22), children leave with them (−0.3% under 7), a little return migration at 50–64."""
    ages = np.arange(OPEN_AGE + 1)
    rate = np.zeros(OPEN_AGE + 1)
    young = (ages >= 17) & (ages <= 35)
    rate[young] = -0.010 * np.clip(1 - np.abs(ages[young] - 22) / 13, 0, None)
    rate[ages < 7] = -0.003
    rate[(ages >= 50) & (ages <= 64)] = 0.001
    return np.stack([rate * 0.95, rate])  # women leave slightly less


def write() -> None:
    with open(HERE / "survival.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["year", "sex", "age", "lx", "Lx"])
        for year, by_sex in E0.items():
            for sex, e0 in by_sex.items():
                lx, L = life_table(sex, e0)
                for age in range(OPEN_AGE + 1):
                    w.writerow(
                        [year, sex, f"{age}+" if age == OPEN_AGE else age, f"{lx[age]:.1f}", f"{L[age]:.1f}"]
                    )
    with open(HERE / "fertility.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["scenario", "year", "age", "rate"])
        for scenario, by_year in TFR.items():
            for year, total in by_year.items():
                for age, rate in zip(range(15, 50), fertility_schedule(total), strict=True):
                    w.writerow([scenario, year, age, f"{rate:.6f}"])
    with open(HERE / "migration.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sex", "age", "rate"])
        rates = migration_rates()
        for s, sex in enumerate(("F", "M")):
            for age in range(OPEN_AGE + 1):
                if rates[s, age]:
                    w.writerow([sex, f"{age}+" if age == OPEN_AGE else age, f"{rates[s, age]:.6f}"])
    with open(HERE / "parameters.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "value"])
        w.writerow(["sex_ratio_at_birth", SRB])
    with open(HERE / "age_shape.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["age", "weight", "male_share"])
        for age in range(60):
            g = age // 5
            w.writerow([age, f"{SHAPE_5Y[g] / 5:.4f}", MALE_SHARE_5Y[g]])


if __name__ == "__main__":
    write()
