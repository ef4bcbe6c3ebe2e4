"""The status of a value against the plan: every branch of the rule, on hand-made indicators."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laoxiao.plan.models import Indicator
from laoxiao.plan.status import (
    ACHIEVED,
    BEHIND,
    ON_TRACK,
    expected_value,
    indicator_status,
    is_count_value,
)

pytestmark = pytest.mark.django_db

RULE = {"on_track": "linear", "count_levels": ["city"], "count_units": ["家", "人", "个", "万元"]}


def ind(baseline: Any, target: Any, comparator: str = "gte", unit: str = "%") -> Any:
    return SimpleNamespace(
        baseline=None if baseline is None else Decimal(str(baseline)),
        target=Decimal(str(target)),
        comparator=comparator,
        baseline_year=2020,
        target_year=2025,
        unit=unit,
    )


def status(i: Any, value: Any, year: int = 2021, **kw: Any) -> str | None:
    return indicator_status(i, value, year=year, **kw).code


def test_the_rule_is_read_from_the_database() -> None:
    # E03: 50.83 → 60 (≥): the line in 2021 is 52.664
    e03 = Indicator.objects.get(code="E03")
    s = indicator_status(e03, Decimal("52.664"), year=2021)
    assert (s.code, s.expected) == (ON_TRACK, Decimal("52.664"))
    assert status(e03, Decimal("52.66"), 2021) == BEHIND
    assert status(e03, 60, 2021) == ACHIEVED
    assert str(s.label)


def test_gte_target_on_the_line_and_between() -> None:
    i = ind(50, 60)  # line: 2021 52, 2022 54, 2023 56, 2024 58
    assert status(i, 60) == ACHIEVED  # on the target
    assert status(i, 59.99) == ON_TRACK  # short of the target, above the line
    assert status(i, 52) == ON_TRACK  # on the line
    assert status(i, 55, 2021) == ON_TRACK  # between the line and the target
    assert status(i, 51.99, 2021) == BEHIND
    assert status(i, 57.99, 2024) == BEHIND
    assert status(i, 58, 2024) == ON_TRACK


def test_gt_target_is_strict_but_the_line_is_not() -> None:
    i = ind(80, 90, "gt")  # line 2021: 82
    assert status(i, 90) != ACHIEVED
    assert status(i, 90.01) == ACHIEVED
    assert status(i, 82) == ON_TRACK  # ≥ on the line
    assert status(i, 81.9) == BEHIND


def test_gt_target_below_the_baseline() -> None:
    # C01: 94.2 in 2020, > 90 in 2025: a falling line; 91 beats the target
    i = ind("94.2", 90, "gt")
    assert status(i, 91) == ACHIEVED
    assert status(i, 90) == BEHIND  # not above 90, and below the line (93.36 in 2021)


def test_eq_comparator() -> None:
    i = ind(100, 100, "eq")
    assert status(i, 100) == ACHIEVED
    assert status(i, 99) == BEHIND
    j = ind(0, 10, "eq")  # line 2022: 4
    assert status(j, 4, 2022) == ON_TRACK
    assert status(j, 5, 2022) == BEHIND


def test_no_baseline_is_achieved_or_behind() -> None:
    i = ind(None, 20)
    assert indicator_status(i, 19, year=2021).code == BEHIND
    assert indicator_status(i, 19, year=2021).expected is None
    assert status(i, 20) == ACHIEVED
    assert status(i, 0.1, 2021) == BEHIND


def test_years_before_the_baseline_and_after_the_target() -> None:
    i = ind(50, 60)
    assert expected_value(i, 2019) == Decimal(50)
    assert expected_value(i, 2020) == Decimal(50)
    assert expected_value(i, 2025) == Decimal(60)
    assert expected_value(i, 2030) == Decimal(60)
    assert status(i, 50, 2020) == ON_TRACK  # the baseline year: the baseline is on the line
    assert status(i, 49, 2019) == BEHIND
    assert status(i, 59, 2025) == BEHIND  # the target year: achieved or behind
    assert status(i, 59, 2026) == BEHIND
    assert status(i, 61, 2026) == ACHIEVED


def test_counts_get_no_status_below_the_city() -> None:
    i = ind(7, 17, unit="家")
    assert status(i, 3, region_level="county", is_count=True) is None
    assert status(i, 3, region_level="township", is_count=True) is None
    assert status(i, 9, region_level="city", is_count=True) == ON_TRACK
    assert status(i, 3, region_level="county", is_count=False) == BEHIND


def test_which_values_are_counts() -> None:
    assert is_count_value(ind(7, 17, unit="家"), None, rule_data=RULE)
    assert is_count_value(ind(200, 1000, unit="万元"), None, rule_data=RULE)
    assert not is_count_value(ind("0.3", 1, unit="人"), Decimal(2), rule_data=RULE)  # per thousand
    assert not is_count_value(ind(77, 79, unit="岁"), None, rule_data=RULE)
    assert not is_count_value(ind(95, 95, unit="%"), None, rule_data=RULE)
    assert is_count_value(Indicator.objects.get(code="E11"), None)  # from the stored rule


def test_no_value_no_status() -> None:
    s = indicator_status(ind(50, 60), None, year=2021)
    assert (s.code, s.expected) == (None, None)


def test_the_rule_is_data() -> None:
    i = ind(50, 60)
    no_line = {**RULE, "on_track": "none"}
    assert indicator_status(i, 55, year=2021, rule_data=no_line).code == BEHIND
    every_level = {**RULE, "count_levels": ["city", "county"]}
    assert status(i, 55, region_level="county", is_count=True, rule_data=every_level) == ON_TRACK


values = st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False)


@given(baseline=values, target=values, value=values, year=st.integers(2018, 2030))
def test_status_agrees_with_its_definition(
    baseline: Decimal, target: Decimal, value: Decimal, year: int
) -> None:
    i = ind(baseline, target)
    s = indicator_status(i, value, year=year, rule_data=RULE)
    line = expected_value(i, year)
    assert line is not None
    if value >= target:
        assert s.code == ACHIEVED
    elif year < 2025 and value >= line:
        assert s.code == ON_TRACK
    else:
        assert s.code == BEHIND
    # the line lies between the baseline and the target
    assert min(baseline, target) <= line <= max(baseline, target)
