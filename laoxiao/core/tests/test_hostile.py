"""Hostile input at each depth: the API guard (422 with the exact field), the model layer, the
encryption and blind index, the page numbers and the templates that walk dicts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from ninja import Schema

from laoxiao.api.guard import problems
from laoxiao.core import crypto
from laoxiao.core.changelog import log_change
from laoxiao.core.forms import HardenedForm
from laoxiao.core.hostile import check_model_instance, walk
from laoxiao.core.models import ChangeLog
from laoxiao.core.paging import MAX_PAGE, page_number

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _client(user: Any) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def _fields(r: Any) -> list[str]:
    body = r.json()
    assert set(body) == {"detail", "errors"}, body
    return [e["field"] for e in body["errors"]]


# --- the layers -------------------------------------------------------------------------------------


def test_walk_names_the_path_of_each_bad_value() -> None:
    found = dict(
        walk({"a": "ok", "contacts": [{"name": "\ud800"}, {"n": 2**63}], "x": "\x00", "f": float("nan")})
    )
    assert set(found) == {("contacts", "0", "name"), ("contacts", "1", "n"), ("x",), ("f",)}
    assert not list(walk({"ok": [1, -(2**63), 2**63 - 1, "汉字", 1.5, True]}))


def test_the_api_guard_names_fields_as_the_client_sent_them() -> None:
    class Body(Schema):
        name: str
        contacts: list[str] = []

    errors = problems({"payload": Body(name="ok", contacts=["a", "\ud800"]), "pk": 2**63})
    assert [e["loc"] for e in errors] == [["contacts", "1"], ["pk"]]


def test_encryption_and_blind_index_refuse_unencodable_text() -> None:
    for bad in ("\ud800", "3406\x00"):
        with pytest.raises(ValidationError):
            crypto.encrypt(bad)
        with pytest.raises(ValidationError):
            crypto.blind_index(bad)
    assert crypto.decrypt(crypto.encrypt("340603")) == "340603"


def test_the_model_layer_refuses_values_beyond_each_columns_range(city: dict[str, Any]) -> None:
    from laoxiao.plan.models import MajorProject

    project = MajorProject(year=40000, name="\ud800", beds_added=2**31, slots_added=-1)
    with pytest.raises(ValidationError) as caught:
        check_model_instance(project)
    assert {"year", "name", "beds_added", "slots_added"} <= set(caught.value.message_dict)
    region = city["city"]
    region.name = "相\ud800山"
    with pytest.raises(ValidationError) as caught:
        region.save()  # every save goes through the check
    assert "name" in caught.value.message_dict


def test_hardened_forms_bound_integers_and_refuse_surrogates() -> None:
    from django import forms

    class F(HardenedForm):
        n = forms.IntegerField()
        t = forms.CharField()

    f = F({"n": str(2**63), "t": "\ud800"})
    assert not f.is_valid() and set(f.errors) == {"n", "t"}
    assert F({"n": str(2**63 - 1), "t": "好"}).is_valid()


# --- the API ---------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_provider_patch_answers_422_with_the_field(admin_user: Any) -> None:
    from laoxiao.supervision.tests.factories import make_provider

    p = make_provider("颐养院")
    for field in ("name", "address", "contact_name", "contact_phone"):
        body = json.dumps({field: "\ud800"})
        r = _client(admin_user).patch(f"{API}/providers/{p.uscc}", body, content_type="application/json")
        assert r.status_code == 422 and _fields(r) == [field], r.content
    p.refresh_from_db()
    assert p.name == "颐养院"


def test_integers_beyond_64_bits_answer_422_with_the_field(admin_user: Any) -> None:
    body = json.dumps(
        {"year": 2025, "name": "x", "kind": "eldercare_home", "region_code": "340603000000", "investment": 1}
        | {"beds_added": 2**63, "slots_added": 10**20}
    )
    r = _client(admin_user).post(f"{API}/plan/major-projects", body, content_type="application/json")
    assert r.status_code == 422 and {"beds_added", "slots_added"} <= set(_fields(r))
    r = _client(admin_user).get(f"{API}/regions/", {"page": str(2**63)})
    assert r.status_code == 422 and _fields(r) == ["page"]
    r = _client(admin_user).get(f"{API}/changelog/{2**63}")
    assert r.status_code == 422 and _fields(r) == ["pk"]


def test_the_guard_runs_after_authentication(city: dict[str, Any]) -> None:
    r = Client().post(
        f"{API}/plan/meetings", json.dumps({"title": "\ud800"}), content_type="application/json"
    )
    assert r.status_code == 401


# --- pages -----------------------------------------------------------------------------------------


def test_page_numbers_are_never_an_offset_the_database_cannot_hold() -> None:
    assert [page_number(v) for v in (None, "", "abc", "-1", "1e3", "0", "٣", " 7 ")] == [
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        7,
    ]
    assert page_number(str(10**20)) == MAX_PAGE


@pytest.mark.parametrize("page", [str(10**20), "-1", "abc", "1e3", str(2**63)])
@pytest.mark.parametrize("url", ["/people/elders/", "/people/children/", "/changelog/", "/providers/"])
def test_list_pages_answer_any_page_number(admin_user: Any, url: str, page: str) -> None:
    r = _client(admin_user).get(url, {"page": page})
    assert r.status_code == 200, (url, page, r.status_code)


def test_the_change_log_renders_changes_whose_keys_are_items_keys_values(
    city: dict[str, Any], admin_user: Any
) -> None:
    changes = {"items": [["a"], ["b"]], "keys": [1, 2], "values": ["x", "y"], "get": [None, "z"]}
    log_change(actor=admin_user, action=ChangeLog.Action.UPDATE, target=city["city"], changes=changes)
    r = _client(admin_user).get("/changelog/")
    assert r.status_code == 200
    html = r.content.decode()
    for key in ("items", "keys", "values", "get"):
        assert f"<b>{key}</b>" in html


def test_a_query_string_with_a_key_called_items_does_not_break_the_pager(
    city: dict[str, Any], admin_user: Any
) -> None:
    for i in range(60):  # two pages of the change log, so the pager walks the query string
        log_change(
            actor=admin_user, action=ChangeLog.Action.UPDATE, target=city["city"], changes={"n": [i, i]}
        )
    for query in ({"items": "ab"}, {"items": "abc", "keys": "x", "values": "y"}):
        r = _client(admin_user).get("/changelog/", query)
        assert r.status_code == 200 and "items=ab" in r.content.decode()
