"""The applications API: a family member submits with a document (Idempotency-Key), reviewers
vote step by step, 422 names the field, 404 outside the scope."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.models import Application, ApplicationVote
from laoxiao.benefits.tests.factories_applications import NOW, PDF, make_family, make_person, make_reviewers
from laoxiao.core import clock

API = "/api/v1/benefits"


@pytest.fixture(autouse=True)
def _var(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


@pytest.fixture
def w(city: dict[str, Any], xiangshan_officer: Any) -> dict[str, Any]:
    with clock.frozen(NOW):
        out = make_reviewers()
        out["elder"] = make_person(xiangshan_officer)
        out["family"] = make_family(out["elder"])
    return out


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, path: str, body: dict[str, Any] | None = None, **extra: Any) -> Any:
    with clock.frozen(NOW):
        return c.post(API + path, data=json.dumps(body or {}), content_type="application/json", **extra)


def get(c: Client, path: str) -> Any:
    with clock.frozen(NOW):
        return c.get(API + path)


def body(w: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "programme": "service_subsidy",
        "elder_id": w["elder"].pk,
        "note": "低保户",
        "documents": [{"name": "低保证.pdf", "content_base64": base64.b64encode(PDF).decode()}],
    }
    out.update(extra)
    return out


def fields(r: Any) -> set[str]:
    return {e["field"] for e in r.json()["errors"]}


@pytest.mark.django_db
def test_family_submits_and_reviewers_vote_through(w: dict[str, Any]) -> None:
    fam = client(w["family"])
    r = post(fam, "/applications", body(w), HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["status"] == "pending" and data["step_level"] == "community"
    assert data["person"] == "老*1" and data["documents"][0]["name"] == "低保证.pdf"
    assert "file" not in data["documents"][0]
    again = post(fam, "/applications", body(w), HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == data["id"]
    assert Application.objects.count() == 1
    dup = post(fam, "/applications", body(w), HTTP_IDEMPOTENCY_KEY="k-2")
    assert dup.status_code == 422 and fields(dup) == {"programme"}
    pk = data["id"]
    queue = get(client(w["community"]), "/applications?queue=true").json()
    assert [a["id"] for a in queue["items"]] == [pk]
    for who in ("community", "township", "county"):
        r = post(client(w[who]), f"/applications/{pk}/votes", {"decision": "approve", "reason": "ok"})
        assert r.status_code == 200, r.content
    r = post(client(w["county"]), f"/applications/{pk}/votes", {"decision": "approve"})
    assert r.status_code == 200  # the same vote again
    keyed = [
        post(
            client(w["county"]),
            f"/applications/{pk}/votes",
            {"decision": "approve"},
            HTTP_IDEMPOTENCY_KEY="v",
        )
        for _ in range(2)
    ]
    assert [k.status_code for k in keyed] == [200, 200] and keyed[1]["Idempotent-Replayed"] == "true"
    assert ApplicationVote.objects.count() == 3
    detail = get(fam, f"/applications/{pk}").json()
    assert detail["status"] == "approved" and detail["valid_from"] == "2026-04-01"
    assert [v["level"] for v in detail["votes"]] == ["community", "township", "county"]


@pytest.mark.django_db
def test_bad_input_names_the_field(w: dict[str, Any]) -> None:
    c = client(w["worker"])
    r = post(c, "/applications", body(w, programme="elderly_allowance"))
    assert r.status_code == 422 and fields(r) == {"programme"}
    bad = [{"name": "x.pdf", "content_base64": base64.b64encode(b"MZ....").decode()}]
    r = post(c, "/applications", body(w, documents=bad))
    assert r.status_code == 422 and fields(r) == {"documents"}
    r = post(c, "/applications", body(w, documents=[{"name": "x.pdf", "content_base64": "%%%"}]))
    assert r.status_code == 422 and fields(r) == {"documents"}
    r = post(c, "/applications", body(w, elder_id=None))
    assert r.status_code == 422 and fields(r) == {"elder_id"}
    pk = post(c, "/applications", body(w)).json()["id"]
    r = post(client(w["community"]), f"/applications/{pk}/votes", {"decision": "reject"})
    assert r.status_code == 422 and fields(r) == {"reason"}
    r = post(client(w["community"]), f"/applications/{pk}/votes", {"decision": "perhaps"})
    assert r.status_code == 422 and "decision" in str(r.json())
    r = post(client(w["worker"]), f"/applications/{pk}/votes", {"decision": "approve"})
    assert r.status_code == 403  # the maker
    r = post(client(w["township"]), f"/applications/{pk}/votes", {"decision": "approve"})
    assert r.status_code == 403  # not the level of the step
    r = post(client(w["community"]), f"/applications/{pk}/votes", {"decision": "approve", "step": 2})
    assert r.status_code == 422 and fields(r) == {"step"}


@pytest.mark.django_db
def test_scope_is_404(w: dict[str, Any]) -> None:
    pk = post(client(w["family"]), "/applications", body(w)).json()["id"]
    suixi = client(make_user("sx_mz", ["civil_affairs_county"], ["340621000000"]))
    assert get(suixi, f"/applications/{pk}").status_code == 404
    assert post(suixi, f"/applications/{pk}/votes", {"decision": "approve"}).status_code == 404
    assert post(suixi, f"/applications/{pk}/withdraw").status_code == 404
    assert post(suixi, "/applications", body(w)).status_code == 404
    assert get(suixi, "/applications").json()["count"] == 0
    stranger = client(make_user("fam9", ["family_member"], []))
    assert get(stranger, f"/applications/{pk}").status_code == 404
    assert post(stranger, "/applications", body(w, programme="care_subsidy")).status_code == 404
    # a family member sees the application but never votes
    fam_vote = post(client(w["family"]), f"/applications/{pk}/votes", {"decision": "approve"})
    assert fam_vote.status_code == 403
    # the submitter withdraws; another family member of the same person may not
    other = make_family(w["elder"], "fam2")
    assert post(client(other), f"/applications/{pk}/withdraw").status_code == 403
    r = post(client(w["family"]), f"/applications/{pk}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"


@pytest.mark.django_db
def test_waiting_no_reviewer_list(w: dict[str, Any]) -> None:
    pk = post(client(w["township"]), "/applications", body(w)).json()["id"]
    post(client(w["community"]), f"/applications/{pk}/votes", {"decision": "approve"})
    county = client(w["county"])
    listed = get(county, "/applications?waiting=true").json()
    assert [a["id"] for a in listed["items"]] == [pk] and listed["items"][0]["waiting_no_reviewer"]
    assert get(county, "/applications?queue=true").json()["count"] == 0
