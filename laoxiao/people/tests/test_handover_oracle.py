"""Issue 10, item 10: registering a number registered in another county answers exactly as a plain
conflict (no existence oracle); a hand-over request is the way forward, decided by the other side."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import translation

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import run_import
from laoxiao.people.actions.handover import handover_decide, handover_request
from laoxiao.people.actions.scope import NOT_REGISTRABLE
from laoxiao.people.models import Child, Elder, HandoverRequest
from laoxiao.people.tests.factories import SX1, XS1, make_child, make_child_id, make_elder, make_elder_id


@pytest.fixture
def sx_civil(city: dict[str, Any]) -> Any:
    return make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])


@pytest.fixture
def xs_health(city: dict[str, Any]) -> Any:
    return make_user("xs_wj", ["health_county"], ["340603000000"])


def _post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_elder_registered_elsewhere_answers_as_a_plain_conflict(
    client: Any, admin_user: Any, sx_civil: Any, xs_health: Any, suixi_officer: Any
) -> None:
    elder = make_elder(admin_user, seq=1, region=XS1)
    client.force_login(sx_civil)
    elsewhere = _post(
        client, "/api/v1/people/elders", {"id_number": elder.id_number, "name": "探测", "region_code": SX1}
    )
    assert elsewhere.status_code == 422, elsewhere.content
    # a plain conflict of numbers (a child's ID and certificate of two different children)
    a = make_child(id_no=make_child_id("340621", dt.date(2025, 3, 1), 1), region_code=SX1)
    b = make_child(cert="Q340621000002", region_code=SX1, name="小红")
    client.force_login(suixi_officer)
    conflict = _post(
        client,
        "/api/v1/people/children",
        {"id_number": a.id_number, "birth_certificate_number": b.birth_certificate_number, "name": "x"},
    )
    assert conflict.status_code == elsewhere.status_code
    assert conflict.json() == elsewhere.json()
    assert "outside" not in elsewhere.content.decode()
    assert Elder.objects.get().name == elder.name


def test_child_registered_elsewhere_answers_as_a_plain_conflict(
    client: Any, suixi_officer: Any, city: dict[str, Any]
) -> None:
    far = make_child(id_no=make_child_id("340603", dt.date(2025, 3, 1), 3), region_code=XS1)
    a = make_child(id_no=make_child_id("340621", dt.date(2025, 3, 1), 1), region_code=SX1)
    b = make_child(cert="Q340621000002", region_code=SX1, name="小红")
    client.force_login(suixi_officer)
    elsewhere = _post(
        client, "/api/v1/people/children", {"id_number": far.id_number, "name": "探测", "region_code": SX1}
    )
    conflict = _post(
        client,
        "/api/v1/people/children",
        {"id_number": a.id_number, "birth_certificate_number": b.birth_certificate_number, "name": "x"},
    )
    assert elsewhere.status_code == conflict.status_code == 422
    assert elsewhere.json() == conflict.json()
    assert Child.objects.get(pk=far.pk).name == far.name


def test_elder_import_registered_elsewhere_uses_the_conflict_words(admin_user: Any, sx_civil: Any) -> None:

    elder = make_elder(admin_user, seq=1, region=XS1)
    text = f"id_number,name,region_code\n{elder.id_number},探测,{SX1}\n"
    report = run_import("elders", io.BytesIO(text.encode()), actor=sx_civil, filename="elders.csv")
    with translation.override("en"):
        expected = str(NOT_REGISTRABLE)
    reasons = {e.reason_en for e in report.errors}
    assert expected in reasons, reasons
    assert not any("outside" in r for r in reasons)
    assert Elder.objects.get().region_code == XS1


def test_handover_request_tells_nothing_and_the_other_side_decides(
    client: Any, admin_user: Any, sx_civil: Any, xiangshan_officer: Any
) -> None:
    elder = make_elder(admin_user, seq=1, region=XS1)
    client.force_login(sx_civil)
    known = _post(
        client,
        "/api/v1/people/handover-requests",
        {"kind": "elder", "id_number": elder.id_number, "to_region_code": SX1},
    )
    unknown = _post(
        client,
        "/api/v1/people/handover-requests",
        {
            "kind": "elder",
            "id_number": make_elder_id(dt.date(1950, 1, 1), 9, county="340621"),
            "to_region_code": SX1,
        },
    )
    assert known.status_code == unknown.status_code == 201
    strip = {"id", "created_at"}
    assert {k: v for k, v in known.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }
    assert known.json()["from_region_code"] is None
    mine = client.get("/api/v1/people/handover-requests?direction=outgoing").json()
    assert {r["from_region_code"] for r in mine} == {None}
    # the requester cannot decide it
    assert (
        _post(client, f"/api/v1/people/handover-requests/{known.json()['id']}/accept", {}).status_code == 404
    )
    # the county that registers the person sees it and accepts it: the person moves
    client.force_login(xiangshan_officer)
    incoming = client.get("/api/v1/people/handover-requests").json()
    assert [r["id"] for r in incoming] == [known.json()["id"]] and incoming[0]["from_region_code"] == XS1
    done = _post(client, f"/api/v1/people/handover-requests/{known.json()['id']}/accept", {})
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    elder.refresh_from_db()
    assert elder.region_code == SX1
    again = _post(client, f"/api/v1/people/handover-requests/{known.json()['id']}/refuse", {})
    assert again.status_code in (404, 422)
    rows = ChangeLog.objects.filter(target_type="people.handoverrequest")
    assert rows.filter(action="create").count() == 2 and rows.filter(action="status").count() == 2


def test_handover_refused_and_sector_bound(
    client: Any, admin_user: Any, sx_civil: Any, xs_health: Any
) -> None:

    elder = make_elder(admin_user, seq=1, region=XS1)
    req = handover_request(actor=sx_civil, kind="elder", id_number=elder.id_number, to_region_code=SX1)
    assert not HandoverRequest.objects.incoming(xs_health).exists()  # health does not decide elder care
    xs_civil = make_user("xs_mz2", ["civil_affairs_county"], ["340603000000"])
    refused = handover_decide(actor=xs_civil, request_id=req.pk, accept=False)
    assert refused.status == "refused"
    elder.refresh_from_db()
    assert elder.region_code == XS1
