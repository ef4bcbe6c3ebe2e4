"""Encrypted fields, blind indexes, masking on screen and logged reveals."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from laoxiao.core.crypto import blind_index
from laoxiao.core.models import ChangeLog
from laoxiao.core.tests.testapp.models import Resident

ID = "34060319400101123X"


@pytest.fixture
def resident(city: dict[str, Any]) -> Resident:
    return Resident.objects.create(region_code="340603001001", name="张三", id_number=ID, phone="13812345678")


def test_stored_encrypted_and_found_by_blind_index(resident: Resident) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone, id_number_hash FROM core_testapp_resident")
        raw_id, raw_phone, raw_hash = cur.fetchone()
    assert ID not in raw_id and raw_id.startswith("v1.")
    assert "13812345678" not in raw_phone
    assert raw_hash == blind_index(ID)
    assert Resident.objects.get(id_number_hash=blind_index(ID.lower())).id_number == ID


def test_bulk_create_fills_the_blind_index(city: dict[str, Any]) -> None:
    Resident.objects.bulk_create([Resident(region_code="340603001001", name="李四", id_number=ID)])
    assert Resident.objects.filter(id_number_hash=blind_index(ID)).count() == 1


def test_rotate_field_key_reseals_and_reindexes(resident: Resident, settings: Any) -> None:
    from django.core.management import call_command

    from laoxiao.core import crypto

    old = settings.FIELD_KEY
    new = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleSE="
    settings.FIELD_KEY = f"{new},{old}"
    call_command("rotate-field-key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM core_testapp_resident")
        (raw,) = cur.fetchone()
    assert crypto.sealed_with_current_key(raw)
    settings.FIELD_KEY = new
    assert Resident.objects.get(id_number_hash=blind_index(ID)).id_number == ID


def test_page_shows_mask_and_reveal_is_logged(
    client: Any, resident: Resident, xiangshan_officer: Any
) -> None:
    from django.template import Context, Template

    html = Template('{% load personal %}{% protected r "id_number" %}').render(
        Context({"r": resident, "user": xiangshan_officer})
    )
    assert "340603********123X" in html and ID not in html and "hx-post" in html
    client.force_login(xiangshan_officer)
    url = f"/reveal/core_testapp.resident/{resident.pk}/id_number"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200 and ID in response.content.decode()
    row = ChangeLog.objects.get(action="reveal")
    assert row.actor == xiangshan_officer and row.note == "id_number" and row.region_code == "340603001001"


def test_reveal_out_of_region_is_404_and_not_logged(
    client: Any, resident: Resident, suixi_officer: Any
) -> None:
    client.force_login(suixi_officer)
    assert client.post(f"/reveal/core_testapp.resident/{resident.pk}/id_number").status_code == 404
    response = client.post(
        "/api/v1/reveal/",
        {"target_type": "core_testapp.resident", "target_id": str(resident.pk), "field": "id_number"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not ChangeLog.objects.filter(action="reveal").exists()


def test_reveal_needs_the_permission(client: Any, resident: Resident, city: dict[str, Any]) -> None:
    from laoxiao.accounts.tests.factories import make_user

    worker = make_user("cw", ["community_worker"], ["340603000000"])
    client.force_login(worker)
    assert client.post(f"/reveal/core_testapp.resident/{resident.pk}/id_number").status_code == 403
    html_tag_user = worker
    from django.template import Context, Template

    html = Template('{% load personal %}{% protected r "phone" %}').render(
        Context({"r": resident, "user": html_tag_user})
    )
    assert "138****5678" in html and "hx-post" not in html
    assert not ChangeLog.objects.filter(action="reveal").exists()


def test_reveal_api_returns_value_and_logs(client: Any, resident: Resident, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post(
        "/api/v1/reveal/",
        {"target_type": "core_testapp.resident", "target_id": str(resident.pk), "field": "phone"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"value": "13812345678"}
    assert ChangeLog.objects.filter(action="reveal", note="phone").count() == 1
    bad = client.post(
        "/api/v1/reveal/", {"target_type": "core_testapp.resident"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"target_id", "field"}
