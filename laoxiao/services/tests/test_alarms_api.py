"""The device-event endpoint (vendor key, idempotency, 20 parallel identical events → one alarm),
the alarm API and the alarms board."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.services.actions import alarms as actions
from laoxiao.services.models import Alarm, DeviceEvent
from laoxiao.services.tests.factories_alarms import (
    event_body,
    make_alarm_elder,
    make_centre,
    make_device,
    make_vendor,
)

URL = "/api/v1/services/device-events"
pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real parallel writers need PostgreSQL (SQLite serialises them)"
)


@pytest.fixture
def setup(admin_user: Any, xiangshan_officer: Any) -> dict[str, Any]:
    vendor, raw = make_vendor(admin_user)
    elder = make_alarm_elder(xiangshan_officer)
    centre = make_centre()
    make_device(vendor, elder)
    return {"vendor": vendor, "raw": raw, "elder": elder, "centre": centre}


def _send(key: str | None, body: dict[str, Any]) -> Any:
    extra = {"HTTP_X_VENDOR_KEY": key} if key is not None else {}
    try:
        return Client().post(URL, data=json.dumps(body), content_type="application/json", **extra)
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()


def _as(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_ingestion_needs_the_vendor_key(
    setup: dict[str, Any], admin_user: Any, xiangshan_officer: Any
) -> None:
    assert _send(None, event_body()).status_code == 401
    assert _send("lxv_wrong", event_body()).status_code == 401
    # a signed-in user's session is not a vendor key
    assert (
        _as(xiangshan_officer)
        .post(URL, data=json.dumps(event_body()), content_type="application/json")
        .status_code
        == 401
    )
    actions.vendor_set_active(actor=admin_user, vendor=setup["vendor"], active=False)
    assert _send(setup["raw"], event_body()).status_code == 401
    assert Alarm.objects.count() == 0


@pytest.mark.django_db
def test_same_event_answers_the_same_alarm(setup: dict[str, Any]) -> None:
    first = _send(setup["raw"], event_body())
    assert first.status_code == 200, first.content.decode()
    data = first.json()
    assert data["created"] is True and data["alarm"]["provider"] == setup["centre"].uscc
    assert data["alarm"]["elder_name"] != setup["elder"].name  # masked
    again = _send(setup["raw"], event_body())
    assert again.status_code == 200 and again.json()["alarm"]["id"] == data["alarm"]["id"]
    assert again.json()["created"] is False
    assert DeviceEvent.objects.count() == 1 and Alarm.objects.count() == 1


@pytest.mark.django_db
def test_unknown_serial_and_bad_kind_are_422(setup: dict[str, Any]) -> None:
    r = _send(setup["raw"], event_body(serial="nope"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "serial"
    r = _send(setup["raw"], event_body(kind="earthquake"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"


@pg_only
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_identical_events_open_one_alarm(setup: dict[str, Any]) -> None:
    body = event_body(event_id="burst-1")
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _i: _send(setup["raw"], body), range(20)))
    codes = [a.status_code for a in answers]
    assert codes == [200] * 20, [a.content[:200] for a in answers]
    assert DeviceEvent.objects.count() == 1 and Alarm.objects.count() == 1
    assert len({a.json()["alarm"]["id"] for a in answers}) == 1
    assert sum(a.json()["created"] for a in answers) == 1


@pytest.mark.django_db
def test_alarm_api_steps_scope_and_stats(setup: dict[str, Any], xiangshan_officer: Any) -> None:
    alarm_id = _send(setup["raw"], event_body()).json()["alarm"]["id"]
    officer = _as(xiangshan_officer)
    listed = officer.get("/api/v1/services/alarms?status=open").json()
    assert [a["id"] for a in listed["items"]] == [alarm_id]
    sx = _as(make_user("sx_civil", ["civil_affairs_county"], ["340621000000"]))
    assert sx.get(f"/api/v1/services/alarms/{alarm_id}").status_code == 404
    assert sx.post(f"/api/v1/services/alarms/{alarm_id}/acknowledge").status_code == 404
    assert sx.get("/api/v1/services/alarms").json()["count"] == 0
    r = officer.post(f"/api/v1/services/alarms/{alarm_id}/on-site")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    assert officer.post(f"/api/v1/services/alarms/{alarm_id}/acknowledge").json()["status"] == "acknowledged"
    assert officer.post(f"/api/v1/services/alarms/{alarm_id}/on-site").json()["status"] == "on_site"
    r = officer.post(
        f"/api/v1/services/alarms/{alarm_id}/close",
        data=json.dumps({"outcome": ""}),
        content_type="application/json",
    )
    assert r.status_code == 422
    r = officer.post(
        f"/api/v1/services/alarms/{alarm_id}/close",
        data=json.dumps({"outcome": "ok"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["closed_at"]
    stats = officer.get("/api/v1/services/alarms/response-times?by=county").json()
    assert stats[0]["key"] == "340603000000" and stats[0]["acknowledged"] == 1


@pytest.mark.django_db
def test_vendor_api_for_admins_only(admin_user: Any, xiangshan_officer: Any, setup: dict[str, Any]) -> None:
    admin = _as(admin_user)
    r = admin.post(
        "/api/v1/services/device-vendors",
        data=json.dumps({"code": "beta", "name": "Beta"}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["key"].startswith("lxv_")
    raw = r.json()["key"]
    officer = _as(xiangshan_officer)
    assert (
        officer.post(
            "/api/v1/services/device-vendors",
            data=json.dumps({"code": "x", "name": "X"}),
            content_type="application/json",
        ).status_code
        == 403
    )
    assert officer.post("/api/v1/services/device-vendors/beta/rotate-key").status_code == 404
    assert officer.get("/api/v1/services/device-vendors").json()["count"] == 0
    rotated = admin.post("/api/v1/services/device-vendors/beta/rotate-key").json()["key"]
    assert rotated != raw and actions.vendor_authenticate(raw) is None
    assert admin.post("/api/v1/services/device-vendors/beta/revoke").json()["active"] is False
    assert actions.vendor_authenticate(rotated) is None
    body = {"vendor": "acme", "serial": "SN-77", "kind": "smoke", "elder_id": setup["elder"].pk}
    r = officer.post("/api/v1/services/devices", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 201 and r.json()["region_code"] == setup["elder"].region_code
    r = officer.post("/api/v1/services/devices", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "serial"


@pytest.mark.django_db
def test_alarms_board_page(setup: dict[str, Any], xiangshan_officer: Any) -> None:
    alarm_id = _send(setup["raw"], event_body()).json()["alarm"]["id"]
    officer = _as(xiangshan_officer)
    page = officer.get("/services/alarms/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="alarm-{alarm_id}"' in html and 'hx-trigger="every 15s"' in html
    assert setup["elder"].name not in html  # the name is masked
    r = officer.post(f"/services/alarms/{alarm_id}/acknowledge", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and Alarm.objects.get(pk=alarm_id).status == "acknowledged"
    r = officer.post(f"/services/alarms/{alarm_id}/close", {"outcome": "false alarm"})
    assert r.status_code == 302 and Alarm.objects.get(pk=alarm_id).status == "closed"
    html = officer.get("/services/alarms/").content.decode()
    assert "false alarm" in html  # closed today
    sx = _as(make_user("sx_civil", ["civil_affairs_county"], ["340621000000"]))
    assert f'id="alarm-{alarm_id}"' not in sx.get("/services/alarms/").content.decode()
    assert sx.post(f"/services/alarms/{alarm_id}/close", {"outcome": "x"}).status_code == 404
    assert officer.post(f"/services/alarms/{alarm_id}/explode").status_code == 404
