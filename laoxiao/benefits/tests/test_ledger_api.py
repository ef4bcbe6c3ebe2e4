"""The ledger API: balances, budget use, setting a budget (Idempotency-Key), an account's postings."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from laoxiao.benefits.actions import postings
from laoxiao.benefits.actions.budgets import budget_set
from laoxiao.benefits.models import ProgrammeBudget
from laoxiao.benefits.tests.factories_ledger import programme, sent_batch
from laoxiao.core import clock
from laoxiao.ledger.models import Posting
from laoxiao.people.tests.factories import make_elder

pytestmark = pytest.mark.django_db

BASE = "/api/v1/benefits/ledger"
XS = "340603000000"


@pytest.fixture
def paid(admin_user: Any) -> Any:
    budget_set(actor=admin_user, programme=programme(), region_code=XS, year=2026, amount_fen=500_00)
    elders = [make_elder(admin_user, seq=i, birth=dt.date(1940, 2, i)) for i in (1, 2)]
    batch, items = sent_batch(admin_user, elders, [100_00, 50_00], region_code=XS)
    postings.post_items_paid(items, "recon:abc", admin_user)
    return batch


def _post(client: Any, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"{BASE}/budgets", data=json.dumps(body), content_type="application/json", **headers)


def test_balances_and_budget_use(client: Any, paid: Any, admin_user: Any, suixi_officer: Any) -> None:
    client.force_login(admin_user)
    with clock.frozen("2026-12-04"):
        r = client.get(f"{BASE}/budget-use")
    assert r.status_code == 200
    [row] = r.json()
    assert (row["budget"], row["paid"], row["remaining"], row["payable"]) == (500_00, 150_00, 350_00, 0)
    assert row["used_share"] == pytest.approx(0.3)
    r = client.get(f"{BASE}/balances", {"year": 2026, "programme": "elderly_allowance"})
    kinds = {b["kind"]: b["balance"] for b in r.json()}
    assert kinds == {"budget": 350_00, "funding": -500_00, "paid": 150_00, "payable": 0}
    assert client.get(f"{BASE}/balances", {"year": 2025}).json() == []
    assert client.get(f"{BASE}/balances", {"year": 1999}).status_code == 422
    client.force_login(suixi_officer)  # another county, another sector
    assert client.get(f"{BASE}/budget-use", {"year": 2026}).json() == []


def test_account_postings(
    client: Any, paid: Any, admin_user: Any, xiangshan_officer: Any, suixi_officer: Any
) -> None:
    code = f"paid:elderly_allowance:{XS}:2026"
    client.force_login(xiangshan_officer)
    r = client.get(f"{BASE}/accounts/{code}/postings")
    assert r.status_code == 200
    body = r.json()
    assert body["balance"] == 150_00 and [p["amount"] for p in body["postings"]] == [150_00]
    assert body["postings"][0]["key"].startswith("recon:abc:paid")
    client.force_login(suixi_officer)
    assert client.get(f"{BASE}/accounts/{code}/postings").status_code == 404
    assert client.get(f"{BASE}/accounts/nope/postings").status_code == 404


def test_set_budget_is_idempotent_and_checked(client: Any, city: Any, xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    body = {
        "programme": "elderly_allowance",
        "region_code": XS,
        "year": 2026,
        "amount_fen": 123_45,
        "note": "n",
    }
    r1 = _post(client, body, key="k-1")
    r2 = _post(client, body, key="k-1")
    assert r1.status_code == r2.status_code == 200 and r2.headers.get("Idempotent-Replayed") == "true"
    assert r1.json() == r2.json() and r1.json()["amount_fen"] == 123_45
    assert ProgrammeBudget.objects.count() == 1 and Posting.objects.filter(kind="budget").count() == 1
    assert _post(client, {**body, "amount_fen": 1}, key="k-1").status_code == 422  # same key, other body
    assert _post(client, {**body, "region_code": "340621000000"}).status_code == 404
    assert _post(client, {**body, "programme": "childcare_subsidy"}).status_code == 404
    assert _post(client, {**body, "region_code": "340603001000"}).status_code == 422
    assert _post(client, {**body, "amount_fen": -1}).status_code == 422
    assert ProgrammeBudget.objects.get().amount_fen == 123_45
