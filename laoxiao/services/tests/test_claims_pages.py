"""The claims pages: the list, a claim's page (buttons only for who may), answering a call-back,
approving, the xlsx statement; another county's claim is not found."""

from __future__ import annotations

import io
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from laoxiao.accounts.tests.factories import make_user
from laoxiao.services.actions.claims import claims_build
from laoxiao.services.models import Callback, ServiceClaim
from laoxiao.services.tests.factories_claims import PERIOD, claims_world, make_entitlement, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(city: dict[str, Any], admin_user: Any) -> dict[str, Any]:
    world = claims_world(admin_user)
    make_entitlement(world["a"], 100_000)
    make_visit(world["xs"], world["a"], gov_fen=4025)
    make_visit(world["sx"], world["c"], gov_fen=3000)
    claims_build(period=PERIOD)
    world["claim"] = ServiceClaim.objects.get(provider=world["xs"])
    return world


def test_the_list_and_a_claim(client: Any, w: dict[str, Any], xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    r = client.get("/services/claims/", {"period": "2026-03"})
    assert r.status_code == 200
    assert w["xs"].name in r.content.decode() and w["sx"].name not in r.content.decode()
    r = client.get(f"/services/claims/{w['claim'].pk}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="claim-decide"' in body and "40.25" in body
    sx = ServiceClaim.objects.get(provider=w["sx"])
    assert client.get(f"/services/claims/{sx.pk}/").status_code == 404
    assert client.get(f"/services/claims/{sx.pk}/statement.xlsx").status_code == 404


def test_no_buttons_for_a_township_officer_nor_the_operator(client: Any, w: dict[str, Any]) -> None:
    client.force_login(make_user("xs_town", ["civil_affairs_township"], ["340603001000"]))
    body = client.get(f"/services/claims/{w['claim'].pk}/").content.decode()
    assert 'id="claim-decide"' not in body and 'name="cb-answer"' in body
    client.force_login(make_user("op", ["provider_operator"], [], provider=w["xs"]))
    body = client.get(f"/services/claims/{w['claim'].pk}/").content.decode()
    assert 'id="claim-decide"' not in body and 'name="cb-answer"' not in body


def test_answer_then_approve_on_the_page(client: Any, w: dict[str, Any], xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    url = f"/services/claims/{w['claim'].pk}/"
    r = client.post(url, {"what": "approve", "approve-note": ""})
    assert r.status_code == 200  # refused: a call-back is pending
    assert ServiceClaim.objects.get(pk=w["claim"].pk).status == "prepared"
    cb = Callback.objects.get(claim=w["claim"])
    r = client.post(url, {"what": "callback", "cb-callback": cb.pk, "cb-answer": "confirmed", "cb-note": ""})
    assert r.status_code == 302
    assert Callback.objects.get(pk=cb.pk).answer == "confirmed"
    r = client.post(url, {"what": "approve", "approve-note": "ok"})
    assert r.status_code == 302
    assert ServiceClaim.objects.get(pk=w["claim"].pk).status == "approved"


def test_the_statement(client: Any, w: dict[str, Any], xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    r = client.get(f"/services/claims/{w['claim'].pk}/statement.xlsx")
    assert r.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    values = [c for row in book.get_sheet_by_index(0).to_python() for c in row]
    assert w["xs"].uscc in values and 40.25 in values
