"""The visit-list rules (pure) and the monthly work list built from them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.people import actions
from laoxiao.people.selectors.elders import visit_worklist
from laoxiao.people.tests.factories import XS1, XS2, make_elder, make_items
from laoxiao.people.visitlist import ElderFacts, VisitListRules, is_overdue, on_list, reasons

RULE_FILE = Path(__file__).resolve().parents[1] / "rules" / "welfare.visit_list.json"
RULES = VisitListRules.from_data(json.loads(RULE_FILE.read_text(encoding="utf-8"))["versions"][-1]["data"])
BIRTH = dt.date(1950, 1, 1)
DAY = dt.date(2024, 6, 15)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (ElderFacts(BIRTH, living_arrangement="alone"), ("alone",)),
        (ElderFacts(BIRTH, living_arrangement="empty_nest"), ("empty_nest",)),
        (ElderFacts(BIRTH, living_arrangement="left_behind"), ("left_behind",)),
        (ElderFacts(BIRTH, living_arrangement="with_family"), ()),
        (ElderFacts(BIRTH, living_arrangement="institution"), ()),
        (ElderFacts(BIRTH, level="mild"), ()),
        (ElderFacts(BIRTH, level="moderate"), ("disabled",)),
        (ElderFacts(BIRTH, level="severe"), ("disabled",)),
        (ElderFacts(BIRTH, level="total"), ("disabled",)),
        (ElderFacts(BIRTH, categories=["severe_disability"]), ("severe_disability",)),
        (ElderFacts(BIRTH, categories=["fp_special"]), ("fp_special",)),
        (ElderFacts(BIRTH, categories=["dibao", "extreme_poverty"]), ()),
        (
            ElderFacts(BIRTH, living_arrangement="alone", level="severe", categories=["fp_special"]),
            ("alone", "disabled", "fp_special"),
        ),
    ],
)
def test_each_criterion(facts: ElderFacts, expected: tuple[str, ...]) -> None:
    assert reasons(facts, on=DAY, rules=RULES) == expected
    assert on_list(facts, on=DAY, rules=RULES) == bool(expected)


def test_death_ends_membership_the_next_day() -> None:
    facts = ElderFacts(BIRTH, living_arrangement="alone", died_on=DAY)
    assert on_list(facts, on=DAY, rules=RULES)
    assert not on_list(facts, on=DAY + dt.timedelta(days=1), rules=RULES)


def test_moving_out_and_age() -> None:
    assert not on_list(
        ElderFacts(BIRTH, living_arrangement="alone", moved_out_on=DAY), on=DAY + dt.timedelta(1), rules=RULES
    )
    young = ElderFacts(dt.date(1964, 6, 16), living_arrangement="alone")
    assert not on_list(young, on=DAY, rules=RULES)
    assert on_list(young, on=DAY + dt.timedelta(days=1), rules=RULES)


def test_overdue() -> None:
    june = dt.date(2024, 6, 1)
    assert not is_overdue(visited=False, month=june, today=dt.date(2024, 6, 20), overdue_after_day=20)
    assert is_overdue(visited=False, month=june, today=dt.date(2024, 6, 21), overdue_after_day=20)
    assert is_overdue(visited=False, month=june, today=dt.date(2024, 7, 1), overdue_after_day=None)
    assert not is_overdue(visited=True, month=june, today=dt.date(2024, 7, 1), overdue_after_day=20)
    assert not is_overdue(visited=False, month=june, today=dt.date(2024, 5, 31), overdue_after_day=20)


# --- the work list ------------------------------------------------------------------------------


def test_the_work_list_of_a_community(city: dict[str, Any], admin_user: Any) -> None:
    alone = make_elder(admin_user, seq=1, living_arrangement="alone")
    make_elder(admin_user, seq=2, living_arrangement="with_family")
    other = make_elder(admin_user, seq=3, region=XS2, living_arrangement="alone")
    actions.welfare_visit_record(actor=admin_user, elder=alone, visited_on=dt.date(2024, 5, 20), mode="home")
    actions.welfare_visit_record(actor=admin_user, elder=alone, visited_on=dt.date(2024, 6, 3), mode="phone")
    rows = visit_worklist(
        actor=admin_user, region_code=XS1, month=dt.date(2024, 6, 1), today=dt.date(2024, 7, 2)
    )
    assert [(r.elder.pk, r.reasons, r.last_visit_on, r.visited, r.overdue) for r in rows] == [
        (alone.pk, ("alone",), dt.date(2024, 6, 3), True, False)
    ]
    may = visit_worklist(
        actor=admin_user, region_code=XS1, month=dt.date(2024, 5, 9), today=dt.date(2024, 7, 2)
    )
    assert may[0].last_visit_on == dt.date(2024, 5, 20) and may[0].visited
    april = visit_worklist(
        actor=admin_user, region_code=XS1, month=dt.date(2024, 4, 1), today=dt.date(2024, 7, 2)
    )
    assert april[0].last_visit_on is None and april[0].overdue
    township = visit_worklist(actor=admin_user, region_code="340603001000", month=dt.date(2024, 6, 1))
    assert {r.elder.pk for r in township} == {alone.pk, other.pk}


def test_entering_mid_month_by_an_assessment_or_a_category(city: dict[str, Any], admin_user: Any) -> None:
    a = make_elder(admin_user, seq=1, living_arrangement="with_family")
    b = make_elder(admin_user, seq=2, living_arrangement="with_family")
    actions.assessment_record(
        actor=admin_user,
        elder=a,
        assessed_on=dt.date(2024, 6, 18),
        reason="immediate",
        items=make_items(40),
    )
    actions.elder_set_categories(
        actor=admin_user, elder=b, categories=["fp_special"], support_mode=None, on=dt.date(2024, 6, 25)
    )
    june = {
        r.elder.pk: r.reasons
        for r in visit_worklist(actor=admin_user, region_code=XS1, month=dt.date(2024, 6, 1))
    }
    assert june == {a.pk: ("disabled",), b.pk: ("fp_special",)}
    may = visit_worklist(actor=admin_user, region_code=XS1, month=dt.date(2024, 5, 1))
    assert may == []


def test_a_later_better_assessment_takes_a_person_off_the_list(city: dict[str, Any], admin_user: Any) -> None:
    a = make_elder(admin_user, seq=1, living_arrangement="with_family")
    actions.assessment_record(
        actor=admin_user, elder=a, assessed_on=dt.date(2024, 1, 5), reason="first", items=make_items(40)
    )
    actions.assessment_record(
        actor=admin_user,
        elder=a,
        assessed_on=dt.date(2024, 5, 5),
        reason="review",
        items=make_items(80),
    )
    assert visit_worklist(actor=admin_user, region_code=XS1, month=dt.date(2024, 3, 1))
    assert not visit_worklist(actor=admin_user, region_code=XS1, month=dt.date(2024, 6, 1))


def test_death_takes_a_person_off_the_list_from_the_next_day(city: dict[str, Any], admin_user: Any) -> None:
    a = make_elder(admin_user, seq=1, living_arrangement="alone")
    actions.welfare_visit_record(actor=admin_user, elder=a, visited_on=dt.date(2024, 3, 3), mode="home")
    actions.elder_death(actor=admin_user, elder=a, died_on=dt.date(2024, 4, 30))
    assert visit_worklist(actor=admin_user, region_code=XS1, month=dt.date(2024, 4, 1))  # last day of April
    assert not visit_worklist(actor=admin_user, region_code=XS1, month=dt.date(2024, 5, 1))
    with pytest.raises(ValidationError):
        actions.welfare_visit_record(actor=admin_user, elder=a, visited_on=dt.date(2024, 5, 2), mode="home")


def test_a_community_worker_sees_only_their_community(city: dict[str, Any], admin_user: Any) -> None:

    mine = make_elder(admin_user, seq=1, living_arrangement="alone")
    make_elder(admin_user, seq=2, region=XS2, living_arrangement="alone")
    worker = make_user("grid1", ["community_worker"], [XS1])
    rows = visit_worklist(actor=worker, region_code="340603000000", month=dt.date(2024, 6, 1))
    assert [r.elder.pk for r in rows] == [mine.pk]
    health = make_user("doc", ["health_community"], [XS1])
    assert visit_worklist(actor=health, region_code=XS1, month=dt.date(2024, 6, 1)) == []
