"""The person payments page, the overpayment pages, the checks panel, and their API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.models import Overpayment, PaymentAccount, PaymentItem
from laoxiao.benefits.tests.factories_accounts import make_account, make_batch, make_item, make_overpayment
from laoxiao.core import clock
from laoxiao.core.masking import mask_account_number
from laoxiao.people.tests.factories import make_elder

pytestmark = pytest.mark.django_db
API = "/api/v1/benefits"
NUMBER = "6222021234567891234"


@pytest.fixture
def w(city: Any, xiangshan_officer: Any) -> dict[str, Any]:
    with clock.frozen(dt.date(2026, 4, 20)):
        elder = make_elder(xiangshan_officer, seq=4, birth=dt.date(1940, 1, 5))
    account = make_account(elder=elder, number=NUMBER)
    item = make_item(make_batch(), elder=elder, status=PaymentItem.Status.PAID, account=account)
    return {"elder": elder, "account": account, "item": item, "op": make_overpayment(item)}


@pytest.fixture(autouse=True)
def english(client: Any) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the pages in English: the tests read English words


def test_person_page_shows_the_masked_account_items_and_overpayments(
    client: Any, w: dict[str, Any], xiangshan_officer: Any, suixi_officer: Any
) -> None:
    client.force_login(xiangshan_officer)
    r = client.get(f"/benefits/people/e{w['elder'].pk}/")
    body = r.content.decode()
    assert r.status_code == 200
    assert mask_account_number(NUMBER) in body and NUMBER not in body
    assert w["item"].code in body and "/reveal/benefits.paymentaccount/" in body
    assert f"/benefits/overpayments/{w['op'].pk}/" in body
    r = client.post(
        f"/benefits/people/e{w['elder'].pk}/",
        {"acc-bank_code": "ABC", "acc-account_number": "12", "acc-account_name": "老人4"},
    )
    assert r.status_code == 200 and "12 to 30 digits" in r.content.decode()
    r = client.post(
        f"/benefits/people/e{w['elder'].pk}/",
        {"acc-bank_code": "ABC", "acc-account_number": "6228480000000000001", "acc-account_name": "老人4"},
    )
    assert r.status_code == 302
    assert PaymentAccount.objects.get(active=True).bank_code == "ABC"
    client.force_login(suixi_officer)
    assert client.get(f"/benefits/people/e{w['elder'].pk}/").status_code == 404
    assert client.get("/benefits/people/x1/").status_code == 404


def test_overpayment_pages_and_steps(client: Any, w: dict[str, Any], xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    assert w["item"].code in client.get("/benefits/overpayments/").content.decode()
    url = f"/benefits/overpayments/{w['op'].pk}/"
    assert client.post(url, {"what": "notify", "notify-note": "letter sent"}).status_code == 302
    assert (
        client.post(
            url, {"what": "recover", "recover-amount": "20.00", "recover-recovered_before": "0"}
        ).status_code
        == 302
    )
    # the same form again: nothing changes
    client.post(url, {"what": "recover", "recover-amount": "20.00", "recover-recovered_before": "0"})
    assert Overpayment.objects.get().recovered_fen == 2000
    r = client.post(url, {"what": "recover", "recover-amount": "99.00", "recover-recovered_before": "2000"})
    assert r.status_code == 200 and "outstanding" in r.content.decode()
    client.post(url, {"what": "request_write_off", "request_write_off-reason": "no estate"})
    body = client.get(url).content.decode()
    assert "Another officer approves the write-off." in body
    r = client.post(url, {"what": "approve_write_off"})
    assert Overpayment.objects.get().status == Overpayment.Status.WRITE_OFF_REQUESTED
    client.force_login(make_user("xs_mz2", ["civil_affairs_county"], ["340603000000"]))
    assert client.post(url, {"what": "approve_write_off"}).status_code == 302
    assert Overpayment.objects.get().status == Overpayment.Status.WRITTEN_OFF


def test_checks_panel_alone(
    client: Any, w: dict[str, Any], xiangshan_officer: Any, suixi_officer: Any
) -> None:
    client.force_login(xiangshan_officer)
    r = client.get(f"/benefits/batches/{w['item'].batch_id}/checks/")
    assert r.status_code == 200 and 'id="batch-checks"' in r.content.decode()
    client.force_login(suixi_officer)
    assert client.get(f"/benefits/batches/{w['item'].batch_id}/checks/").status_code == 404


def _post(client: Any, path: str, body: dict[str, Any], key: str = "") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(API + path, data=json.dumps(body), content_type="application/json", headers=headers)


def test_api_accounts_overpayments_and_checks(client: Any, w: dict[str, Any], xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    key = f"e{w['elder'].pk}"
    r = client.get(f"{API}/accounts/{key}")
    assert r.status_code == 200 and r.json()["account_number"] == mask_account_number(NUMBER)
    r = _post(client, f"/accounts/{key}", {"bank_code": "ABC", "account_number": "1", "account_name": "x"})
    assert r.status_code == 422 and "account_number" in r.content.decode()
    r = _post(
        client,
        f"/accounts/{key}",
        {"bank_code": "ABC", "account_number": "6228480000000000001", "account_name": "老人4"},
    )
    assert r.status_code == 200 and r.json()["account_number"].startswith("6228")
    op = w["op"].pk
    first = _post(client, f"/overpayments/{op}/recover", {"amount_fen": 1000}, key="rec-1")
    again = _post(client, f"/overpayments/{op}/recover", {"amount_fen": 1000}, key="rec-1")
    assert first.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert Overpayment.objects.get().recovered_fen == 1000
    assert client.get(f"{API}/overpayments").json()["count"] == 1
    r = _post(client, f"/overpayments/{op}/write-off/request", {"reason": "no estate"})
    assert r.json()["status"] == "write_off_requested"
    assert _post(client, f"/overpayments/{op}/write-off/approve", {}).status_code == 403
    r = client.get(f"{API}/batches/{w['item'].batch_id}/checks")
    assert r.status_code == 200 and {c["key"] for c in r.json()["checks"]} >= {"ended", "amount"}
