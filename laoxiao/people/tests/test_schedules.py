"""The child follow-up schedules (pure): due dates, both immunisation editions, tolerance boundaries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from laoxiao.people import schedules as s

D = dt.date
RULES = Path(__file__).resolve().parents[1] / "rules"


def rule_versions(key: str) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = json.loads((RULES / f"{key}.json").read_text(encoding="utf-8"))[
        "versions"
    ]
    return versions


def schedule_of(edition: str) -> s.Schedule:
    for v in rule_versions("immunisation.schedule"):
        if v["effective_from"].startswith(edition):
            return s.parse_schedule(v["data"])
    raise AssertionError(edition)


EDITIONS = s.parse_editions(rule_versions("immunisation.edition_by_birth_date")[0]["data"])
CHECKS = s.parse_check_schedule(rule_versions("child.health_check_schedule")[0]["data"])


def schedule_for(birth: dt.date) -> s.Schedule:
    return schedule_of(s.edition_for(birth, EDITIONS).name)


def due_of(plan: tuple[s.PlannedDose, ...], vaccine: str, dose: int) -> dt.date:
    return next(p.due_on for p in plan if p.dose.key == (vaccine, dose))


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "months", "due"),
    [
        (D(2023, 1, 31), 1, D(2023, 2, 28)),  # a shorter month: its last day
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2023, 11, 30), 3, D(2024, 2, 29)),
        (D(2024, 3, 31), 6, D(2024, 9, 30)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # born on 29 February
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 12, 15), 2, D(2025, 2, 15)),  # across the year
        (D(2025, 5, 5), 36, D(2028, 5, 5)),
    ],
)
def test_due_dates_are_calendar_months(birth: dt.date, months: int, due: dt.date) -> None:
    assert s.due_date(birth, age_months=months) == due


def test_due_date_in_days_and_argument_check() -> None:
    assert s.due_date(D(2025, 2, 1), age_days=0) == D(2025, 2, 1)
    assert s.due_date(D(2025, 2, 1), age_days=28) == D(2025, 3, 1)
    with pytest.raises(ValueError):
        s.due_date(D(2025, 2, 1))
    with pytest.raises(ValueError):
        s.due_date(D(2025, 2, 1), age_months=1, age_days=1)


def test_age_in_completed_months() -> None:
    assert s.age_in_months(D(2023, 1, 31), D(2023, 2, 27)) == 0
    assert s.age_in_months(D(2023, 1, 31), D(2023, 2, 28)) == 1  # the clamped month-day counts
    assert s.age_in_months(D(2024, 6, 15), D(2025, 6, 14)) == 11
    assert s.age_in_months(D(2024, 6, 15), D(2025, 6, 15)) == 12
    assert s.age_in_months(D(2024, 6, 15), D(2024, 6, 15)) == 0


# --- editions -------------------------------------------------------------------------------------


def test_a_child_born_before_2025_follows_the_2021_edition() -> None:
    birth = D(2024, 6, 15)
    assert s.edition_for(birth, EDITIONS).name == "2021"
    plan = s.vaccine_plan(birth, schedule=schedule_for(birth))
    assert due_of(plan, "DTaP", 1) == D(2024, 9, 15)  # 3 months
    assert due_of(plan, "DTaP", 3) == D(2024, 11, 15)  # 5 months
    assert due_of(plan, "DT", 1) == D(2030, 6, 15)  # 6 years
    assert ("DTaP", 5) not in {p.dose.key for p in plan}
    assert due_of(plan, "HepB", 1) == birth


def test_a_child_born_in_2025_follows_the_2025_edition() -> None:
    birth = D(2025, 2, 1)
    assert s.edition_for(birth, EDITIONS).name == "2025"
    plan = s.vaccine_plan(birth, schedule=schedule_for(birth))
    assert due_of(plan, "DTaP", 1) == D(2025, 4, 1)  # 2 months, not 3
    assert due_of(plan, "DTaP", 2) == D(2025, 6, 1)
    assert due_of(plan, "DTaP", 3) == D(2025, 8, 1)  # 6 months, not 5
    assert due_of(plan, "DTaP", 4) == D(2026, 8, 1)
    assert due_of(plan, "DTaP", 5) == D(2031, 2, 1)
    assert ("DT", 1) not in {p.dose.key for p in plan}


def test_the_edition_boundary_is_the_first_of_january_2025() -> None:
    assert s.edition_for(D(2024, 12, 31), EDITIONS).name == "2021"
    assert s.edition_for(D(2025, 1, 1), EDITIONS).name == "2025"


def test_both_editions_cover_ages_0_to_3_and_the_later_doses() -> None:
    for edition in ("2021", "2025"):
        keys = {d.key for d in schedule_of(edition)}
        for key in [("HepB", 3), ("BCG", 1), ("IPV", 2), ("bOPV", 1), ("bOPV", 2), ("MPSV-A", 2)]:
            assert key in keys
        for key in [("MPSV-AC", 1), ("MPSV-AC", 2), ("MMR", 2), ("JE-L", 2), ("HepA-L", 1), ("DTaP", 4)]:
            assert key in keys
    assert len(schedule_of("2021")) == len(schedule_of("2025")) == 22


# --- vaccine status -------------------------------------------------------------------------------


def test_dose_status_around_the_grace_boundary() -> None:
    birth = D(2025, 2, 1)
    sched = schedule_for(birth)
    due = D(2025, 4, 1)  # DTaP 1

    def status(on: dt.date, given: dict[tuple[str, int], dt.date] | None = None) -> s.DoseStatus:
        out = s.vaccine_status(birth, given or {}, on, schedule=sched, grace_days=30)
        return next(x for x in out if (x.vaccine, x.dose) == ("DTaP", 1))

    assert status(due - dt.timedelta(days=1)).status == s.Status.UPCOMING
    assert status(due).status == s.Status.DUE
    assert status(due).since == due
    assert status(due + dt.timedelta(days=30)).status == s.Status.DUE
    late = status(due + dt.timedelta(days=31))
    assert late.status == s.Status.OVERDUE
    assert late.since == due + dt.timedelta(days=31)
    done = status(D(2026, 1, 1), {("DTaP", 1): D(2025, 4, 3)})
    assert done.status == s.Status.DONE and done.given_on == D(2025, 4, 3)


def test_with_no_grace_a_dose_is_overdue_the_day_after() -> None:
    birth = D(2025, 2, 1)
    out = s.vaccine_status(birth, {}, D(2025, 2, 2), schedule=schedule_for(birth))
    by_key = {(x.vaccine, x.dose): x.status for x in out}
    assert by_key[("HepB", 1)] == s.Status.OVERDUE
    assert by_key[("HepB", 2)] == s.Status.UPCOMING


def test_rule_data_and_doses_give_the_same_plan() -> None:
    raw = rule_versions("immunisation.schedule")[0]["data"]
    assert s.vaccine_plan(D(2024, 1, 31), schedule=raw) == s.vaccine_plan(
        D(2024, 1, 31), schedule=s.parse_schedule(raw)
    )


# --- health checks --------------------------------------------------------------------------------


def check(birth: dt.date, point: str, on: dt.date, checked: dt.date | None = None) -> s.CheckStatus:
    checks = {point: checked} if checked else {}
    return next(c for c in s.check_status(birth, checks, on, schedule=CHECKS) if c.age_point == point)


def test_check_tolerance_boundaries() -> None:
    birth = D(2025, 2, 1)
    due = D(2025, 5, 1)  # 3 months
    on = D(2026, 1, 1)
    assert check(birth, "3m", on, due + dt.timedelta(days=30)).status == s.Status.DONE  # exactly 30 late
    assert check(birth, "3m", on, due + dt.timedelta(days=31)).status == s.Status.OUTSIDE_WINDOW
    assert check(birth, "3m", on, due - dt.timedelta(days=30)).status == s.Status.DONE
    assert check(birth, "3m", on, due - dt.timedelta(days=31)).status == s.Status.OUTSIDE_WINDOW


def test_the_one_month_check_is_due_at_28_days() -> None:
    birth = D(2025, 2, 1)
    c = check(birth, "1m", D(2025, 3, 1))
    assert c.due_on == D(2025, 3, 1) and c.status == s.Status.DUE


def test_open_check_status_over_time() -> None:
    birth = D(2025, 2, 1)
    due = D(2025, 5, 1)
    assert check(birth, "3m", due - dt.timedelta(days=1)).status == s.Status.UPCOMING
    assert check(birth, "3m", due).status == s.Status.DUE
    assert check(birth, "3m", due + dt.timedelta(days=30)).status == s.Status.DUE
    over = check(birth, "3m", due + dt.timedelta(days=31))
    assert over.status == s.Status.OVERDUE and over.since == due + dt.timedelta(days=31)
    # the 6-month check is due on 2025-08-01: the 3-month check is then missed, off the lists
    assert check(birth, "3m", D(2025, 7, 31)).status == s.Status.OVERDUE
    assert check(birth, "3m", D(2025, 8, 1)).status == s.Status.MISSED
    # the last check has no successor: it stays overdue
    assert check(birth, "36m", D(2029, 1, 1)).status == s.Status.OVERDUE


# --- newborn visit --------------------------------------------------------------------------------


def test_newborn_visit_within_7_days_of_discharge() -> None:
    birth, discharge = D(2025, 2, 1), D(2025, 2, 4)
    assert s.newborn_visit_ok(birth, discharge, [D(2025, 2, 11)], days=7)
    assert not s.newborn_visit_ok(birth, discharge, [D(2025, 2, 12)], days=7)
    assert s.newborn_visit_ok(birth, None, [D(2025, 2, 8)], days=7)  # after birth without discharge
    assert not s.newborn_visit_ok(birth, None, [D(2025, 2, 9)], days=7)
    assert not s.newborn_visit_ok(birth, discharge, [D(2025, 1, 31)], days=7)  # before birth
    assert not s.newborn_visit_ok(birth, discharge, [], days=7)


def test_newborn_visit_status() -> None:
    birth, discharge = D(2025, 2, 1), D(2025, 2, 4)
    assert s.newborn_visit_status(birth, discharge, [], D(2025, 2, 3), days=7).status == s.Status.UPCOMING
    assert s.newborn_visit_status(birth, discharge, [], D(2025, 2, 11), days=7).status == s.Status.DUE
    late = s.newborn_visit_status(birth, discharge, [], D(2025, 2, 12), days=7)
    assert late.status == s.Status.OVERDUE and late.since == D(2025, 2, 12)
    assert (
        s.newborn_visit_status(birth, discharge, [D(2025, 2, 20)], D(2025, 3, 1), days=7).status
        == s.Status.OUTSIDE_WINDOW
    )


# --- the hand-worked sample (rows copied from the acceptance sample) ------------------------------

SAMPLE_DOSES = {
    D(2022, 2, 1): [
        ("HepB", 1, "2022-02-01"),
        ("BCG", 1, "2022-02-01"),
        ("HepB", 2, "2022-03-01"),
        ("IPV", 1, "2022-04-01"),
        ("IPV", 2, "2022-05-01"),
        ("DTaP", 1, "2022-05-01"),
        ("bOPV", 1, "2022-06-01"),
        ("DTaP", 2, "2022-06-01"),
        ("DTaP", 3, "2022-07-01"),
        ("HepB", 3, "2022-08-01"),
        ("MPSV-A", 1, "2022-08-01"),
        ("MMR", 1, "2022-10-01"),
        ("JE-L", 1, "2022-10-01"),
        ("MPSV-A", 2, "2022-11-01"),
    ],
    D(2022, 5, 5): [
        ("HepB", 1, "2022-05-05"),
        ("BCG", 1, "2022-05-05"),
        ("HepB", 2, "2022-06-05"),
        ("IPV", 1, "2022-07-05"),
        ("IPV", 2, "2022-08-05"),
        ("DTaP", 1, "2022-08-05"),
        ("bOPV", 1, "2022-09-05"),
        ("DTaP", 2, "2022-09-05"),
        ("DTaP", 3, "2022-10-05"),
    ],
}


def test_sample_city_doses_due_in_2022_given_by_its_end() -> None:
    start, end = D(2022, 1, 1), D(2022, 12, 31)
    due = given = 0
    for birth, rows in SAMPLE_DOSES.items():
        doses = {(v, n): D.fromisoformat(day) for v, n, day in rows}
        for p in s.vaccine_plan(birth, schedule=schedule_for(birth)):
            if start <= p.due_on <= end:
                due += 1
                given += p.dose.key in doses and doses[p.dose.key] <= end
    assert (given, due) == (23, 25)


def test_sample_city_checks_due_by_the_end_of_2022() -> None:
    end = D(2022, 12, 31)
    sample = {
        D(2022, 2, 1): {"1m": D(2022, 3, 2), "3m": D(2022, 5, 2), "6m": D(2022, 8, 2), "8m": D(2022, 10, 2)},
        D(2022, 5, 5): {"1m": D(2022, 6, 6), "3m": D(2022, 8, 6)},
    }
    complete = [
        all(
            c.status == s.Status.DONE
            for c in s.check_status(b, checks, end, schedule=CHECKS)
            if c.due_on <= end
        )
        for b, checks in sample.items()
    ]
    assert complete == [True, False]


def test_a_parsed_schedule_hashes_once_and_equals_the_plain_tuple() -> None:
    raw = [{"vaccine": "HepB", "dose": 1, "age_days": 0}, {"vaccine": "BCG", "dose": 1, "age_days": 0}]
    parsed = s.parse_schedule(raw)
    plain = tuple(parsed)
    assert isinstance(parsed, s.ParsedSchedule) and parsed == plain and hash(parsed) == hash(plain)
    assert s.parse_schedule(parsed) is parsed  # passes through without a check of every dose
    assert s.parse_schedule(plain) == parsed and isinstance(s.parse_schedule(plain), s.ParsedSchedule)
    assert parsed._hash == hash(plain)  # kept after the first hash
    assert s.vaccine_plan(D(2024, 1, 1), schedule=parsed) == s.vaccine_plan(D(2024, 1, 1), schedule=plain)
