"""Entitlements derived from the registry: each group, each end reason, idempotent refresh, scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.people.models import AbilityAssessment, Elder, ElderCategory, InstitutionStay
from laoxiao.people.tests.factories import make_items
from laoxiao.providers.tests.factories import make_provider
from laoxiao.services.actions.entitlements import entitlement_end, entitlement_grant, entitlements_refresh
from laoxiao.services.models import Entitlement
from laoxiao.services.selectors.entitlements import entitlement_of_month
from laoxiao.services.tests.factories_orders import SX1, make_person

ON = dt.date(2026, 3, 2)
LATER = dt.date(2026, 4, 1)


def category(elder: Elder, code: str, mode: str = "", since: dt.date = dt.date(2020, 1, 1)) -> ElderCategory:
    return ElderCategory.objects.create(
        elder=elder, region_code=elder.region_code, category=code, support_mode=mode, valid_from=since
    )


def assess(elder: Elder, level: str, on: dt.date) -> AbilityAssessment:
    return AbilityAssessment.objects.create(
        elder=elder,
        region_code=elder.region_code,
        assessed_on=on,
        reason="first",
        items=make_items(10),
        self_care=1,
        mobility=1,
        mental=1,
        perception=1,
        total=10,
        preliminary_level=level,
        level=level,
    )


@pytest.fixture
def people(city: dict[str, Any], xiangshan_officer: Any) -> dict[str, Elder]:
    o = xiangshan_officer
    with clock.frozen(ON):
        p = {
            "poor_dispersed": make_person(o, 1, birth=dt.date(1950, 1, 1)),
            "poor_institutional": make_person(o, 2, birth=dt.date(1950, 1, 1)),
            "dibao_82": make_person(o, 3, birth=dt.date(1944, 1, 1)),
            "dibao_70": make_person(o, 4, birth=dt.date(1956, 1, 1)),
            "moderate": make_person(o, 5, birth=dt.date(1955, 1, 1)),
            "mild": make_person(o, 6, birth=dt.date(1955, 1, 1)),
            "fp": make_person(o, 7, birth=dt.date(1960, 1, 1)),
            "plain": make_person(o, 8, birth=dt.date(1940, 1, 1)),
        }
    category(p["poor_dispersed"], "extreme_poverty", "dispersed")
    category(p["poor_institutional"], "extreme_poverty", "institutional")
    category(p["dibao_82"], "dibao")
    category(p["dibao_70"], "dibao")
    assess(p["moderate"], "moderate", dt.date(2025, 6, 1))
    assess(p["mild"], "severe", dt.date(2024, 6, 1))
    assess(p["mild"], "mild", dt.date(2025, 6, 1))  # the latest counts
    category(p["fp"], "fp_special")
    return p


def groups() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in Entitlement.objects.filter(source="derived", valid_to__isnull=True).select_related("elder"):
        out.setdefault(e.group, set()).add(e.elder.name)
    return out


@pytest.mark.django_db
def test_each_group_is_derived_with_its_reason(people: dict[str, Elder], xiangshan_officer: Any) -> None:
    counts = entitlements_refresh(actor=xiangshan_officer, region_code="340603000000", on=ON)
    assert counts["created"] == 4
    g = groups()
    assert g == {
        "extreme_poverty_dispersed": {people["poor_dispersed"].name},
        "dibao_low_income_80": {people["dibao_82"].name},
        "ability_moderate": {people["moderate"].name},
        "fp_special": {people["fp"].name},
    }
    row = Entitlement.objects.get(elder=people["dibao_82"])
    assert row.monthly_fen == 60000 and row.valid_from == ON and "82" in row.reason
    assert row.rule_version.startswith("services.entitlement_groups@")
    assert ChangeLog.objects.filter(target_type="services.entitlement").exists()


@pytest.mark.django_db
def test_refresh_twice_changes_nothing(people: dict[str, Elder], xiangshan_officer: Any) -> None:
    entitlements_refresh(actor=xiangshan_officer, region_code="340603000000", on=ON)
    rows = list(Entitlement.objects.values_list("pk", "valid_from", "valid_to", "reason", "monthly_fen"))
    logs = ChangeLog.objects.count()
    again = entitlements_refresh(actor=xiangshan_officer, region_code="340603000000", on=ON)
    assert again == {"created": 0, "ended": 0, "updated": 0, "unchanged": 4}
    assert (
        list(Entitlement.objects.values_list("pk", "valid_from", "valid_to", "reason", "monthly_fen")) == rows
    )
    assert ChangeLog.objects.count() == logs


@pytest.mark.django_db
def test_each_end_reason_with_the_records_own_date(
    people: dict[str, Elder], xiangshan_officer: Any, city: dict[str, Any]
) -> None:
    entitlements_refresh(actor=xiangshan_officer, region_code="340603000000", on=ON)
    died, stay, moved = dt.date(2026, 3, 10), dt.date(2026, 3, 15), dt.date(2026, 3, 20)
    Elder.objects.filter(pk=people["poor_dispersed"].pk).update(died_on=died)
    home = make_provider(9)
    InstitutionStay.objects.create(
        elder=people["dibao_82"], region_code=people["dibao_82"].region_code, provider=home, admitted_on=stay
    )
    Elder.objects.filter(pk=people["moderate"].pk).update(moved_out_on=moved)
    ElderCategory.objects.filter(elder=people["fp"]).update(valid_to=dt.date(2026, 3, 25))
    counts = entitlements_refresh(actor=xiangshan_officer, region_code="340603000000", on=LATER)
    assert counts["ended"] == 4 and counts["created"] == 0
    ends = {e.elder_id: (e.end_reason, e.valid_to) for e in Entitlement.objects.all()}
    assert ends[people["poor_dispersed"].pk] == ("died", died)
    assert ends[people["dibao_82"].pk] == ("institution", stay)
    assert ends[people["moderate"].pk] == ("moved", moved)
    assert ends[people["fp"].pk] == ("no_longer", LATER - dt.timedelta(days=1))
    assert entitlements_refresh(actor=xiangshan_officer, region_code="340603000000", on=LATER)["ended"] == 0


@pytest.mark.django_db
def test_scope_and_permission(people: dict[str, Elder], xiangshan_officer: Any, city: dict[str, Any]) -> None:
    suixi = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
    with pytest.raises(NotFound):
        entitlements_refresh(actor=suixi, region_code="340603000000", on=ON)
    with pytest.raises(PermissionDenied):
        entitlements_refresh(actor=xiangshan_officer, on=ON)  # the whole city: an administrator
    # a Suixi refresh leaves Xiangshan alone
    with clock.frozen(ON):
        make_person(suixi, 20, region=SX1)
    assert entitlements_refresh(actor=suixi, region_code="340621000000", on=ON)["created"] == 0
    assert not Entitlement.objects.exists()
    with pytest.raises(NotFound):
        entitlement_grant(actor=suixi, elder=people["plain"], monthly_fen=100, valid_from=ON, note="x")


@pytest.mark.django_db
def test_grant_needs_a_note_and_adds_to_the_month(people: dict[str, Elder], xiangshan_officer: Any) -> None:
    elder = people["poor_dispersed"]
    entitlements_refresh(actor=xiangshan_officer, region_code="340603000000", on=ON)
    with pytest.raises(ValidationError) as err:
        entitlement_grant(actor=xiangshan_officer, elder=elder, monthly_fen=5000, valid_from=ON, note=" ")
    assert "note" in err.value.message_dict
    grant = entitlement_grant(
        actor=xiangshan_officer, elder=elder, monthly_fen=5000, valid_from=ON, note="独居"
    )
    month = entitlement_of_month(actor=xiangshan_officer, elder=elder, period=ON)
    assert month["monthly_fen"] == 65000 and month["remaining_fen"] == 65000 and len(month["reasons"]) == 2
    entitlement_end(actor=xiangshan_officer, entitlement=grant, valid_to=dt.date(2026, 3, 31))
    grant.refresh_from_db()
    assert grant.end_reason == "ended" and grant.valid_to == dt.date(2026, 3, 31)
    assert entitlement_of_month(actor=xiangshan_officer, elder=elder, period=LATER)["monthly_fen"] == 60000
    derived = Entitlement.objects.get(elder=elder, source="derived")
    with pytest.raises(ValidationError):
        entitlement_end(actor=xiangshan_officer, entitlement=derived, valid_to=ON)
