"""The demo city's providers: the plan's figures, the rules they respect, determinism, and what
lands in the database (through the actions), scoped as for any other provider."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from stdnum.cn import uscc as stdnum_uscc

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.idnumbers import parse_id_number
from laoxiao.demo import geo
from laoxiao.demo.generator import build_demo_city
from laoxiao.demo.kernel import CITY_CODE, COUNTIES, plan_regions
from laoxiao.demo.providers import (
    CARE_CERT,
    CLASS_LIMITS,
    HOME_POINT_LIMIT,
    class_plan,
    plan_providers,
)
from laoxiao.demo.supervision import plan_supervision

REFERENCE_DATE = dt.date(2021, 12, 31)  # the demo built as of the plan's reference day

CHILDCARE = ("childcare_centre", "home_childcare", "kindergarten_class", "workplace_childcare")
ELDER = ("eldercare_home", "community_centre", "meal_point")
PEOPLE_STEPS = {"elders", "elder-followup", "children", "child-followup"}


@pytest.fixture(scope="module")
def regions():
    return plan_regions(1)


@pytest.fixture(scope="module")
def plan(regions):
    return plan_providers(regions, seed=1, scale=1.0, as_of=REFERENCE_DATE)


def filed_homes(plan):
    return [p for p in plan.providers if p.kind == "eldercare_home" and p.status == "filed"]


def test_scale_one_has_the_plans_figures(plan):
    centres = [p for p in plan.providers if p.kind == "community_centre"]
    assert len(centres) == 186
    assert Counter(p.record["centre_level"] for p in centres) == {
        "county": 4,
        "township": 33,
        "community": 149,
    }
    assert all(p.status == "filed" for p in centres)
    assert any(p.record["serves_meals"] for p in centres) and not all(
        p.record["serves_meals"] for p in centres
    )
    meal_points = [p for p in plan.providers if p.kind == "meal_point"]
    assert len(meal_points) == 150 and all(p.status == "filed" for p in meal_points)

    homes = filed_homes(plan)
    assert len(homes) == 51
    beds = sum(p.beds for p in homes)
    nursing = sum(p.record["nursing_beds"] for p in homes)
    assert nursing == 5_206 and beds == 9_933
    assert 0.524 <= nursing / beds < 0.525
    assert sum(p.record["has_medical_room"] for p in homes) == 19
    integrated = [p for p in homes if p.record["is_medical_integrated"]]
    assert len(integrated) == 10 and sum(p.beds for p in integrated) == 2_103
    assert sum(p.record.get("is_backbone", False) for p in plan.providers) == 7
    for p in homes:
        assert 0 <= p.record["nursing_beds"] <= p.beds
        assert 0.55 * p.beds - 1 <= p.record["occupied_beds"] <= 0.85 * p.beds + 1
        if p.beds >= 150:  # the plan's 150-bed rule
            assert p.record["has_medical_room"], p.record["name"]
    workflow = [p for p in plan.providers if p.kind == "eldercare_home" and p.status != "filed"]
    assert {p.status for p in workflow} == {"draft", "submitted", "accepted", "returned"}

    childcare = [p for p in plan.providers if p.kind in CHILDCARE]
    assert len(childcare) == 43 and sum(p.slots for p in childcare) == 1_869
    assert sum(p.status == "filed" for p in childcare) == 20
    assert sum(p.group == "childcare_demonstration" for p in childcare) == 3
    assert {p.kind for p in childcare} == set(CHILDCARE)

    elder_staff = [s for p in plan.providers if p.kind in ELDER for s in p.staff]
    assert len(elder_staff) == 3_242
    roles = Counter(s["role"] for s in elder_staff)
    assert roles["social_worker"] == 97
    assert 0.55 <= roles["eldercare_worker"] / len(elder_staff) <= 0.65
    certified = [
        s
        for s in elder_staff
        if s["role"] == "eldercare_worker"
        and s.get("certificate_kind") == CARE_CERT
        and (s["certificate_expires_on"] is None or s["certificate_expires_on"] >= REFERENCE_DATE)
    ]
    assert len(certified) == 529
    child_staff = [s for p in childcare for s in p.staff]
    assert 0.9 <= sum(bool(s.get("certificate_kind")) for s in child_staff) / len(child_staff) <= 1
    expiring = [
        s
        for p in plan.providers
        for s in p.staff
        if s.get("certificate_expires_on")
        and REFERENCE_DATE <= s["certificate_expires_on"] <= REFERENCE_DATE + dt.timedelta(days=60)
    ]
    assert 3 <= len(expiring) <= 20


def test_classes_follow_the_standard(plan):
    for p in plan.providers:
        if p.kind not in CHILDCARE:
            assert not p.classes
            continue
        assert p.classes, p.record["name"]
        names = [c["name"] for c in p.classes]
        assert len(names) == len(set(names))
        for c in p.classes:
            size, per = CLASS_LIMITS[c["class_type"]]
            assert 0 < c["capacity"] <= size
            assert c["carers"] * per >= c["capacity"]
        if p.kind == "home_childcare":
            assert p.slots <= HOME_POINT_LIMIT[0]
            assert sum(c["carers"] for c in p.classes) * HOME_POINT_LIMIT[1] >= p.slots
        assert 0 <= p.record["inclusive_slots"] <= p.slots
        if p.record["supply_tier"] != "inclusive":
            assert p.record["inclusive_slots"] == 0
    for slots in range(1, 160):
        classes = class_plan("childcare_centre", slots, __import__("numpy").random.default_rng(slots))
        assert sum(c["capacity"] for c in classes) == slots


def test_codes_places_and_people_are_valid(plan, regions):
    codes = [p.uscc for p in plan.providers]
    assert len(set(codes)) == len(codes)
    assert all(stdnum_uscc.is_valid(c) for c in codes)
    by_code = {r.code: r for r in regions}
    shapes = geo.county_shapes(CITY_CODE)
    for p in plan.providers:
        community = by_code[p.record["region_code"]]
        assert community.level == "community"
        assert geo.contains(shapes[community.code[:6]], p.record["lon"], p.record["lat"])
        assert geo.distance_km(community.lon, community.lat, p.record["lon"], p.record["lat"]) <= 0.5
    counties = {c.code6 for c in COUNTIES}
    ids = [s["id_number"] for p in plan.providers for s in p.staff]
    assert len(set(ids)) == len(ids)
    for number in ids[::37]:
        parse_id_number(number, today=REFERENCE_DATE, extra_codes=counties)
    for p in plan.providers:
        for s in p.staff:
            assert s["hired_on"] <= REFERENCE_DATE and s["left_on"] is None


def test_same_seed_same_providers_and_another_seed_differs(plan, regions):
    again = plan_providers(regions, seed=1, scale=1.0, as_of=REFERENCE_DATE)
    assert [p.record for p in again.providers] == [p.record for p in plan.providers]
    assert [p.staff for p in again.providers] == [p.staff for p in plan.providers]
    assert [p.documents for p in again.providers] == [p.documents for p in plan.providers]
    assert plan_supervision(again, seed=1, scale=1.0) == plan_supervision(plan, seed=1, scale=1.0)
    other = plan_providers(regions, seed=2, scale=1.0, as_of=REFERENCE_DATE)
    assert [p.uscc for p in other.providers] != [p.uscc for p in plan.providers]


def test_supervision_plan_has_the_chosen_records(plan):
    sp = plan_supervision(plan, seed=1, scale=1.0)
    homes = filed_homes(plan)
    inspected = {i["uscc"] for i in sp.inspections}
    assert 40 <= sum(p.uscc in inspected for p in homes) < len(homes)  # a few homes never inspected
    results = Counter(i["result"] for i in sp.inspections)
    assert results["pass"] > results["rectify"] > 0
    assert all(i["orders"] for i in sp.inspections if i["result"] != "pass")
    assert len(sp.complaints) == 60
    assert Counter(c["source"] for c in sp.complaints).most_common(1)[0][0] == "hotline_12345"
    assert len(sp.incidents) == 25
    assert Counter(i["kind"] for i in sp.incidents).most_common(1)[0][0] == "fall"
    assert len(sp.risk_signals) == 3 and len(sp.grades) == 20 and len(sp.demonstrations) == 3
    assert {g["grade"] for g in sp.grades} <= {1, 2, 3, 4, 5}


@pytest.mark.django_db
def test_providers_in_the_database_match_the_plan_and_are_scoped():
    """The providers step (a third of the city, without supervision and people) writes what the
    plan holds through the actions; a 濉溪县 officer sees only 濉溪县 providers of their sector."""
    from laoxiao.core.models import ChangeLog
    from laoxiao.providers import compliance
    from laoxiao.providers.models import ChildcareClass, FilingEvent, Provider, StaffMember

    ctx = build_demo_city(2, 0.3, years=(2021,), as_of=REFERENCE_DATE, skip={"supervision", *PEOPLE_STEPS})
    plan = plan_providers(ctx.regions, seed=2, scale=0.3, as_of=REFERENCE_DATE)
    homes = Provider.objects.filter(kind="eldercare_home", filing_status="filed")
    planned = filed_homes(plan)
    assert homes.count() == len(planned) == 15  # 51 × 0.3
    assert sum(homes.values_list("nursing_beds", flat=True)) == 1_562  # 5,206 × 0.3
    assert sum(homes.values_list("beds", flat=True)) == 2_980  # 9,933 × 0.3
    assert homes.filter(has_medical_room=True).count() == 6
    for home in homes.filter(beds__gte=150):
        assert compliance.medical_compliance(home, REFERENCE_DATE)["ok"]
    small = homes.filter(beds__lt=150).prefetch_related("medical_agreements")
    assert any(not compliance.medical_compliance(h, REFERENCE_DATE)["ok"] for h in small)
    assert Provider.objects.filter(kind="community_centre", filing_status="filed").count() == 1 + 10 + 45
    childcare = Provider.objects.filter(kind__in=CHILDCARE)
    assert childcare.count() == 13
    assert sum(ChildcareClass.objects.values_list("capacity", flat=True)) == 561  # 1,869 × 0.3
    for inst in childcare.filter(filing_status="filed").prefetch_related("classes"):
        assert not compliance.provider_class_violations(inst, REFERENCE_DATE)
    assert StaffMember.objects.filter(provider__kind__in=ELDER).count() == 973  # 3,242 × 0.3
    assert Provider.objects.exclude(filing_status="filed").exists()
    returned = FilingEvent.objects.filter(to_status="returned")
    assert all(e.reasons for e in returned)
    inclusive = Provider.objects.filter(supply_tier="inclusive", filing_status="filed").prefetch_related(
        "prices"
    )
    assert any(compliance.price_flags(i, REFERENCE_DATE) for i in inclusive)
    # written through the actions: every provider and staff member has its change-log entry
    assert ChangeLog.objects.filter(target_type="providers.provider", action="create").count() == (
        Provider.objects.count()
    )
    assert (
        ChangeLog.objects.filter(target_type="providers.staffmember").count() == StaffMember.objects.count()
    )

    officer = make_user("sx_mz_demo", ["civil_affairs_county"], ["340621000000"])
    seen = Provider.objects.visible_to(officer)
    assert seen.count() == Provider.objects.filter(region_code__startswith="340621", kind__in=ELDER).count()
    assert seen.count() > 10
    assert all(code.startswith("340621") for code in seen.values_list("region_code", flat=True))
    health = make_user("sx_wj_demo", ["health_county"], ["340621000000"])
    kinds = set(Provider.objects.visible_to(health).values_list("kind", flat=True))
    assert kinds <= set(CHILDCARE)


@pytest.mark.django_db
def test_small_city_with_supervision_is_rerun_safe_and_operators_get_providers():
    from laoxiao.accounts.actions import system_actor
    from laoxiao.accounts.models import User
    from laoxiao.core.models import ChangeLog
    from laoxiao.demo.accounts import demo_accounts_ensure
    from laoxiao.providers.models import Provider
    from laoxiao.supervision.models import (
        Alert,
        Complaint,
        CreditRating,
        DemonstrationDecision,
        GradeRating,
        Incident,
        Inspection,
        RiskSignal,
    )

    ctx = build_demo_city(4, 0.2, years=(2021,), as_of=REFERENCE_DATE, skip=PEOPLE_STEPS)
    assert ctx.summary["supervision"]["inspections"] == Inspection.objects.count() > 0
    assert Complaint.objects.count() == 12 and Incident.objects.count() == 5
    assert RiskSignal.objects.count() == Alert.objects.filter(kind="risk_signal").count() == 1
    assert GradeRating.objects.count() == 4
    assert (
        DemonstrationDecision.objects.count() == Provider.objects.filter(is_demonstration=True).count() == 1
    )
    rated = Provider.objects.exclude(filing_status__in=("draft", "withdrawn", "closed"))
    assert CreditRating.objects.filter(computed_on=REFERENCE_DATE).count() == rated.count()
    assert len(set(CreditRating.objects.values_list("level", flat=True))) > 1
    log_rows = ChangeLog.objects.count()
    ctx = build_demo_city(4, 0.2, years=(2021,), as_of=REFERENCE_DATE, skip=PEOPLE_STEPS)
    assert ctx.summary["providers"].created == 0 and ctx.summary["providers"].updated == 0
    assert ChangeLog.objects.count() == log_rows  # the same seed again changes nothing

    demo_accounts_ensure(actor=system_actor())
    operator = User.objects.get(username="provider_demo")
    assert operator.provider is not None and operator.provider.kind == "eldercare_home"
    assert operator.provider.region_code.startswith("340603")
    nursery = User.objects.get(username="provider_childcare").provider
    assert nursery is not None and nursery.kind in CHILDCARE
    assert set(Provider.objects.visible_to(operator).values_list("pk", flat=True)) == {operator.provider.pk}
