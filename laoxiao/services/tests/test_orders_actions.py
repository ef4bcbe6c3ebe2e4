"""Orders: the price split against the entitlement, the certificate on assignment, who may do
what, care plans made once, overdue orders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.providers.models import Certificate, ServiceItem
from laoxiao.services.actions import care_plans, orders
from laoxiao.services.models import CarePlan, ServiceOrder
from laoxiao.services.selectors import orders as sel
from laoxiao.services.tests.factories_orders import (
    DAY,
    NOW,
    at,
    make_family,
    make_grant,
    make_home_provider,
    make_operator,
    make_order,
    make_person,
    make_worker,
)
from laoxiao.supervision.models import Complaint


@pytest.fixture
def w(city: dict[str, Any], xiangshan_officer: Any) -> dict[str, Any]:
    with clock.frozen(NOW):
        elder = make_person(xiangshan_officer)
        provider = make_home_provider()
        return {
            "elder": elder,
            "provider": provider,
            "family": make_family(elder),
            "operator": make_operator(provider),
            "officer": xiangshan_officer,
        }


@pytest.mark.django_db
def test_second_order_of_the_month_gets_less_government_money(w: dict[str, Any]) -> None:
    make_grant(w["elder"], 8000)  # 80 元 a month; a bath is bought at 60 元
    with clock.frozen(NOW):
        first = make_order(w["family"], w["elder"], w["provider"])
        second = make_order(w["family"], w["elder"], w["provider"], when=at(DAY + dt.timedelta(days=2)))
        third = make_order(w["family"], w["elder"], w["provider"], when=at(DAY + dt.timedelta(days=3)))
        april = make_order(w["family"], w["elder"], w["provider"], when=at(dt.date(2026, 4, 7)))
    assert (first.gov_fen, first.self_fen) == (6000, 0)
    # 20 元 left: a third of the bath bought, two thirds paid at the provider's 80 元
    assert (second.gov_fen, second.self_fen) == (2000, 5333)
    assert (third.gov_fen, third.self_fen) == (0, 8000)
    assert april.gov_fen == 6000  # a new month, a new entitlement
    for o in (first, second, third, april):
        assert o.price_fen == o.gov_fen + o.self_fen
    # a cancelled order gives its money back to the month
    with clock.frozen(NOW):
        orders.order_cancel(actor=w["family"], order=first)
        fourth = make_order(w["family"], w["elder"], w["provider"], when=at(DAY + dt.timedelta(days=4)))
    assert fourth.gov_fen == 6000


@pytest.mark.django_db
def test_items_per_hour_are_priced_per_started_hour(w: dict[str, Any]) -> None:
    make_grant(w["elder"], 60000)
    with clock.frozen(NOW):
        o = make_order(w["family"], w["elder"], w["provider"], item="hv_cleaning", minutes=90)
    assert o.gov_fen == 2 * 3500 and o.self_fen == 0


@pytest.mark.django_db
def test_without_entitlement_everything_is_self_paid_and_a_missing_price_is_refused(
    w: dict[str, Any],
) -> None:
    with clock.frozen(NOW):
        o = make_order(w["family"], w["elder"], w["provider"])
        assert (o.gov_fen, o.self_fen) == (0, 8000)
        with pytest.raises(ValidationError) as err:
            make_order(w["family"], w["elder"], w["provider"], item="hv_medication", minutes=20)
        assert "item" in err.value.message_dict


@pytest.mark.django_db
def test_assign_refuses_a_worker_without_a_valid_certificate(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        o = make_order(w["family"], w["elder"], w["provider"])
        orders.order_accept(actor=w["operator"], order=o)
        plain = make_worker(w["provider"], 2, certificate=False)
        expired = make_worker(w["provider"], 3, expires_on=DAY)  # expires the day before the bath
        good = make_worker(w["provider"], 4)
        other = make_worker(make_home_provider(2), 5)
        for worker in (plain, expired, other):
            with pytest.raises(ValidationError) as err:
                orders.order_assign(actor=w["operator"], order=o, worker=worker)
            assert "worker" in err.value.message_dict
        assert {x.pk for x in sel.qualified_workers(ServiceOrder.objects.get(pk=o.pk))} == {good.pk}
        # a walk needs no certificate
        walk = make_order(w["family"], w["elder"], w["provider"], item="hv_walk", minutes=30)
        orders.order_accept(actor=w["operator"], order=walk)
        assert orders.order_assign(actor=w["operator"], order=walk, worker=plain).status == "assigned"
        assert orders.order_assign(actor=w["operator"], order=o, worker=good).worker_id == good.pk
    assert Certificate.objects.filter(staff=expired).exists()


@pytest.mark.django_db
def test_who_may_do_what(w: dict[str, Any], city: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        o = make_order(w["officer"], w["elder"], w["provider"])
        assert o.channel == "community"
        with pytest.raises(PermissionDenied):
            orders.order_accept(actor=w["officer"], order=o)
        with pytest.raises(PermissionDenied):
            orders.order_accept(actor=w["family"], order=o)
        stranger = make_user("fam-x", ["family_member"], [])
        with pytest.raises(NotFound):
            orders.order_cancel(actor=stranger, order=o)
        with pytest.raises(NotFound):
            make_order(stranger, w["elder"], w["provider"])
        orders.order_accept(actor=w["operator"], order=o)
        with pytest.raises(ValidationError) as err:
            orders.order_accept(actor=w["operator"], order=o)
        assert "status" in err.value.message_dict
        with pytest.raises(ValidationError) as err:
            orders.order_confirm(actor=w["family"], order=o, rating=5)
        assert "status" in err.value.message_dict
        by_op = make_order(w["operator"], w["elder"], w["provider"], when=at(DAY + dt.timedelta(days=5)))
        assert by_op.channel == "provider"
    assert ChangeLog.objects.filter(target_type="services.serviceorder", action="status").count() == 1


@pytest.mark.django_db
def test_overdue_orders_are_listed(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        o = make_order(w["family"], w["elder"], w["provider"])
        assert not sel.overdue_orders(actor=w["operator"]).exists()
    later = NOW + dt.timedelta(hours=25)
    with clock.frozen(later):
        assert [x.pk for x in sel.overdue_orders(actor=w["operator"])] == [o.pk]
        orders.order_accept(actor=w["operator"], order=o)
        assert not sel.overdue_orders(actor=w["operator"]).exists()


@pytest.mark.django_db
def test_care_plan_makes_its_orders_once(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        item = ServiceItem.objects.get(code="hv_walk")
        with pytest.raises(PermissionDenied):
            care_plans.care_plan_create(
                actor=w["officer"],
                elder=w["elder"],
                provider=w["provider"],
                item=item,
                weekdays=[2],
                start_time=dt.time(9),
                minutes=60,
                valid_from=DAY,
            )
        with pytest.raises(ValidationError) as err:
            care_plans.care_plan_create(
                actor=w["operator"],
                elder=w["elder"],
                provider=w["provider"],
                item=item,
                weekdays=[0, 9],
                start_time=dt.time(9),
                minutes=60,
                valid_from=DAY,
            )
        assert "weekdays" in err.value.message_dict
        plan = care_plans.care_plan_create(
            actor=w["operator"],
            elder=w["elder"],
            provider=w["provider"],
            item=item,
            weekdays=[2, 4],
            start_time=dt.time(9),
            minutes=60,
            valid_from=DAY,
        )
        first = care_plans.orders_from_plans(actor=w["operator"], provider=w["provider"], days_ahead=14)
        again = care_plans.orders_from_plans(actor=w["operator"], provider=w["provider"], days_ahead=14)
    assert first["created"] == 4 and again["created"] == 0 and again["existing"] == 4
    made = ServiceOrder.objects.filter(care_plan=plan)
    assert made.count() == 4 and set(made.values_list("channel", flat=True)) == {"care_plan"}
    assert {o.scheduled_at.isoweekday() for o in made} == {2, 4}
    assert CarePlan.objects.count() == 1


@pytest.mark.django_db
def test_a_dispute_opens_a_complaint_in_supervision(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        worker = make_worker(w["provider"])
        made = []
        for who in ("family", "officer"):
            o = make_order(w["family"], w["elder"], w["provider"], item="hv_walk", minutes=30)
            orders.order_accept(actor=w["operator"], order=o)
            orders.order_assign(actor=w["operator"], order=o, worker=worker)
            orders.order_start(actor=w["operator"], order=o)
            with pytest.raises(PermissionDenied):
                orders.order_dispute(actor=w["operator"], order=o, description="x")
            made.append(orders.order_dispute(actor=w[who], order=o, description=f"{who} 不满意"))
    family_one, officer_one = (Complaint.objects.get(pk=o.complaint_id) for o in made)
    assert all(o.status == "disputed" and o.disputed_at for o in made)
    assert family_one.provider_id == officer_one.provider_id == w["provider"].pk
    assert family_one.steps.get().actor_name == "system"
    assert officer_one.steps.get().actor_name == w["officer"].username
