"""The supervision API: lists with filters, details, POST through the actions, 401/404/422."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from laoxiao.supervision import actions
from laoxiao.supervision.models import Alert
from laoxiao.supervision.tests import factories as f

pytestmark = pytest.mark.django_db

BASE = "/api/v1/supervision"


@pytest.fixture
def api(client: Any, xiangshan_officer: Any) -> Any:
    client.force_login(xiangshan_officer)
    return client


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(BASE + path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def data(xs_home: Any, sx_home: Any, xiangshan_officer: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, inst in (("xs", xs_home), ("sx", sx_home)):
        ins = f.make_inspection(inst, dt.date(2025, 3, 1), "rectify")
        f.make_order(ins, dt.date(2025, 4, 1))
        f.make_inspection(inst, dt.date(2024, 3, 1), "pass")
        out[f"{key}_inspection"] = ins
        out[f"{key}_complaint"] = f.make_complaint(inst, dt.date(2025, 5, 1))
        out[f"{key}_incident"] = f.make_incident(inst, dt.date(2025, 5, 1), "major", late=True)
        out[f"{key}_signal"] = f.make_risk_signal(inst, dt.date(2025, 5, 1))
        out[f"{key}_rating"] = actions.credit_compute(actor=None, provider=inst, on=dt.date(2025, 6, 30))
        out[f"{key}_alert"] = Alert.objects.create(
            provider=inst, region_code=inst.region_code[:6] + "000000", kind="risk_signal", message="m"
        )
    return out


@pytest.mark.parametrize(
    "path", ["/inspections", "/complaints", "/incidents", "/risk-signals", "/alerts", "/credit-ratings"]
)
def test_without_credentials_401(client: Any, db: Any, path: str) -> None:
    assert client.get(BASE + path).status_code == 401


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/inspections", "inspection"),
        ("/complaints", "complaint"),
        ("/incidents", "incident"),
        ("/risk-signals", "signal"),
        ("/alerts", "alert"),
        ("/credit-ratings", "rating"),
    ],
)
def test_lists_and_details_are_scoped(
    api: Any, data: dict[str, Any], xs_home: Any, path: str, key: str
) -> None:
    body = api.get(BASE + path).json()
    assert {i["provider"] for i in body["items"]} == {xs_home.uscc}
    assert set(body) == {"items", "count", "page", "page_size"}
    mine, theirs = data[f"xs_{key}"], data[f"sx_{key}"]
    assert api.get(f"{BASE}{path}/{mine.pk}").status_code == 200
    response = api.get(f"{BASE}{path}/{theirs.pk}")
    assert response.status_code == 404 and set(response.json()) == {"detail", "errors"}


def test_list_filters(api: Any, data: dict[str, Any], xs_home: Any) -> None:
    assert api.get(f"{BASE}/inspections").json()["count"] == 2
    assert api.get(f"{BASE}/inspections?status=rectify").json()["count"] == 1
    assert api.get(f"{BASE}/inspections?date_from=2025-01-01&date_to=2025-12-31").json()["count"] == 1
    assert api.get(f"{BASE}/inspections?provider={xs_home.uscc}").json()["count"] == 2
    assert api.get(f"{BASE}/inspections?provider=91340000000000000X").json()["count"] == 0
    assert api.get(f"{BASE}/complaints?status=closed").json()["count"] == 0
    assert api.get(f"{BASE}/incidents?status=open").json()["count"] == 1
    assert api.get(f"{BASE}/alerts?status=acknowledged").json()["count"] == 0
    level = data["xs_rating"].level
    assert api.get(f"{BASE}/credit-ratings?status={level}").json()["count"] == 1
    assert api.get(f"{BASE}/inspections?date_from=someday").status_code == 422


def test_details_carry_their_parts(api: Any, data: dict[str, Any]) -> None:
    ins = api.get(f"{BASE}/inspections/{data['xs_inspection'].pk}").json()
    assert ins["result"] == "rectify" and ins["orders"][0]["status"] == "overdue"
    rating = api.get(f"{BASE}/credit-ratings/{data['xs_rating'].pk}").json()
    parts = {p["code"]: p for p in rating["parts"]}
    assert parts["inspections"]["points"] == -5 and parts["inspections"]["records"][0]["type"] == "inspection"
    assert rating["rule_version"] == {
        "supervision.credit_rules": "2000-01-01",
        "supervision.tiers": "2000-01-01",
    }
    complaint = api.get(f"{BASE}/complaints/{data['xs_complaint'].pk}").json()
    assert complaint["steps"] == [] and complaint["status"] == "open"


def test_post_a_complaint_and_its_steps(api: Any, xs_home: Any) -> None:
    r = post(
        api,
        "/complaints",
        {
            "provider": xs_home.uscc,
            "received_on": "2025-03-03",
            "source": "hotline_12345",
            "category": "fees",
            "description": "overcharged",
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert body["deadline"] == "2025-03-24" and body["steps"][0]["action"] == "received"
    r = post(
        api,
        f"/complaints/{body['id']}/steps",
        {"action": "resolved", "outcome": "refund", "substantiated": True},
    )
    assert r.status_code == 201 and r.json()["status"] == "resolved"
    r = post(api, f"/complaints/{body['id']}/steps", {"action": "assigned"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "action"


def test_post_an_inspection(api: Any, xs_home: Any) -> None:
    r = post(
        api,
        "/inspections",
        {
            "provider": xs_home.uscc,
            "date": "2025-03-03",
            "kind": "routine",
            "inspectors": "王",
            "result": "rectify",
            "items": [{"code": "E02", "finding": "major"}],
            "orders": [{"requirement": "supervise meals", "deadline": "2025-04-01", "item_code": "E02"}],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["items"][0]["text"].startswith("Choking") and body["orders"][0]["item_code"] == "E02"


def test_post_an_incident_and_a_risk_signal(api: Any, xs_home: Any) -> None:
    r = post(
        api,
        "/incidents",
        {
            "provider": xs_home.uscc,
            "occurred_at": "2025-03-03T08:00:00+08:00",
            "reported_at": "2025-03-03T13:00:00+08:00",
            "kind": "wandering",
            "severity": "critical",
            "description": "left at night",
        },
    )
    assert r.status_code == 201 and r.json()["reported_late"] is True
    r = post(
        api,
        "/risk-signals",
        {
            "provider": xs_home.uscc,
            "kind": "large_deposits",
            "detected_on": "2025-03-03",
            "amount": "300000.00",
            "description": "deposit of 300k for a bed",
        },
    )
    assert r.status_code == 201
    alerts = api.get(f"{BASE}/alerts?status=open").json()
    assert alerts["count"] == 1 and alerts["items"][0]["risk_signal_id"] == r.json()["id"]
    ack = post(api, f"/alerts/{alerts['items'][0]['id']}/acknowledge", {})
    assert ack.status_code == 200 and ack.json()["acknowledged_by"] == "xs_mz"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/complaints",
            {"received_on": "2025-03-03", "source": "pigeon", "category": "fees", "description": "x"},
            "source",
        ),
        (
            "/complaints",
            {"received_on": "2999-03-03", "source": "phone", "category": "fees", "description": "x"},
            "received_on",
        ),
        (
            "/incidents",
            {
                "occurred_at": "2025-03-03T08:00:00+08:00",
                "reported_at": "2025-03-03T07:00:00+08:00",
                "kind": "fall",
                "severity": "minor",
                "description": "x",
            },
            "reported_at",
        ),
        (
            "/risk-signals",
            {"kind": "prepaid_cards", "detected_on": "2025-03-03", "amount": "-5", "description": "x"},
            "amount",
        ),
        (
            "/inspections",
            {
                "date": "2025-03-03",
                "kind": "routine",
                "inspectors": "王",
                "result": "pass",
                "items": [{"code": "NEW", "finding": "ok"}],
            },
            "items.0.text",
        ),
    ],
)
def test_bad_bodies_answer_422_with_the_field(
    api: Any, xs_home: Any, path: str, body: dict[str, Any], field: str
) -> None:
    r = post(api, path, {"provider": xs_home.uscc, **body})
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]]


def test_posting_for_a_provider_out_of_scope_answers_404(api: Any, sx_home: Any, xs_nursery: Any) -> None:
    for uscc in (sx_home.uscc, xs_nursery.uscc, "NOSUCHPROVIDER0000"):
        r = post(
            api,
            "/complaints",
            {
                "provider": uscc,
                "received_on": "2025-03-03",
                "source": "phone",
                "category": "fees",
                "description": "x",
            },
        )
        assert r.status_code == 404
