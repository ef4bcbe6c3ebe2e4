"""/api/v1/indicators/values and /api/v1/indicators/reported, through the real client."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core import clock
from laoxiao.plan.calculators import MEASURE_KEYS
from laoxiao.plan.models import IndicatorValue, ReportedValue

pytestmark = pytest.mark.django_db

BASE = "/api/v1/indicators"
CITY = "340600000000"
XS = "340603000000"


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def hr_reporter(city: dict[str, Any]) -> Any:
    return make_user("rs_rep", ["bureau_reporter"], [CITY], unit_id="human_resources")


@pytest.fixture
def stored(city: dict[str, Any]) -> None:
    now = timezone.now()
    IndicatorValue.objects.create(
        measure_id=MEASURE_KEYS["E03"], region_code=XS, period="2021", value=Decimal("53.5"), numerator=107,
        denominator=200, computed_at=now,
    )  # fmt: skip
    IndicatorValue.objects.create(
        measure_id=MEASURE_KEYS["E11"],
        region_code=XS,
        period="2021",
        value=Decimal(3),
        numerator=3,
        computed_at=now,
    )
    IndicatorValue.objects.create(
        measure_id=MEASURE_KEYS["E11"],
        region_code=CITY,
        period="2021",
        value=Decimal(9),
        numerator=9,
        computed_at=now,
    )
    IndicatorValue.objects.create(
        measure_id=MEASURE_KEYS["E08"], region_code=XS, period="2021-06", value=Decimal(100), numerator=4,
        denominator=4, computed_at=now,
    )  # fmt: skip


def test_values_for_a_region_and_period(client: Client, suixi_officer: Any, stored: None) -> None:
    # a county health officer of 濉溪县 reads 相山区's aggregates: values are not personal data
    rows = login(client, suixi_officer).get(f"{BASE}/values?region={XS}&period=2021").json()
    assert len(rows) == 26
    by = {r["code"]: r for r in rows}
    e03 = by["E03"]
    assert (e03["value"], e03["numerator"], e03["denominator"]) == (53.5, 107, 200)
    assert (e03["status"], e03["expected"], e03["baseline"], e03["target"]) == ("on_track", 52.664, 50.83, 60)
    assert e03["kind"] == "computed" and e03["computed_at"] and e03["reason"] is None
    assert by["E11"]["value"] == 3 and by["E11"]["status"] is None  # a count below the city
    assert by["E01"]["value"] is None and by["E01"]["reason"] and by["E01"]["status"] is None
    city = {r["code"]: r for r in client.get(f"{BASE}/values?period=2021").json()}
    assert city["E11"]["region_code"] == CITY and city["E11"]["status"] == "on_track"  # 9 ≥ 9 in 2021
    month = client.get(f"{BASE}/values?region={XS}&period=2021-06").json()
    assert [(r["code"], r["value"], r["status"]) for r in month] == [("E08", 100, "achieved")]


def test_values_errors(client: Client, xiangshan_officer: Any) -> None:
    login(client, xiangshan_officer)
    r = client.get(f"{BASE}/values?region=340699000000&period=2021")
    assert r.status_code == 404
    r = client.get(f"{BASE}/values?region={XS}&period=2021-13")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"
    r = client.get(f"{BASE}/values?region={XS}")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"


def test_values_need_a_signed_in_staff_user(client: Client, nobody: Any) -> None:
    assert client.get(f"{BASE}/values?period=2021").status_code == 401
    # staff without a region still read the city's aggregates
    assert login(client, nobody).get(f"{BASE}/values?period=2021").status_code == 200


def submit(client: Client, **over: Any) -> Any:
    body = {
        "indicator": "E01",
        "region_code": CITY,
        "period": "2021",
        "value": "96.4",
        "source": "2021年社保统计年报",
        "note": "",
        **over,
    }
    return client.post(f"{BASE}/reported", body, content_type="application/json")


def test_submit_list_approve_through_the_api(
    client: Client, hr_reporter: Any, admin_user: Any, xiangshan_officer: Any
) -> None:
    r = submit(login(client, hr_reporter))
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["value"], body["reporting_unit"], body["indicator"]) == (
        "submitted", 96.4, "human_resources", "E01"
    )  # fmt: skip
    pk = body["id"]
    assert (
        client.post(f"{BASE}/reported/{pk}/approve", {}, content_type="application/json").status_code == 403
    )
    listed = client.get(f"{BASE}/reported?status=submitted").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == pk
    login(client, xiangshan_officer)
    assert client.get(f"{BASE}/reported").json()["count"] == 0
    assert client.get(f"{BASE}/reported/{pk}").status_code == 404
    assert (
        client.post(f"{BASE}/reported/{pk}/approve", {}, content_type="application/json").status_code == 404
    )
    login(client, admin_user)
    r = client.post(f"{BASE}/reported/{pk}/approve", {"note": "核对无误"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["reviewed_by"] == "admin"
    again = client.post(f"{BASE}/reported/{pk}/approve", {}, content_type="application/json")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "status"
    row = {x["code"]: x for x in client.get(f"{BASE}/values?period=2021").json()}["E01"]
    assert (row["value"], row["status"], row["kind"]) == (96.4, "achieved", "reported")


def test_reject_and_withdraw(client: Client, hr_reporter: Any, admin_user: Any) -> None:
    pk = submit(login(client, hr_reporter)).json()["id"]
    login(client, admin_user)
    r = client.post(f"{BASE}/reported/{pk}/reject", {}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    r = client.post(f"{BASE}/reported/{pk}/reject", {"note": "口径不符"}, content_type="application/json")
    assert r.json()["status"] == "rejected"
    pk2 = submit(login(client, hr_reporter), value="95.5").json()["id"]
    r = client.post(f"{BASE}/reported/{pk2}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert ReportedValue.objects.get(pk=pk2).status == "withdrawn"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"value": "101"}, "value"),
        ({"value": "abc"}, "value"),
        ({"period": "2021-06"}, "period"),
        ({"period": "twenty"}, "period"),
        ({"region_code": "340699000000"}, "region_code"),
        ({"indicator": "E99"}, "indicator"),
        ({"indicator": "E03", "period": str(clock.today().year)}, "indicator"),
        ({"source": ""}, "source"),
    ],
)
def test_bad_submissions_answer_422_with_the_field(
    client: Client, admin_user: Any, over: dict[str, Any], field: str
) -> None:
    r = submit(login(client, admin_user), **over)
    assert r.status_code == 422, r.content
    assert field in {e["field"] for e in r.json()["errors"]}


def test_a_second_pending_submission_is_refused(client: Client, hr_reporter: Any) -> None:
    login(client, hr_reporter)
    assert submit(client).status_code == 201
    r = submit(client, value="97")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "__all__"


def test_a_reporter_of_another_unit_is_refused(client: Client, city: dict[str, Any]) -> None:
    other = make_user("wj_rep", ["bureau_reporter"], [CITY], unit_id="health_commission")
    assert submit(login(client, other)).status_code == 403
    assert submit(client, indicator="E09", value="77.6").status_code == 201  # the health commission's


def test_openapi_lists_the_endpoints_with_summaries(client: Client, admin_user: Any) -> None:
    schema = login(client, admin_user).get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/indicators/values",
        "/api/v1/indicators/reported",
        "/api/v1/indicators/reported/{pk}/approve",
    ):
        ops = schema["paths"][path]
        assert all(op.get("summary") for op in ops.values())
