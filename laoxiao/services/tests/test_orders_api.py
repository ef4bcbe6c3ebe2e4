"""Issue 13, done-criterion 1: a family member's order goes through every state by API; scope and
bad bodies."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core import clock
from laoxiao.core.models import ChangeLog
from laoxiao.services.models import ServiceOrder
from laoxiao.services.tests.factories_orders import (
    NOW,
    make_family,
    make_grant,
    make_home_provider,
    make_operator,
    make_person,
    make_worker,
)

API = "/api/v1/services"


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, path: str, body: dict[str, Any] | None = None, **extra: Any) -> Any:
    return c.post(API + path, data=json.dumps(body or {}), content_type="application/json", **extra)


@pytest.fixture
def world(city: dict[str, Any], xiangshan_officer: Any) -> dict[str, Any]:
    with clock.frozen(NOW):
        elder = make_person(xiangshan_officer)
        provider = make_home_provider()
        make_grant(elder, 60000)
        return {
            "elder": elder,
            "provider": provider,
            "family": make_family(elder),
            "operator": make_operator(provider),
            "worker": make_worker(provider),
            "officer": xiangshan_officer,
        }


def order_body(w: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "elder_id": w["elder"].pk,
        "provider": w["provider"].uscc,
        "item": "hv_bath",
        "scheduled_at": "2026-03-03T10:00:00+08:00",
        "minutes": 60,
        "note": "请按门铃",
    }
    body.update(extra)
    return body


@pytest.mark.django_db
def test_a_family_members_order_goes_through_every_state(world: dict[str, Any]) -> None:
    fam, op = client(world["family"]), client(world["operator"])
    with clock.frozen(NOW):
        r = post(fam, "/orders", order_body(world), HTTP_IDEMPOTENCY_KEY="k-1")
        assert r.status_code == 201, r.content
        order = r.json()
        assert order["status"] == "requested" and order["channel"] == "family"
        assert order["price_fen"] == order["gov_fen"] + order["self_fen"] == 6000
        assert order["accept_by"] is not None
        # the same key replays the first answer: one order
        again = post(fam, "/orders", order_body(world), HTTP_IDEMPOTENCY_KEY="k-1")
        assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
        assert ServiceOrder.objects.count() == 1
        pk = order["id"]
        # the family member may not accept
        assert post(fam, f"/orders/{pk}/accept").status_code == 403
        steps = [
            (op, "accept", None, "accepted", "accepted_at"),
            (op, "assign", {"worker": world["worker"].pk}, "assigned", "assigned_at"),
            (op, "start", None, "in_service", "started_at"),
            (op, "finish", None, "done", "done_at"),
            (fam, "confirm", {"rating": 5, "comment": "很好"}, "confirmed", "confirmed_at"),
        ]
        for c, verb, body, status, stamp in steps:
            r = post(c, f"/orders/{pk}/{verb}", body)
            assert r.status_code == 200, (verb, r.content)
            assert r.json()["status"] == status and r.json()[stamp] is not None
        # the family sees it in their list, the operator in theirs
        assert [o["id"] for o in fam.get(f"{API}/orders").json()["items"]] == [pk]
        assert op.get(f"{API}/orders?status=confirmed").json()["count"] == 1
        final = fam.get(f"{API}/orders/{pk}").json()
        assert final["rating"] == 5 and final["worker_id"] == world["worker"].pk
        # an illegal transition names the status
        r = post(op, f"/orders/{pk}/start")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    log = ChangeLog.objects.filter(target_type="services.serviceorder", target_id=str(pk))
    assert log.filter(action="create").count() == 1
    assert sorted(row.changes["status"][1] for row in log.filter(action="status")) == sorted(
        ["accepted", "assigned", "in_service", "done", "confirmed"]
    )


@pytest.mark.django_db
def test_dispute_and_cancel_by_api(world: dict[str, Any]) -> None:
    fam, op = client(world["family"]), client(world["operator"])
    with clock.frozen(NOW):
        pk = post(fam, "/orders", order_body(world)).json()["id"]
        for verb, body in (
            ("accept", None),
            ("assign", {"worker": world["worker"].pk}),
            ("start", None),
            ("finish", None),
        ):
            assert post(op, f"/orders/{pk}/{verb}", body).status_code == 200
        assert post(fam, f"/orders/{pk}/dispute", {"description": ""}).status_code == 422
        r = post(fam, f"/orders/{pk}/dispute", {"description": "没有洗完就走了"})
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "disputed" and r.json()["complaint_id"]
        other = post(fam, "/orders", order_body(world, scheduled_at="2026-03-04T10:00:00+08:00")).json()["id"]
        r = post(op, f"/orders/{other}/cancel", {"reason": ""})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
        r = post(fam, f"/orders/{other}/cancel", {})
        assert r.status_code == 200 and r.json()["status"] == "cancelled"


@pytest.mark.django_db
def test_scope_other_county_and_revoked_link(world: dict[str, Any], city: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        pk = post(client(world["family"]), "/orders", order_body(world)).json()["id"]
        suixi = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
        assert client(suixi).get(f"{API}/orders/{pk}").status_code == 404
        assert client(suixi).get(f"{API}/orders").json()["count"] == 0
        assert post(client(suixi), f"/orders/{pk}/cancel", {"reason": "x"}).status_code == 404
        revoked = make_family(world["elder"], "fam2", live=False)
        assert client(revoked).get(f"{API}/orders/{pk}").status_code == 404
        assert post(client(revoked), "/orders", order_body(world)).status_code == 404
        other_op = make_operator(make_home_provider(2), "op2")
        assert client(other_op).get(f"{API}/orders/{pk}").status_code == 404
        # the county officer sees it
        assert client(world["officer"]).get(f"{API}/orders/{pk}").status_code == 200


@pytest.mark.django_db
def test_bad_bodies_answer_422_with_the_field(world: dict[str, Any]) -> None:
    fam = client(world["family"])
    with clock.frozen(NOW):
        cases = [
            ({"minutes": 0}, "minutes"),
            ({"minutes": 10}, "minutes"),
            ({"scheduled_at": "tomorrow"}, "scheduled_at"),
            ({"item": "bed_shared_month"}, "item"),
        ]
        for extra, field in cases:
            r = post(fam, "/orders", order_body(world, **extra))
            assert r.status_code == 422, (extra, r.content)
            assert field in [e["field"] for e in r.json()["errors"]], (extra, r.json())
        r = post(fam, "/orders", order_body(world, item="nope"))
        assert r.status_code == 404
        pk = post(fam, "/orders", order_body(world)).json()["id"]
        r = post(fam, f"/orders/{pk}/confirm", {"rating": 9})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rating"


@pytest.mark.django_db
def test_entitlement_endpoints(world: dict[str, Any]) -> None:
    officer, fam = client(world["officer"]), client(world["family"])
    pk = world["elder"].pk
    with clock.frozen(NOW):
        r = post(
            officer,
            f"/elders/{pk}/entitlements",
            {"monthly_fen": 5000, "valid_from": "2026-03-01", "note": ""},
        )
        assert r.status_code == 422
        r = post(
            officer,
            f"/elders/{pk}/entitlements",
            {"monthly_fen": 5000, "valid_from": "2026-03-01", "note": "独居"},
        )
        assert r.status_code == 201
        assert post(
            fam, f"/elders/{pk}/entitlements", {"monthly_fen": 5000, "valid_from": "2026-03-01", "note": "x"}
        ).status_code in (403, 404)
        post(fam, "/orders", order_body(world))
        month = fam.get(f"{API}/elders/{pk}/entitlement?month=2026-03").json()
        assert month["monthly_fen"] == 65000 and month["used_fen"] == 6000 and month["remaining_fen"] == 59000
        assert officer.get(f"{API}/elders/{pk}/entitlements").json()["count"] == 2
        r = post(officer, "/entitlements/refresh", {"region_code": "340603000000"})
        assert r.status_code == 200 and set(r.json()) == {"created", "ended", "updated", "unchanged"}
        assert post(fam, "/entitlements/refresh", {"region_code": "340603000000"}).status_code in (403, 404)


@pytest.mark.django_db
def test_the_visit_of_an_order_starts_and_ends_it_and_a_verified_visit_is_what_the_family_confirms(
    world: dict[str, Any], city: dict[str, Any]
) -> None:
    """An assigned order is started by the worker's check-in and done at check-out (EVV), not by a
    button; a requested order cannot be checked in, nor by another worker than the assigned one."""
    fam, op = client(world["family"]), client(world["operator"])
    with clock.frozen(NOW):
        pk = post(fam, "/orders", order_body(world)).json()["id"]
        check_in = {
            "order": pk,
            "worker": world["worker"].pk,
            "at": "2026-03-03T10:00:00+08:00",
            "method": "card",
        }
        r = post(op, "/visits/check-in", check_in)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "order"  # not yet assigned
        assert post(op, f"/orders/{pk}/accept").status_code == 200
        other = make_worker(world["provider"], seq=2)
        assert post(op, f"/orders/{pk}/assign", {"worker": world["worker"].pk}).status_code == 200
        r = post(op, "/visits/check-in", {**check_in, "worker": other.pk})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "worker"
    with clock.frozen(timezone.make_aware(dt.datetime(2026, 3, 3, 10, 0, 5))):
        r = post(op, "/visits/check-in", check_in)
        assert r.status_code == 201, r.content
        visit = r.json()["id"]
        assert fam.get(f"{API}/orders/{pk}").json()["status"] == "in_service"
    with clock.frozen(timezone.make_aware(dt.datetime(2026, 3, 3, 11, 5))):
        r = post(op, f"/visits/{visit}/check-out", {"at": "2026-03-03T11:02:00+08:00"})
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "verified", r.json()
        assert fam.get(f"{API}/orders/{pk}").json()["status"] == "done"
        assert post(fam, f"/orders/{pk}/confirm", {"rating": 4}).json()["status"] == "confirmed"
