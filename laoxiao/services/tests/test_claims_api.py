"""The claims API: lists scoped and filtered, one claim with lines, build, approve, return, call-backs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from laoxiao.accounts.tests.factories import make_user
from laoxiao.services.actions.claims import claims_build
from laoxiao.services.models import Callback, ServiceClaim
from laoxiao.services.tests.factories_claims import (
    PERIOD,
    claims_world,
    make_entitlement,
    make_visit,
    sx_civil_officer,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/services"


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(BASE + path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def w(city: dict[str, Any], admin_user: Any) -> dict[str, Any]:
    world = claims_world(admin_user)
    make_entitlement(world["a"], 100_000)
    make_visit(world["xs"], world["a"], gov_fen=4000)
    make_visit(world["sx"], world["c"], gov_fen=3000)
    claims_build(period=PERIOD)
    return world


def test_lists_are_scoped_and_filtered(client: Any, w: dict[str, Any], xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    r = client.get(BASE + "/claims", {"period": "2026-03"})
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["provider"] for i in items] == [w["xs"].uscc]
    assert items[0]["amount_claimed_fen"] == 4000
    assert client.get(BASE + "/claims", {"period": "2026-04"}).json()["items"] == []
    assert client.get(BASE + "/claims", {"status": "approved"}).json()["items"] == []
    assert client.get(BASE + "/claims", {"period": "2026-13"}).status_code == 422
    sx_claim = ServiceClaim.objects.get(provider=w["sx"])
    assert client.get(f"{BASE}/claims/{sx_claim.pk}").status_code == 404


def test_one_claim_with_lines_and_callbacks(client: Any, w: dict[str, Any], xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    claim = ServiceClaim.objects.get(provider=w["xs"])
    body = client.get(f"{BASE}/claims/{claim.pk}").json()
    assert body["period"] == "2026-03"
    assert [line["price_fen"] for line in body["lines"]] == [4000]
    assert len(body["callbacks"]) == 1


def test_approve_through_the_api(client: Any, w: dict[str, Any], xiangshan_officer: Any) -> None:
    claim = ServiceClaim.objects.get(provider=w["xs"])
    client.force_login(xiangshan_officer)
    assert post(client, f"/claims/{claim.pk}/approve", {}).status_code == 422  # call-back pending
    cb = Callback.objects.get(claim=claim)
    r = post(client, f"/callbacks/{cb.pk}", {"answer": "confirmed", "note": "ok"})
    assert r.status_code == 200 and r.json()["answer"] == "confirmed"
    r = post(client, f"/claims/{claim.pk}/approve", {"note": "fine"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    sx_claim = ServiceClaim.objects.get(provider=w["sx"])
    assert post(client, f"/claims/{sx_claim.pk}/approve", {}).status_code == 404


def test_a_township_officer_gets_403(client: Any, w: dict[str, Any]) -> None:
    client.force_login(make_user("xs_town", ["civil_affairs_township"], ["340603001000"]))
    claim = ServiceClaim.objects.get(provider=w["xs"])
    Callback.objects.update(answer="confirmed")
    assert post(client, f"/claims/{claim.pk}/approve", {}).status_code == 403
    assert post(client, f"/claims/{claim.pk}/return", {"note": "x"}).status_code == 403


def test_return_and_build(client: Any, w: dict[str, Any], xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    claim = ServiceClaim.objects.get(provider=w["xs"])
    r = post(client, f"/claims/{claim.pk}/return", {"note": ""})
    assert r.status_code == 422
    assert post(client, f"/claims/{claim.pk}/return", {"note": "fix"}).json()["status"] == "returned"
    r = post(client, "/claims/build", {"period": "2026-03"})
    assert r.status_code == 200
    assert r.json()["updated"] == 1  # the returned claim is prepared again; 濉溪县 is not touched
    assert ServiceClaim.objects.get(provider=w["xs"]).prepared_by == xiangshan_officer
    assert post(client, "/claims/build", {"period": "2026-03", "provider": w["sx"].uscc}).status_code == 404


def test_callbacks_hidden_from_the_provider_and_other_counties(client: Any, w: dict[str, Any]) -> None:
    client.force_login(make_user("op", ["provider_operator"], [], provider=w["xs"]))
    assert client.get(BASE + "/callbacks").json()["items"] == []
    assert client.get(BASE + "/claims").json()["count"] == 1  # its own claim
    client.force_login(sx_civil_officer())
    ids = {c["claim_id"] for c in client.get(BASE + "/callbacks").json()["items"]}
    assert ids == {ServiceClaim.objects.get(provider=w["sx"]).pk}
