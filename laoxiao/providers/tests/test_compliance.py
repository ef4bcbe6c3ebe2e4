"""Compliance checks: working days, class sizes and ratios, the 150-bed rule, staff certificates,
the inclusive-price flag, documents and review time limits."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from laoxiao.core.models import RuleVersion
from laoxiao.providers import compliance
from laoxiao.providers.models import (
    Certificate,
    ChildcareClass,
    FilingDocument,
    MarketReferencePrice,
    MedicalAgreement,
    Price,
    Provider,
    StaffMember,
)
from laoxiao.providers.tests.factories import make_documents, make_id_number, provider

D = dt.date


# --- working days --------------------------------------------------------------------------------


def test_working_days_skip_weekends(db: Any) -> None:
    assert compliance.add_working_days(D(2024, 3, 8), 1) == D(2024, 3, 11)  # Friday → Monday
    assert compliance.add_working_days(D(2024, 3, 8), 5) == D(2024, 3, 15)
    assert compliance.working_days_between(D(2024, 3, 8), D(2024, 3, 15)) == 5
    assert compliance.add_working_days(D(2024, 3, 8), 0) == D(2024, 3, 8)


def test_working_days_skip_holidays_and_count_adjusted_weekend_days(db: Any) -> None:
    # National Day 2024: 10-01..10-07 off; Sunday 09-29 and Saturday 10-12 worked (调休)
    assert compliance.add_working_days(D(2024, 9, 27), 1) == D(2024, 9, 29)
    assert compliance.add_working_days(D(2024, 9, 29), 2) == D(2024, 10, 8)
    assert compliance.working_days_between(D(2024, 9, 27), D(2024, 10, 12)) == 1 + 1 + 4 + 1
    # Spring Festival 2025: 01-28..02-04 off, Sunday 01-26 worked
    assert compliance.add_working_days(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert compliance.add_working_days(D(2025, 1, 27), 1) == D(2025, 2, 5)


def test_a_city_adds_a_holiday_by_adding_a_version(db: Any) -> None:
    assert compliance.add_working_days(D(2027, 1, 4), 1) == D(2027, 1, 5)  # no 2027 version: weekends only
    RuleVersion.objects.create(
        key="institutions.holidays",
        effective_from=D(2027, 1, 1),
        data={
            "weekend": [5, 6],
            "holidays": [{"name": "test", "from": "2027-01-05", "to": "2027-01-06"}],
            "workdays": [],
        },
        certainty="?",
    )
    assert compliance.add_working_days(D(2027, 1, 4), 1) == D(2027, 1, 7)


def test_review_deadlines_count_working_days_from_submission(city: Any) -> None:
    inst = provider(status="submitted", submitted_on=D(2024, 9, 27))
    d = compliance.review_deadlines(inst, D(2024, 10, 10))
    assert d["receipt_due"] == D(2024, 10, 10)  # 09-29, 09-30, 10-08, 10-09, 10-10
    assert not d["overdue"]
    late = compliance.review_deadlines(inst, D(2024, 10, 11))
    assert late["receipt_overdue"] and late["overdue"] and not late["notify_overdue"]
    assert late["messages"]
    inst.filing_status = "accepted"
    accepted = compliance.review_deadlines(inst, D(2024, 10, 11))
    assert not accepted["receipt_overdue"]
    assert accepted["notify_due"] == compliance.add_working_days(D(2024, 9, 27), 15)
    assert compliance.review_deadlines(inst, accepted["notify_due"] + dt.timedelta(days=1))["notify_overdue"]
    inst.filing_status = "filed"
    assert not compliance.review_deadlines(inst, D(2025, 1, 1))["overdue"]


# --- classes -------------------------------------------------------------------------------------

LIMITS = {"infant": (10, 3), "toddler": (15, 5), "older_toddler": (20, 7), "mixed": (18, 6)}


def _cls(class_type: str, capacity: int, carers: int, name: str = "A") -> ChildcareClass:
    return ChildcareClass(name=name, class_type=class_type, capacity=capacity, carers=carers)


@pytest.mark.parametrize("class_type", list(LIMITS))
def test_class_size_and_ratio_at_and_over_the_limit(db: Any, class_type: str) -> None:
    size, per = LIMITS[class_type]
    on = D(2024, 1, 1)
    needed = -(-size // per)
    assert compliance.class_violations(_cls(class_type, size, needed), on, kind="childcare_centre") == []
    over = compliance.class_violations(_cls(class_type, size + 1, needed + 1), on, kind="childcare_centre")
    assert [v["code"] for v in over] == ["size"]
    short = compliance.class_violations(_cls(class_type, size, needed - 1), on, kind="childcare_centre")
    assert [(v["code"], v["field"], v["limit"]) for v in short] == [("ratio", "carers", needed)]
    assert str(short[0]["message"])


def test_home_point_limits(city: Any) -> None:
    home = provider(kind="home_childcare")
    on = D(2024, 1, 1)
    ok = [_cls("mixed", 3, 1, "A"), _cls("mixed", 2, 1, "B")]
    assert compliance.provider_class_violations(home, on, ok) == []
    too_many = [_cls("mixed", 3, 1, "A"), _cls("mixed", 3, 1, "B")]
    assert "home_total" in [v["code"] for v in compliance.provider_class_violations(home, on, too_many)]
    one_carer = [_cls("mixed", 5, 1, "A")]
    assert [v["code"] for v in compliance.provider_class_violations(home, on, one_carer)] == ["home_ratio"]
    # before the 2023 rule there is no home-point limit
    assert compliance.provider_class_violations(home, D(2022, 6, 1), one_carer) == []


def test_slots_and_inclusive_slots(city: Any) -> None:
    centre = provider(kind="childcare_centre", inclusive_slots=30)
    ChildcareClass.objects.create(
        provider=centre,
        region_code=centre.region_code,
        name="A",
        class_type="toddler",
        capacity=15,
        carers=3,
    )
    ChildcareClass.objects.create(
        provider=centre,
        region_code=centre.region_code,
        name="B",
        class_type="older_toddler",
        capacity=20,
        carers=3,
    )
    assert compliance.slots(centre) == 35
    assert compliance.inclusive_slots_ok(centre)
    centre.inclusive_slots = 36
    assert not compliance.inclusive_slots_ok(centre)
    assert compliance.inclusive_slots_ok(provider())  # elder care: not applicable


# --- the 150-bed rule ----------------------------------------------------------------------------


def test_homes_of_150_beds_need_a_medical_room(city: Any) -> None:
    on = D(2024, 1, 1)
    big = provider(beds=150, nursing_beds=80)
    r = compliance.medical_compliance(big, on)
    assert r["required"] == "medical_room" and r["ok"] is False and str(r["message"])
    big.has_medical_room = True
    assert compliance.medical_compliance(big, on)["ok"] is True


def test_smaller_homes_need_a_valid_agreement(city: Any) -> None:
    on = D(2024, 1, 1)
    small = provider(beds=149, nursing_beds=80)
    r = compliance.medical_compliance(small, on)
    assert r["required"] == "agreement" and r["ok"] is False
    MedicalAgreement.objects.create(
        provider=small,
        region_code=small.region_code,
        partner="相山区人民医院",
        signed_on=D(2021, 1, 1),
        expires_on=D(2023, 12, 31),
    )
    assert compliance.medical_compliance(small, on)["ok"] is False  # expired
    MedicalAgreement.objects.create(
        provider=small, region_code=small.region_code, partner="市中医院", signed_on=D(2023, 6, 1)
    )
    assert compliance.medical_compliance(small, on)["ok"] is True


def test_medical_rule_does_not_apply_to_other_kinds(city: Any) -> None:
    r = compliance.medical_compliance(provider(kind="community_centre"), D(2024, 1, 1))
    assert r["applicable"] is False and r["ok"] is True and r["required"] is None


# --- staff ---------------------------------------------------------------------------------------


def _staff(inst: Provider, **extra: Any) -> StaffMember:
    values = {"name": "员工", "role": "eldercare_worker", "hired_on": D(2021, 1, 1)}
    values.update(extra)
    return StaffMember.objects.create(
        provider=inst,
        region_code=inst.region_code,
        id_number=make_id_number(seq=StaffMember.objects.count() + 1),
        **values,
    )


def _cert(
    member: StaffMember, expires_on: dt.date | None, number: str = "C1", kind: str = "职业资格证"
) -> Certificate:
    return Certificate.objects.create(
        staff=member, region_code=member.region_code, kind=kind, number=number, expires_on=expires_on
    )


def test_certified_on_duty(city: Any) -> None:
    inst = provider()
    member = _staff(inst)
    assert not compliance.staff_certified(member, D(2024, 1, 1))  # no certificate
    _cert(member, D(2024, 6, 30))
    assert compliance.staff_certified(member, D(2024, 6, 30))
    assert not compliance.staff_certified(member, D(2024, 7, 1))  # expired
    assert not compliance.staff_certified(member, D(2020, 6, 1))  # not yet hired
    member.left_on = D(2024, 3, 1)
    assert not compliance.staff_certified(member, D(2024, 3, 1))  # left


def test_expiring_certificates_within_the_warning_days(city: Any) -> None:
    inst = provider()
    on = D(2024, 1, 1)
    soon = _cert(_staff(inst), on + dt.timedelta(days=60))
    later = _cert(_staff(inst), on + dt.timedelta(days=61))
    expired = _cert(_staff(inst), on - dt.timedelta(days=1))
    renewed_member = _staff(inst)
    _cert(renewed_member, on + dt.timedelta(days=10), number="OLD")
    _cert(renewed_member, on + dt.timedelta(days=1000), number="NEW")
    found = set(compliance.expiring_certificates(Certificate.objects.all(), on))
    assert found == {soon, expired}
    assert later not in found


# --- prices --------------------------------------------------------------------------------------


def _priced(tier: str, price: str) -> Provider:
    inst = provider(supply_tier=tier)
    Price.objects.create(
        provider=inst,
        region_code=inst.region_code,
        item_id="bed_shared_month",
        price=decimal.Decimal(price),
        effective_from=D(2021, 1, 1),
    )
    return inst


def test_inclusive_price_above_80_percent_is_flagged(city: Any) -> None:
    MarketReferencePrice.objects.create(item_id="bed_shared_month", year=2024, price=decimal.Decimal("1000"))
    on = D(2024, 6, 1)
    high = _priced("inclusive", "850")
    flags = compliance.price_flags(high, on)
    assert [(f["item"], f["limit"], f["reference"]) for f in flags] == [
        ("bed_shared_month", decimal.Decimal("800.00"), decimal.Decimal("1000.00"))
    ]
    assert "80%" in str(flags[0]["message"])
    assert compliance.price_flags(_priced("inclusive", "800"), on) == []
    assert compliance.price_flags(_priced("market", "2000"), on) == []  # only inclusive providers
    assert compliance.price_flags(high, D(2023, 6, 1)) == []  # no reference for 2023 or before


def test_the_ratio_drops_to_70_percent_with_the_later_version(city: Any) -> None:
    MarketReferencePrice.objects.create(item_id="bed_shared_month", year=2030, price=decimal.Decimal("1000"))
    inst = _priced("inclusive", "750")
    assert compliance.price_flags(inst, D(2030, 12, 31)) == []
    flags = compliance.price_flags(inst, D(2031, 1, 1))  # the reference of 2030 still applies
    assert flags[0]["ratio"] == decimal.Decimal("0.7") and flags[0]["reference_year"] == 2030


def test_rules_are_data_a_city_brings_the_70_percent_forward(city: Any) -> None:
    MarketReferencePrice.objects.create(item_id="bed_shared_month", year=2026, price=decimal.Decimal("1000"))
    inst = _priced("inclusive", "750")
    on = D(2026, 3, 1)
    assert compliance.price_flags(inst, on) == []
    RuleVersion.objects.create(
        key="pricing.inclusive_ratio", effective_from=D(2026, 1, 1), data={"ratio": 0.7}, certainty="V"
    )
    assert [f["limit"] for f in compliance.price_flags(inst, on)] == [decimal.Decimal("700.00")]


# --- documents -----------------------------------------------------------------------------------


def test_missing_and_expired_documents(city: Any) -> None:
    on = D(2024, 1, 1)
    home = provider()
    assert {d["code"] for d in compliance.missing_documents(home, on)} == {
        "business_licence",
        "premises",
        "fire_safety",
        "filing_commitment",
    }
    make_documents(home)
    assert compliance.missing_documents(home, on) == []
    home.serves_meals = True
    assert [d["code"] for d in compliance.missing_documents(home, on)] == ["food_licence"]
    FilingDocument.objects.create(
        provider=home,
        region_code=home.region_code,
        kind="food_licence",
        number="JY1",
        expires_on=D(2023, 12, 31),
    )
    missing = compliance.missing_documents(home, on)
    assert [(d["code"], d["problem"]) for d in missing] == [("food_licence", "expired")]
    assert "2023-12-31" in str(missing[0]["message"])


def test_meal_points_always_need_a_food_licence(city: Any) -> None:
    point = provider(kind="meal_point")
    assert "food_licence" in {d["code"] for d in compliance.missing_documents(point, D(2024, 1, 1))}


def test_a_childcare_lease_runs_three_years(city: Any) -> None:
    centre = provider(kind="childcare_centre")
    make_documents(centre)
    premises = centre.documents.get(kind="premises")
    premises.issued_on, premises.expires_on = D(2023, 1, 1), D(2025, 12, 31)
    premises.save()
    problems = compliance.missing_documents(centre, D(2024, 1, 1))
    assert [(d["code"], d["problem"]) for d in problems] == [("premises", "short_lease")]
    premises.expires_on = D(2026, 1, 1)
    premises.save()
    assert compliance.missing_documents(centre, D(2024, 1, 1)) == []


def test_the_summary_collects_everything(city: Any) -> None:
    centre = provider(kind="childcare_centre", inclusive_slots=5)
    summary = compliance.provider_compliance(centre, D(2024, 1, 1))
    assert summary["slots"] == 0 and summary["inclusive_slots_ok"] is False
    assert summary["documents"] and summary["medical"]["applicable"] is False
