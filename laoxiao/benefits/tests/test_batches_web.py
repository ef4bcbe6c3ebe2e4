"""The batch pages and API: create (202 + a job that builds it), lists, the batch's page with its
progress and masked items, approve / send / follow-up by who may, Idempotency-Key replays."""

from __future__ import annotations

import json
from typing import Any

import pytest

from laoxiao.benefits.actions import batches as actions
from laoxiao.benefits.models import PaymentBatch, PaymentItem
from laoxiao.benefits.tests.factories_batches import (
    PERIOD,
    allowance,
    fail_items,
    make_accounts,
    make_elders,
    users,
)
from laoxiao.ledger.models import Posting

pytestmark = pytest.mark.django_db
BASE = "/api/v1/benefits"


def post(client: Any, path: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(BASE + path, data=json.dumps(body or {}), content_type="application/json", **headers)


@pytest.fixture
def w(city: dict[str, Any]) -> dict[str, Any]:
    elders = make_elders(60)
    make_accounts(elders, every=2)
    return {**users(city), "elders": elders}


def test_create_answers_202_with_a_job_that_builds_the_batch(
    client: Any, w: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(w["maker"])
    with django_capture_on_commit_callbacks(execute=True):  # the job is dispatched once committed
        r = post(client, "/batches", {"programme": "elderly_allowance", "period": "2026-03"}, key="k-1")
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["job_id"] and body["batch"]["programme"] == "elderly_allowance"
    batch = PaymentBatch.objects.get(pk=body["batch"]["id"])
    assert batch.job_id == body["job_id"]
    assert (batch.status, batch.build_status) == ("ready", "built")  # the test engine runs jobs at once
    assert batch.items_count == PaymentItem.objects.filter(batch=batch).count() > 10
    again = post(client, "/batches", {"programme": "elderly_allowance", "period": "2026-03"}, key="k-1")
    assert again.status_code == 202 and again.headers.get("Idempotent-Replayed") == "true"
    other = post(client, "/batches", {"programme": "elderly_allowance", "period": "2026-03"}, key="k-2")
    assert other.status_code == 202 and other.json()["batch"]["id"] == batch.pk
    assert PaymentBatch.objects.count() == 1
    assert (
        post(client, "/batches", {"programme": "elderly_allowance", "period": "2026-13"}).status_code == 422
    )
    assert post(client, "/batches", {"programme": "nope", "period": "2026-03"}).status_code == 404
    bad = post(
        client, "/batches", {"programme": "elderly_allowance", "period": "2026-03", "region": "340603001000"}
    )
    assert bad.status_code == 422 and "region" in bad.content.decode()


def test_list_detail_and_masked_items(client: Any, w: dict[str, Any]) -> None:
    batch = actions.batch_build(
        batch=actions.batch_open(actor=w["maker"], programme=allowance(), period=PERIOD, region_code="")
    )
    client.force_login(w["checker"])
    items = client.get(BASE + "/batches", {"period": "2026-03"}).json()["items"]
    assert [b["id"] for b in items] == [batch.pk]
    detail = client.get(f"{BASE}/batches/{batch.pk}").json()
    assert {c["status"] for c in detail["by_status"]} == {"ready", "held"}
    assert sum(c["total_fen"] for c in detail["by_status"]) == batch.total_fen
    page = client.get(f"{BASE}/batches/{batch.pk}/items", {"status": "held", "page_size": 5}).json()
    assert page["count"] == batch.held_count and len(page["items"]) == 5
    first = page["items"][0]
    assert (
        "*" in first["name"]
        and first["has_account"] is False
        and first["status_reason"] == "no payment account"
    )
    client.force_login(w["xs_officer"])  # a county officer does not see the city's batch
    assert client.get(f"{BASE}/batches/{batch.pk}").status_code == 404


def test_approve_send_follow_up_through_the_api(client: Any, w: dict[str, Any]) -> None:
    batch = actions.batch_build(
        batch=actions.batch_open(actor=w["maker"], programme=allowance(), period=PERIOD, region_code="")
    )
    client.force_login(w["maker"])
    assert post(client, f"/batches/{batch.pk}/approve", key="a-1").status_code == 403
    client.force_login(w["checker"])
    r = post(client, f"/batches/{batch.pk}/approve", key="a-2")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    postings = Posting.objects.count()
    r2 = post(client, f"/batches/{batch.pk}/approve", key="a-3")  # a second click with a new key
    assert r2.status_code == 200 and r2.json()["approved_at"] == r.json()["approved_at"]
    assert Posting.objects.count() == postings
    assert post(client, f"/batches/{batch.pk}/send", key="s-1").json()["status"] == "sent"
    fail_items(PaymentBatch.objects.get(pk=batch.pk), 3)
    f1 = post(client, f"/batches/{batch.pk}/follow-up", key="f-1").json()
    f2 = post(client, f"/batches/{batch.pk}/follow-up", key="f-2").json()
    not_paid = PaymentItem.objects.filter(batch=batch, status="failed").count()  # 3 + those held
    assert f1["id"] == f2["id"] != batch.pk and f1["kind"] == "follow_up" and f1["items_count"] == not_paid


def test_the_pages(client: Any, w: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    client.force_login(w["maker"])
    r = client.get("/benefits/batches/")
    assert r.status_code == 200 and b"batch-new" in r.content
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/benefits/batches/",
            {"programme": "elderly_allowance", "period": "2026-03", "region": "340600000000"},
        )
    assert r.status_code == 302, r.content[:2000]
    batch = PaymentBatch.objects.get()
    assert r["Location"] == f"/benefits/batches/{batch.pk}/"
    page = client.get(r["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and "batch-progress" in text and "batch-items" in text
    assert f"{batch.chunks_done}/{batch.chunks_total}" in text
    assert 'name="what" value="approve"' not in text  # the maker has no approve button
    some = PaymentItem.objects.filter(batch=batch).select_related("elder").first()
    assert some is not None and some.elder is not None
    assert some.elder.id_number not in text and some.elder.name not in text
    assert client.get(f"/benefits/batches/{batch.pk}/progress/").status_code == 200
    bad = client.post(
        "/benefits/batches/", {"programme": "elderly_allowance", "period": "2026-3", "region": "340600000000"}
    )
    assert bad.status_code == 200 and "YYYY-MM" in bad.content.decode()
    client.force_login(w["checker"])
    text = client.get(f"/benefits/batches/{batch.pk}/").content.decode()
    assert 'name="what" value="approve"' in text
    r = client.post(f"/benefits/batches/{batch.pk}/", {"what": "approve"})
    assert r.status_code == 302
    assert PaymentBatch.objects.get(pk=batch.pk).status == "approved"
    r = client.post(f"/benefits/batches/{batch.pk}/", {"what": "send"})
    assert PaymentBatch.objects.get(pk=batch.pk).status == "sent"
    listing = client.get("/benefits/batches/", {"period": "2026-03"}).content.decode()
    assert f"{batch.total_fen // 100}.{batch.total_fen % 100:02d}" in listing
