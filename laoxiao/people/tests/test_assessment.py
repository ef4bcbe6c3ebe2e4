"""Scoring of the elder ability assessment (GB/T 42195-2022), with property tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laoxiao.people.assessment import LEVELS, ItemError, ScoringRules, level_for_total, score
from laoxiao.people.tests.factories import ITEM_MAX, make_items

RULE_FILE = Path(__file__).resolve().parents[1] / "rules" / "assessment.scoring.json"
DATA = json.loads(RULE_FILE.read_text(encoding="utf-8"))["versions"][-1]["data"]
RULES = ScoringRules.from_data(DATA, max_raises=1)
RULES_TWO = ScoringRules.from_data(DATA, max_raises=2)

valid_items = st.fixed_dictionaries({k: st.integers(0, top) for k, top in ITEM_MAX.items()})
flags = st.booleans()


def test_the_table_has_26_items_in_the_canonical_order_and_domain_maxima() -> None:
    assert RULES.item_keys == tuple(ITEM_MAX)
    assert {d.key: d.max for d in RULES.domains} == {
        "self_care": 32,
        "mobility": 15,
        "mental": 28,
        "perception": 15,
    }
    assert RULES.max_total == 90


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (90, "intact"),
        (89, "mild"),
        (66, "mild"),
        (65, "moderate"),
        (46, "moderate"),
        (45, "severe"),
        (30, "severe"),
        (29, "total"),
        (0, "total"),
    ],
)
def test_level_boundaries(total: int, level: str) -> None:
    assert level_for_total(total, rules=RULES) == level
    assert score(make_items(total), rules=RULES).preliminary_level == level


def test_a_worked_example() -> None:
    # the acceptance sample's second person: self-care 32, mobility 15, mental 13, perception 0
    items = make_items(60)
    result = score(items, rules=RULES)
    assert result.domains == {"self_care": 32, "mobility": 15, "mental": 13, "perception": 0}
    assert (result.total, result.preliminary_level, result.level) == (60, "moderate", "moderate")


def test_adjustments() -> None:
    items = make_items(70)  # mild
    assert score(items, rules=RULES, dementia=True).level == "moderate"
    assert score(items, rules=RULES, psychiatric=True).level == "moderate"
    assert (
        score(items, rules=RULES, dementia=True, psychiatric=True).level == "moderate"
    )  # one diagnosis raise
    assert score(items, rules=RULES, risk_events_30d=1).level == "mild"
    assert score(items, rules=RULES, risk_events_30d=2).level == "moderate"
    # both raises: capped at one by default, two when the city allows
    assert score(items, rules=RULES, dementia=True, risk_events_30d=3).level == "moderate"
    assert score(items, rules=RULES_TWO, dementia=True, risk_events_30d=3).level == "severe"
    assert score(items, rules=RULES, coma=True).level == "total"
    assert score(make_items(20), rules=RULES, dementia=True).level == "total"  # never past total


def test_bad_items_are_refused_naming_the_item() -> None:
    items = make_items(50)
    with pytest.raises(ItemError) as exc:
        score({**items, "stairs": 4}, rules=RULES)
    assert exc.value.item == "stairs"
    missing = dict(items)
    del missing["memory"]
    with pytest.raises(ItemError) as exc:
        score(missing, rules=RULES)
    assert exc.value.item == "memory"
    with pytest.raises(ItemError) as exc:
        score({**items, "charm": 1}, rules=RULES)
    assert exc.value.item == "charm"
    with pytest.raises(ItemError):
        score({**items, "vision": True}, rules=RULES)
    with pytest.raises(ItemError):
        score(items, rules=RULES, risk_events_30d=-1)


@given(valid_items, flags, flags, flags, st.integers(0, 10))
@settings(max_examples=300, deadline=None)
def test_any_valid_assessment_is_in_bounds_and_never_improved(
    items: dict[str, int], coma: bool, dementia: bool, psychiatric: bool, risk: int
) -> None:
    for rules in (RULES, RULES_TWO):
        result = score(
            items, rules=rules, coma=coma, dementia=dementia, psychiatric=psychiatric, risk_events_30d=risk
        )
        assert 0 <= result.total <= 90
        assert result.total == sum(items.values())
        assert 0 <= result.domains["self_care"] <= 32
        assert 0 <= result.domains["mobility"] <= 15
        assert 0 <= result.domains["mental"] <= 28
        assert 0 <= result.domains["perception"] <= 15
        assert sum(result.domains.values()) == result.total
        assert result.preliminary_level == level_for_total(result.total, rules=rules)
        steps = LEVELS.index(result.level) - LEVELS.index(result.preliminary_level)
        assert steps >= 0  # adjustments never make a level better
        if coma:
            assert result.level == "total"
        else:
            assert steps <= rules.max_raises
        if not (coma or dementia or psychiatric or risk >= 2):
            assert result.level == result.preliminary_level


@given(st.integers(0, 90))
def test_the_preliminary_level_follows_the_bands(total: int) -> None:
    level = score(make_items(total), rules=RULES).preliminary_level
    expected = (
        "intact"
        if total == 90
        else "mild"
        if total >= 66
        else "moderate"
        if total >= 46
        else "severe"
        if total >= 30
        else "total"
    )
    assert level == expected


@given(valid_items, st.sampled_from(sorted(ITEM_MAX)), st.one_of(st.integers(-50, -1), st.integers(5, 99)))
def test_out_of_range_items_are_refused(items: dict[str, int], key: str, bad: int) -> None:
    if 0 <= bad <= ITEM_MAX[key]:
        return
    with pytest.raises(ItemError) as exc:
        score({**items, key: bad}, rules=RULES)
    assert exc.value.item == key


@given(valid_items, st.sampled_from([k for k, top in ITEM_MAX.items() if top < 4]))
def test_a_score_above_a_small_items_maximum_is_refused(items: dict[str, int], key: str) -> None:
    with pytest.raises(ItemError):
        score({**items, key: ITEM_MAX[key] + 1}, rules=RULES)
