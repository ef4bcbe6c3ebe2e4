"""Every calculator on its edge cases: birthdays on the 1st and the day before, a death on any day
of the month, moving out, a band change, a child turning 3, a child born before 2025, an
application approved later, an institution stay, programmes that exclude each other."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from laoxiao.benefits.eligibility import CALCULATORS, calculator_for
from laoxiao.benefits.models import PaymentBatch, PaymentItem, Programme
from laoxiao.benefits.tests import factories_eligibility as f
from laoxiao.core.models import RuleVersion
from laoxiao.services.models import ServiceClaim

M = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def test_every_shipped_programme_has_a_rule_file_and_a_calculator(city: Any) -> None:
    f.prog("elderly_allowance")
    for p in Programme.objects.all():
        assert p.code in CALCULATORS, p.code
        assert RuleVersion.objects.filter(key=p.rule_key).exists(), p.rule_key
        assert calculator_for(p).source in {"elder", "child", "provider", "staff"}


def test_elderly_allowance_rule_keeps_the_issue_shape(city: Any) -> None:
    data = RuleVersion.objects.filter(key="benefits.elderly_allowance").first().data  # type: ignore[union-attr]
    f.prog("elderly_allowance")
    data = RuleVersion.objects.get(key="benefits.elderly_allowance").data
    assert [set(b) for b in data["bands"]] == [
        {"from_age", "to_age", "monthly"},
        {"from_age", "to_age", "monthly"},
        {"from_age", "monthly"},
    ]


# --- 高龄津贴 -------------------------------------------------------------------------------------


def test_elderly_allowance_birthday_on_the_first_counts_the_day_before_does_not(city: Any) -> None:
    on_first = f.elder(birth=dt.date(1946, 3, 1))
    day_after = f.elder(birth=dt.date(1946, 3, 2))
    day_before = f.elder(birth=dt.date(1946, 2, 28))
    paid = f.pay("elderly_allowance", M)
    assert f"e{on_first.pk}" in paid and f"e{day_before.pk}" in paid
    assert f"e{day_after.pk}" not in paid
    e = f.explain("elderly_allowance", day_after, M)
    assert not e.eligible and "80" in e.reasons[0]
    assert f.explain("elderly_allowance", on_first, M).from_period == M
    assert f.explain("elderly_allowance", day_after, dt.date(2026, 4, 1)).from_period == dt.date(2026, 4, 1)


@pytest.mark.parametrize("day", [1, 15, 31])
def test_a_death_on_any_day_of_the_month_leaves_it_paid(city: Any, day: int) -> None:
    person = f.elder(birth=dt.date(1940, 1, 1), died_on=dt.date(2026, 3, day))
    assert f"e{person.pk}" in f.pay("elderly_allowance", M)
    assert f"e{person.pk}" not in f.pay("elderly_allowance", dt.date(2026, 4, 1))
    assert "Died" in f.explain("elderly_allowance", person, dt.date(2026, 4, 1)).reasons[0]


def test_moved_out_ends_the_months_after(city: Any) -> None:
    person = f.elder(birth=dt.date(1940, 1, 1), moved_out_on=dt.date(2026, 3, 10))
    assert f"e{person.pk}" in f.pay("elderly_allowance", M)
    assert f"e{person.pk}" not in f.pay("elderly_allowance", dt.date(2026, 4, 1))


def test_band_change_on_the_first_of_the_month(city: Any) -> None:
    person = f.elder(birth=dt.date(1936, 4, 1))
    before, after = f.pay("elderly_allowance", M), f.pay("elderly_allowance", dt.date(2026, 4, 1))
    assert before[f"e{person.pk}"] == 5000 and after[f"e{person.pk}"] == 10000


# --- application-based elder programmes -------------------------------------------------------------


def test_service_subsidy_needs_an_approved_application_from_the_month(city: Any) -> None:
    p = f.prog("service_subsidy")
    person = f.elder(birth=dt.date(1950, 1, 1))
    f.category(person, "dibao")
    assert f"e{person.pk}" not in f.pay("service_subsidy", M)
    assert "application" in " ".join(f.explain("service_subsidy", person, M).reasons)
    f.make_application(p, person=person, valid_from=dt.date(2026, 4, 1))  # approved later
    assert f"e{person.pk}" not in f.pay("service_subsidy", M)
    april = f.pay("service_subsidy", dt.date(2026, 4, 1))
    assert april[f"e{person.pk}"] == 8000  # dibao, from the rule
    e = f.explain("service_subsidy", person, dt.date(2026, 6, 1))
    assert e.eligible and e.amount_fen == 8000 and e.from_period == dt.date(2026, 4, 1)
    assert any("dibao" in r or "minimum living allowance" in r for r in e.reasons)


def test_service_subsidy_pending_application_is_named(city: Any) -> None:
    p = f.prog("service_subsidy")
    person = f.elder(birth=dt.date(1950, 1, 1))
    f.category(person, "dibao")
    f.make_application(p, person=person, status="pending")
    e = f.explain("service_subsidy", person, M)
    assert not e.eligible and "under review" in e.reasons[0]


def test_service_subsidy_highest_category_and_category_ending(city: Any) -> None:
    p = f.prog("service_subsidy")
    person = f.elder(birth=dt.date(1950, 1, 1))
    f.category(person, "low_income")
    f.category(person, "extreme_poverty", until=dt.date(2026, 3, 15))
    f.make_application(p, person=person)
    assert f.pay("service_subsidy", M)[f"e{person.pk}"] == 10000
    assert f.pay("service_subsidy", dt.date(2026, 4, 1))[f"e{person.pk}"] == 5000


def test_service_subsidy_stops_during_an_institution_stay(city: Any) -> None:
    p = f.prog("service_subsidy")
    person = f.elder(birth=dt.date(1950, 1, 1))
    f.category(person, "dibao")
    f.make_application(p, person=person)
    f.stay(person, f.home(), dt.date(2026, 3, 10), dt.date(2026, 5, 1))
    assert f"e{person.pk}" in f.pay("service_subsidy", M)  # admitted after the 1st
    assert f"e{person.pk}" not in f.pay("service_subsidy", dt.date(2026, 4, 1))
    assert f"e{person.pk}" in f.pay("service_subsidy", dt.date(2026, 5, 1))  # left on the 1st
    e = f.explain("service_subsidy", person, dt.date(2026, 4, 1))
    assert not e.eligible and any("institution" in r for r in e.reasons)


def test_service_subsidy_age_and_death(city: Any) -> None:
    p = f.prog("service_subsidy")
    young = f.elder(birth=dt.date(1966, 3, 2))
    dead = f.elder(birth=dt.date(1950, 1, 1), died_on=dt.date(2026, 3, 31))
    for person in (young, dead):
        f.category(person, "dibao")
        f.make_application(p, person=person)
    paid = f.pay("service_subsidy", M)
    assert f"e{young.pk}" not in paid and f"e{dead.pk}" in paid
    assert f"e{young.pk}" in f.pay("service_subsidy", dt.date(2026, 4, 1))
    assert f"e{dead.pk}" not in f.pay("service_subsidy", dt.date(2026, 4, 1))


def test_care_subsidy_by_the_latest_assessment(city: Any) -> None:
    p = f.prog("care_subsidy")
    person = f.elder(birth=dt.date(1945, 1, 1))
    f.category(person, "low_income")
    f.make_application(p, person=person)
    assert f"e{person.pk}" not in f.pay("care_subsidy", M)  # no assessment
    f.assessment(person, "moderate", on=dt.date(2025, 6, 1))
    f.assessment(person, "severe", on=dt.date(2026, 3, 2))
    assert f.pay("care_subsidy", M)[f"e{person.pk}"] == 10000
    assert f.pay("care_subsidy", dt.date(2026, 4, 1))[f"e{person.pk}"] == 15000
    f.assessment(person, "mild", on=dt.date(2026, 4, 20))
    e = f.explain("care_subsidy", person, dt.date(2026, 5, 1))
    assert not e.eligible and any("mild" in r for r in e.reasons)


def test_consumption_voucher_from_2026_and_both_coverage_readings_kept(city: Any) -> None:
    p = f.prog("consumption_voucher")
    person = f.elder(birth=dt.date(1960, 1, 1))
    f.assessment(person, "moderate")
    f.make_application(p, person=person, valid_from=dt.date(2025, 7, 1))
    assert f.pay("consumption_voucher", dt.date(2025, 12, 1)) == {}
    assert f.pay("consumption_voucher", dt.date(2026, 1, 1))[f"e{person.pk}"] == 80000
    data = RuleVersion.objects.get(key="benefits.consumption_voucher").data
    ids = [v["id"] for v in data["coverage_versions"]]
    assert data["coverage_in_force"] in ids and len(ids) >= 2
    assert {v["certainty"] for v in data["coverage_versions"]} >= {"S", "?"}


def test_excluded_programme_removes_the_person(city: Any) -> None:
    voucher, care = f.prog("consumption_voucher"), f.prog("care_subsidy")
    voucher.excludes = ["care_subsidy"]
    voucher.save()
    both, only = f.elder(birth=dt.date(1950, 1, 1)), f.elder(birth=dt.date(1950, 1, 1))
    for person in (both, only):
        f.category(person, "dibao")
        f.assessment(person, "severe")
        f.make_application(voucher, person=person)
    f.make_application(care, person=both)
    paid = f.pay("consumption_voucher", M)
    assert f"e{only.pk}" in paid and f"e{both.pk}" not in paid
    e = f.explain("consumption_voucher", both, M)
    assert not e.eligible and any("care_subsidy" in r for r in e.reasons)


def test_home_adaptation_is_paid_once(city: Any, admin_user: Any) -> None:
    p = f.prog("home_adaptation")
    person = f.elder(birth=dt.date(1950, 1, 1))
    f.category(person, "extreme_poverty")
    f.make_application(p, person=person, valid_from=dt.date(2026, 2, 1))
    assert f.pay("home_adaptation", M)[f"e{person.pk}"] == 300000
    batch = PaymentBatch.objects.create(programme=p, period=M, region_code="340600000000")
    PaymentItem.objects.create(
        code="T-1", batch=batch, programme=p, period=M, beneficiary_key=f"e{person.pk}", elder=person,
        region_code=person.region_code, amount_fen=300000, status="paid",
    )  # fmt: skip
    assert f.pay("home_adaptation", M)[f"e{person.pk}"] == 300000  # the same period: a rerun is the same
    assert f.pay("home_adaptation", dt.date(2026, 4, 1)) == {}
    assert "once" in f.explain("home_adaptation", person, dt.date(2026, 4, 1)).reasons[-1]


# --- 育儿补贴 ---------------------------------------------------------------------------------------


def test_childcare_born_on_the_first_paid_from_that_month_otherwise_the_next(city: Any) -> None:
    first, second = f.child(birth=dt.date(2026, 3, 1)), f.child(birth=dt.date(2026, 3, 2))
    paid = f.pay("childcare_subsidy", M)
    assert paid.get(f"c{first.pk}") == 30000 and f"c{second.pk}" not in paid
    assert f"c{second.pk}" in f.pay("childcare_subsidy", dt.date(2026, 4, 1))


def test_childcare_turning_three(city: Any) -> None:
    mid = f.child(birth=dt.date(2023, 3, 15))  # 3 on 2026-03-15: March still paid
    on_first = f.child(birth=dt.date(2023, 3, 1))  # 3 on 2026-03-01: February is the last
    paid = f.pay("childcare_subsidy", M)
    assert f"c{mid.pk}" in paid and f"c{on_first.pk}" not in paid
    assert f"c{mid.pk}" not in f.pay("childcare_subsidy", dt.date(2026, 4, 1))
    e = f.explain("childcare_subsidy", on_first, M)
    assert not e.eligible and "2026-02" in e.reasons[0]


def test_childcare_born_before_2025_paid_for_the_months_still_due(city: Any) -> None:
    kid = f.child(birth=dt.date(2023, 6, 10))
    assert f.pay("childcare_subsidy", dt.date(2024, 12, 1)) == {}
    assert f"c{kid.pk}" in f.pay("childcare_subsidy", dt.date(2025, 1, 1))
    e = f.explain("childcare_subsidy", kid, dt.date(2025, 1, 1))
    assert e.eligible and e.from_period == dt.date(2025, 1, 1)
    assert any("2026-06" in r for r in e.reasons)
    months = sum(
        f"c{kid.pk}" in f.pay("childcare_subsidy", dt.date(2025 + (m // 12), m % 12 + 1, 1))
        for m in range(0, 24)
    )
    assert months == 18  # 2025-01 .. 2026-06


def test_every_child_born_from_2025_gets_36_months(city: Any) -> None:
    kid = f.child(birth=dt.date(2025, 2, 14))
    months = [dt.date(2025 + m // 12, m % 12 + 1, 1) for m in range(0, 48)]
    paid = [m for m in months if f"c{kid.pk}" in f.pay("childcare_subsidy", m)]
    assert len(paid) == 36 and paid[0] == dt.date(2025, 3, 1) and paid[-1] == dt.date(2028, 2, 1)


def test_childcare_death_moved_and_no_guardian(city: Any) -> None:
    dead = f.child(birth=dt.date(2025, 5, 1), died_on=dt.date(2026, 3, 20))
    moved = f.child(birth=dt.date(2025, 5, 1), moved_out_on=dt.date(2026, 3, 1))
    orphan = f.child(birth=dt.date(2025, 5, 1), guardian=False)
    paid = f.pay("childcare_subsidy", M)
    assert f"c{dead.pk}" in paid and f"c{moved.pk}" not in paid and f"c{orphan.pk}" not in paid
    assert f"c{dead.pk}" not in f.pay("childcare_subsidy", dt.date(2026, 4, 1))
    assert "guardian" in f.explain("childcare_subsidy", orphan, M).reasons[0]


def test_region_prefix_limits_the_candidates(city: Any) -> None:
    xs, sx = f.child(region=f.XS1), f.child(region=f.SX1)
    paid = f.pay("childcare_subsidy", M, prefix="340621")
    assert f"c{sx.pk}" in paid and f"c{xs.pk}" not in paid


# --- providers -------------------------------------------------------------------------------------


def test_inclusive_operating_subsidy_by_county(city: Any) -> None:
    xs, sx, market = f.nursery(region=f.XS1), f.nursery(region=f.SX1), f.nursery(tier="market")
    for p, n in ((xs, 3), (sx, 2), (market, 4)):
        for _i in range(n):
            f.child(birth=dt.date(2024, 5, 1), provider=p)
    f.child(birth=dt.date(2024, 5, 1), provider=xs, died_on=dt.date(2025, 12, 1))
    paid = f.pay("inclusive_childcare_operating", dt.date(2026, 1, 1))
    assert paid == {f"p{xs.pk}": 3 * 30000, f"p{sx.pk}": 2 * 20000}
    e = f.explain("inclusive_childcare_operating", sx, dt.date(2026, 1, 1))
    assert e.eligible and e.amount_fen == 40000 and "200.00" in e.reasons[0]
    assert not f.explain("inclusive_childcare_operating", market, dt.date(2026, 1, 1)).eligible


def test_home_care_purchase_pays_the_approved_claim(city: Any) -> None:
    a, b, c = f.home(), f.home(), f.home()
    ServiceClaim.objects.create(
        provider=a, region_code=a.region_code, period=M, status="approved", amount_payable_fen=12345
    )
    ServiceClaim.objects.create(
        provider=b, region_code=b.region_code, period=M, status="prepared", amount_payable_fen=500
    )
    ServiceClaim.objects.create(
        provider=c, region_code=c.region_code, period=M, status="approved", amount_payable_fen=0
    )
    assert f.pay("home_care_purchase", M) == {f"p{a.pk}": 12345}
    assert "not approved" in f.explain("home_care_purchase", b, M).reasons[0]
    assert f.explain("home_care_purchase", a, M).amount_fen == 12345


# --- staff -----------------------------------------------------------------------------------------


def test_staff_entry_award_by_qualification_after_serving(city: Any) -> None:
    p = f.prog("staff_entry_award")
    h = f.home()
    new = f.worker(h, hired=dt.date(2025, 6, 1))
    old = f.worker(h, hired=dt.date(2024, 1, 1))
    gone = f.worker(h, hired=dt.date(2024, 1, 1), left_on=dt.date(2026, 2, 1))
    cook = f.worker(h, hired=dt.date(2024, 1, 1), role="other")
    for w in (new, old, gone, cook):
        f.make_application(p, worker=w, documents=[{"kind": "qualification", "name": "bachelor"}])
    paid = f.pay("staff_entry_award", M)
    assert paid == {f"s{old.pk}": 800000}
    assert f"s{new.pk}" in f.pay("staff_entry_award", dt.date(2026, 6, 1))
    e = f.explain("staff_entry_award", cook, M)
    assert not e.eligible and "role" in e.reasons[0]


def test_payables_are_the_same_every_time_and_per_chunk(city: Any) -> None:
    kids = [f.child(birth=dt.date(2025, 1, 1)) for _ in range(5)]
    p = f.prog("childcare_subsidy")
    calc = calculator_for(p)
    whole = calc.payables(p, M, "3406", kids[0].pk, kids[-1].pk)
    parts = calc.payables(p, M, "3406", kids[0].pk, kids[2].pk) + calc.payables(
        p, M, "3406", kids[3].pk, kids[-1].pk
    )
    assert whole == parts == calc.payables(p, M, "3406", kids[0].pk, kids[-1].pk)


def test_payables_cost_a_bounded_number_of_queries(city: Any, django_assert_max_num_queries: Any) -> None:
    """One query per fact for the whole id range, never one per person (city scale: 324k elders)."""
    voucher, service = f.prog("consumption_voucher"), f.prog("service_subsidy")
    people = [f.elder(birth=dt.date(1950, 1, 1)) for _ in range(30)]
    for person in people:
        f.category(person, "dibao")
        f.assessment(person, "severe")
        f.make_application(voucher, person=person)
        f.make_application(service, person=person)
    kids = [f.child(birth=dt.date(2025, 6, 1)) for _ in range(30)]
    lo, hi = people[0].pk, people[-1].pk
    voucher.excludes = ["service_subsidy"]
    voucher.save()
    with django_assert_max_num_queries(12):
        assert calculator_for(voucher).payables(voucher, M, "3406", lo, hi) == []  # all excluded
    with django_assert_max_num_queries(6):
        assert len(calculator_for(service).payables(service, M, "3406", lo, hi)) == 30
    child_prog = f.prog("childcare_subsidy")
    with django_assert_max_num_queries(2):
        assert len(calculator_for(child_prog).payables(child_prog, M, "3406", kids[0].pk, kids[-1].pk)) == 30
