"""Meals (issue 13 part 6): the subsidy by age band and category, the cap per day, the database
constraint, diners, scope and permission, the settlement and its approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.services.actions import meals as actions
from laoxiao.services.models import MealRecord, MealSettlement
from laoxiao.services.tests.factories_meals import (
    SX1,
    make_category,
    make_diner,
    make_home,
    make_meal_point,
    make_operator,
    make_person,
)

DAY = dt.date(2025, 6, 10)


@pytest.fixture(autouse=True)
def _today(settings: Any) -> None:
    settings.LAOXIAO_TODAY = "2025-06-30"


@pytest.fixture
def point(city: Any) -> Any:
    return make_meal_point()


def _meal(
    actor: Any,
    elder: Any,
    point: Any,
    *,
    slot: str = "lunch",
    price: int = 1200,
    day: dt.date = DAY,
    ref: str = "",
) -> MealRecord:
    return actions.meal_record(
        actor=actor,
        elder=elder,
        provider=point,
        served_on=day,
        slot=slot,
        mode="dine_in",
        verified_by="id_card",
        price_fen=price,
        external_ref=ref,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("age", "fen"), [(65, 100), (69, 100), (70, 200), (79, 200), (80, 300), (92, 300)])
def test_subsidy_by_age_band(xiangshan_officer: Any, point: Any, age: int, fen: int) -> None:
    elder = make_person(xiangshan_officer, age=age, on=DAY)
    make_diner(elder, point)
    meal = _meal(xiangshan_officer, elder, point)
    assert (meal.subsidy_fen, meal.paid_fen) == (fen, 1200 - fen)
    assert meal.subsidy_reason


@pytest.mark.django_db
def test_category_wins_when_higher_and_subsidy_never_over_price(xiangshan_officer: Any, point: Any) -> None:
    elder = make_person(xiangshan_officer, age=65, on=DAY)
    make_diner(elder, point)
    make_category(elder, "dibao")
    assert _meal(xiangshan_officer, elder, point).subsidy_fen == 300
    cheap = _meal(xiangshan_officer, elder, point, slot="lunch", day=DAY - dt.timedelta(days=1), price=250)
    assert (cheap.subsidy_fen, cheap.paid_fen) == (250, 0)


@pytest.mark.django_db
def test_one_subsidised_meal_a_day(xiangshan_officer: Any, point: Any) -> None:
    elder = make_person(xiangshan_officer, age=82, on=DAY)
    make_diner(elder, point)
    lunch = _meal(xiangshan_officer, elder, point, slot="lunch")
    dinner = _meal(xiangshan_officer, elder, point, slot="dinner")
    second_lunch = _meal(xiangshan_officer, elder, point, slot="lunch")
    assert lunch.subsidy_fen == 300
    assert dinner.subsidy_fen == 0 and dinner.paid_fen == 1200
    assert second_lunch.subsidy_fen == 0
    assert MealRecord.objects.filter(elder=elder, subsidy_fen__gt=0).count() == 1


@pytest.mark.django_db
def test_not_a_diner_gets_no_subsidy_and_dead_person_is_refused(xiangshan_officer: Any, point: Any) -> None:
    elder = make_person(xiangshan_officer, age=82, on=DAY)
    assert _meal(xiangshan_officer, elder, point).subsidy_fen == 0
    late = make_person(xiangshan_officer, age=82, on=DAY)
    make_diner(late, point)
    late.died_on = DAY - dt.timedelta(days=3)
    late.save()
    with pytest.raises(ValidationError) as err:
        _meal(xiangshan_officer, late, point)
    assert "served_on" in err.value.message_dict


@pytest.mark.django_db
def test_database_refuses_a_second_subsidised_lunch(xiangshan_officer: Any, point: Any) -> None:
    elder = make_person(xiangshan_officer, age=82, on=DAY)
    make_diner(elder, point)
    first = _meal(xiangshan_officer, elder, point)
    with pytest.raises(IntegrityError), transaction.atomic():
        MealRecord.objects.create(
            elder=elder,
            provider=point,
            region_code=elder.region_code,
            served_on=first.served_on,
            slot="lunch",
            mode="dine_in",
            verified_by="face",
            price_fen=1000,
            subsidy_fen=100,
            paid_fen=900,
            recorded_at=first.recorded_at,
        )


@pytest.mark.django_db
def test_till_reference_recorded_once(xiangshan_officer: Any, point: Any) -> None:
    elder = make_person(xiangshan_officer, age=82, on=DAY)
    make_diner(elder, point)
    a = _meal(xiangshan_officer, elder, point, ref="T-1")
    b = _meal(xiangshan_officer, elder, point, ref="T-1")
    assert a.pk == b.pk and MealRecord.objects.count() == 1
    assert ChangeLog.objects.filter(target_type="services.mealrecord", target_id=str(a.pk)).count() == 1


@pytest.mark.django_db
def test_scope_and_permission(xiangshan_officer: Any, point: Any) -> None:
    elder = make_person(xiangshan_officer, age=82, on=DAY)
    sx = make_user("sx_mz2", ["civil_affairs_county"], ["340621000000"])
    with pytest.raises(NotFound):
        _meal(sx, elder, point)
    health = make_user("xs_wj2", ["health_county"], ["340603000000"])
    with pytest.raises(PermissionDenied):
        _meal(health, elder, point)
    other_point = make_meal_point()
    with pytest.raises(NotFound):  # another point's operator does not see this person
        _meal(make_operator(other_point), elder, point)
    # the point's own operator records meals for people living elsewhere
    far = make_person(sx, age=75, region=SX1, on=DAY)
    assert _meal(make_operator(point), far, point).pk
    with pytest.raises(ValidationError) as err:
        _meal(xiangshan_officer, elder, point, slot="supper")
    assert "slot" in err.value.message_dict


@pytest.mark.django_db
def test_diner_register(xiangshan_officer: Any, point: Any) -> None:
    elder = make_person(xiangshan_officer, age=70, on=DAY)
    diner = actions.diner_register(actor=xiangshan_officer, elder=elder, provider=point, delivery=True)
    assert diner.delivery and diner.registered_on == dt.date(2025, 6, 30)
    again = actions.diner_register(actor=xiangshan_officer, elder=elder, provider=point)
    assert again.pk == diner.pk and not again.delivery
    assert ChangeLog.objects.filter(target_type="services.diner").count() == 2
    with pytest.raises(ValidationError) as err:
        actions.diner_register(actor=xiangshan_officer, elder=elder, provider=make_home())
    assert "provider" in err.value.message_dict


@pytest.mark.django_db
def test_settlement_idempotent_and_approval_rules(xiangshan_officer: Any, point: Any) -> None:
    elder = make_person(xiangshan_officer, age=82, on=DAY)
    make_diner(elder, point)
    _meal(xiangshan_officer, elder, point, slot="lunch")
    _meal(xiangshan_officer, elder, point, slot="dinner")
    [s] = actions.meal_settlement_build(actor=xiangshan_officer, period=dt.date(2025, 6, 1))
    assert (s.meals, s.subsidised, s.price_fen, s.subsidy_fen) == (2, 1, 2400, 300)
    logs = ChangeLog.objects.count()
    [again] = actions.meal_settlement_build(period=dt.date(2025, 6, 1))
    assert again.pk == s.pk and ChangeLog.objects.count() == logs
    # the preparer may not approve; a township officer is not the county office
    with pytest.raises(PermissionDenied):
        actions.meal_settlement_approve(actor=xiangshan_officer, settlement=s)
    town = make_user("xs_town2", ["civil_affairs_township"], ["340603001000"])
    with pytest.raises(PermissionDenied):
        actions.meal_settlement_approve(actor=town, settlement=s)
    sx = make_user("sx_mz3", ["civil_affairs_county"], ["340621000000"])
    with pytest.raises(NotFound):
        actions.meal_settlement_approve(actor=sx, settlement=s)
    county = make_user("xs_mz_b", ["civil_affairs_county"], ["340603000000"])
    done = actions.meal_settlement_approve(actor=county, settlement=s)
    assert done.status == MealSettlement.Status.APPROVED and done.approved_by == county
    with pytest.raises(ValidationError):
        actions.meal_settlement_approve(actor=county, settlement=s)
    # an approved month never changes
    _meal(xiangshan_officer, elder, point, slot="breakfast", day=DAY + dt.timedelta(days=1))
    actions.meal_settlement_build(period=dt.date(2025, 6, 1))
    s.refresh_from_db()
    assert (s.meals, s.status) == (2, "approved")
    assert MealRecord.objects.filter(settlement__isnull=True).count() == 1


@pytest.mark.django_db
def test_constraint_hit_is_a_clean_refusal(xiangshan_officer: Any, point: Any, monkeypatch: Any) -> None:
    """Were the per-person lock and the count ever bypassed, the database constraint still refuses
    the second subsidised lunch, as a ValidationError on ``slot`` (a 422), not a 500."""
    elder = make_person(xiangshan_officer, age=82, on=DAY)
    make_diner(elder, point)
    _meal(xiangshan_officer, elder, point)
    monkeypatch.setattr(actions, "_existing_subsidised", lambda *_a: {})
    with pytest.raises(ValidationError) as err:
        _meal(xiangshan_officer, elder, point)
    assert "slot" in err.value.message_dict
    assert MealRecord.objects.filter(elder=elder).count() == 1
