"""The API of programmes and eligibility: 200 with the reasons, 404 outside the caller's regions or
sectors, 422 on a bad month; the officers' lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.models import PaymentAccount, PaymentBatch, PaymentItem
from laoxiao.benefits.tests import factories_eligibility as f

BASE = "/api/v1/benefits"


@pytest.fixture(autouse=True)
def english(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the request's language: the reasons in English
    with translation.override("en"):
        yield


@pytest.fixture
def rules(city: Any) -> None:
    f.prog("elderly_allowance")


def test_programmes_list_and_detail_with_versions(client: Any, rules: None, xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    r = client.get(BASE + "/programmes")
    assert r.status_code == 200
    codes = {p["code"] for p in r.json()}
    assert (
        "elderly_allowance" in codes and "childcare_subsidy" not in codes
    )  # civil affairs: elder programmes
    body = client.get(BASE + "/programmes/elderly_allowance").json()
    assert body["beneficiary"] == "elder"
    v = body["versions"][0]
    assert v["certainty"] == "?" and v["unconfirmed"] is True and v["source"] and v["in_force"]
    assert client.get(BASE + "/programmes/childcare_subsidy").status_code == 404
    assert client.get(BASE + "/programmes/nope").status_code == 404


def test_elder_eligibility_with_reasons_and_scope(
    client: Any, rules: None, xiangshan_officer: Any, suixi_officer: Any
) -> None:
    person = f.elder(birth=dt.date(1940, 1, 1))
    client.force_login(xiangshan_officer)
    r = client.get(f"{BASE}/eligibility/elders/{person.pk}", {"period": "2026-03"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["beneficiary_key"] == f"e{person.pk}" and body["period"] == "2026-03"
    allowance = next(p for p in body["programmes"] if p["programme"] == "elderly_allowance")
    assert allowance["eligible"] and allowance["amount_fen"] == 5000 and allowance["certainty"] == "?"
    assert allowance["from_period"] == "2020-01" and allowance["reasons"]
    service = next(p for p in body["programmes"] if p["programme"] == "service_subsidy")
    assert not service["eligible"] and "application" in " ".join(service["reasons"])
    assert client.get(f"{BASE}/eligibility/elders/{person.pk}", {"period": "2026-13"}).status_code == 422
    assert client.get(f"{BASE}/eligibility/elders/999999").status_code == 404
    other = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
    client.force_login(other)
    assert client.get(f"{BASE}/eligibility/elders/{person.pk}").status_code == 404  # another county


def test_child_eligibility_for_health_not_civil_affairs(client: Any, rules: None, suixi_officer: Any) -> None:
    kid = f.child(birth=dt.date(2025, 2, 1), region=f.SX1)
    client.force_login(suixi_officer)
    body = client.get(f"{BASE}/eligibility/children/{kid.pk}", {"period": "2026-03"}).json()
    sub = next(p for p in body["programmes"] if p["programme"] == "childcare_subsidy")
    assert sub["eligible"] and sub["amount_fen"] == 30000 and sub["from_period"] == "2025-02"
    civil = make_user("sx_mz2", ["civil_affairs_county"], ["340621000000"])
    client.force_login(civil)
    assert client.get(f"{BASE}/eligibility/children/{kid.pk}").status_code == 404


def test_officer_lists(client: Any, rules: None, xiangshan_officer: Any) -> None:
    p = f.prog("elderly_allowance")
    new = f.elder(birth=dt.date(1946, 3, 1))  # 80 on 2026-03-01
    new_with_account = f.elder(birth=dt.date(1946, 2, 10))  # 80 in February: eligible from March
    old = f.elder(birth=dt.date(1940, 1, 1))  # eligible for years
    gone = f.elder(birth=dt.date(1940, 1, 1), died_on=dt.date(2026, 2, 10))
    PaymentAccount.objects.create(
        beneficiary_key=f"e{new_with_account.pk}", elder=new_with_account, region_code=f.XS1,
        bank_code="ICBC", account_number="6222000000000001", account_name="x",
    )  # fmt: skip
    batch = PaymentBatch.objects.create(programme=p, period=dt.date(2026, 2, 1), region_code="340603000000")
    for n, person in enumerate((old, gone)):
        PaymentItem.objects.create(
            code=f"I-{n}", batch=batch, programme=p, period=dt.date(2026, 2, 1), beneficiary_key=f"e{person.pk}",
            elder=person, region_code=f.XS1, amount_fen=10000, status="paid",
        )  # fmt: skip
    client.force_login(xiangshan_officer)
    q = {"programme": "elderly_allowance", "region": "340603000000", "period": "2026-03"}
    r = client.get(BASE + "/eligibility/new-without-account", q)
    assert r.status_code == 200, r.content
    assert [row["beneficiary_key"] for row in r.json()["rows"]] == [f"e{new.pk}"]
    r = client.get(BASE + "/eligibility/paid-not-eligible", q)
    rows = r.json()["rows"]
    assert [row["beneficiary_key"] for row in rows] == [f"e{gone.pk}"]
    assert rows[0]["item_code"] == "I-1" and "Died" in rows[0]["reasons"][0]
    assert (
        client.get(BASE + "/eligibility/paid-not-eligible", {**q, "region": "340621000000"}).status_code
        == 404
    )
    assert client.get(BASE + "/eligibility/paid-not-eligible", {**q, "period": "2026-3"}).status_code == 422
    assert client.get(BASE + "/eligibility/paid-not-eligible", {**q, "programme": "nope"}).status_code == 404
