"""Probes of issue 10 (items 1 and 2): reveal and the change log respect the sector and the provider,
not only the region; malformed ids answer 404/422; denied reveals are logged without the value."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.people.models import Guardian
from laoxiao.people.tests.factories import make_child
from laoxiao.people.tests.factories import make_child_id as id_number
from laoxiao.providers.models import Provider
from laoxiao.providers.tests.factories import make_provider, make_staff

CHILD_ID = id_number("340603", dt.date(2025, 2, 1), 7)
CERT = "Q340603123456"
GUARDIAN_ID = "340603199001011234"
GUARDIAN_PHONE = "13800001111"


@pytest.fixture
def records(city: dict[str, Any]) -> dict[str, Any]:
    child = make_child(id_no=CHILD_ID, cert=CERT)
    guardian = Guardian.objects.create(
        child=child, region_code=child.region_code, id_number=GUARDIAN_ID, name="王母", phone=GUARDIAN_PHONE
    )
    nursery = make_provider(1, kind=Provider.Kind.CHILDCARE_CENTRE)
    home = make_provider(2, kind=Provider.Kind.ELDERCARE_HOME)
    return {
        "child": child,
        "guardian": guardian,
        "nursery": nursery,
        "nursery_staff": make_staff(nursery, id_number="340603198501011230"),
        "home": home,
        "home_staff": make_staff(home, id_number="340603197501011236"),
    }


@pytest.fixture
def xs_health(city: dict[str, Any]) -> Any:
    """A health officer of 相山区 (the same county as the civil-affairs officer)."""
    return make_user("xs_wj", ["health_county"], ["340603000000"])


def _api_reveal(client: Any, target_type: str, target_id: Any, field: str) -> Any:
    return client.post(
        "/api/v1/reveal/",
        {"target_type": target_type, "target_id": target_id, "field": field},
        content_type="application/json",
    )


CIVIL_AFFAIRS_DENIED = [
    ("people.child", "child", "id_number"),
    ("people.child", "child", "birth_certificate_number"),
    ("people.guardian", "guardian", "phone"),
    ("people.guardian", "guardian", "id_number"),
    ("providers.staffmember", "nursery_staff", "id_number"),
    ("providers.provider", "nursery", "contact_phone"),
]


@pytest.mark.parametrize(("target_type", "key", "field"), CIVIL_AFFAIRS_DENIED)
def test_civil_affairs_cannot_reveal_childcare_records(
    client: Any, records: dict[str, Any], xiangshan_officer: Any, target_type: str, key: str, field: str
) -> None:
    client.force_login(xiangshan_officer)
    pk = records[key].pk
    assert _api_reveal(client, target_type, str(pk), field).status_code == 404
    assert client.post(f"/reveal/{target_type}/{pk}/{field}").status_code == 404
    assert not ChangeLog.objects.filter(action=ChangeLog.Action.REVEAL).exists()


def test_health_cannot_reveal_eldercare_staff_but_can_reveal_a_child(
    client: Any, records: dict[str, Any], xs_health: Any
) -> None:
    client.force_login(xs_health)
    denied = _api_reveal(client, "providers.staffmember", str(records["home_staff"].pk), "id_number")
    assert denied.status_code == 404
    allowed = _api_reveal(client, "people.child", str(records["child"].pk), "id_number")
    assert allowed.status_code == 200 and allowed.json() == {"value": CHILD_ID}
    staff = _api_reveal(client, "providers.staffmember", str(records["nursery_staff"].pk), "id_number")
    assert staff.status_code == 200


def test_civil_affairs_still_reveals_elder_care_staff(
    client: Any, records: dict[str, Any], xiangshan_officer: Any
) -> None:
    client.force_login(xiangshan_officer)
    response = _api_reveal(client, "providers.staffmember", str(records["home_staff"].pk), "id_number")
    assert response.status_code == 200 and response.json() == {"value": "340603197501011236"}


def test_provider_operator_reveals_only_own_staff(client: Any, records: dict[str, Any]) -> None:
    operator = make_user("op", ["provider_operator"], [], provider=records["home"])
    operator.user_permissions.add(
        __import__("django.contrib.auth.models", fromlist=["Permission"]).Permission.objects.get(
            codename="reveal_personal_data"
        )
    )
    client.force_login(operator)
    mine = _api_reveal(client, "providers.staffmember", str(records["home_staff"].pk), "id_number")
    other = _api_reveal(client, "providers.staffmember", str(records["nursery_staff"].pk), "id_number")
    assert mine.status_code == 200 and other.status_code == 404


@pytest.mark.parametrize("bad", ["abc", "1e3", "", "-1", "0x10", "9" * 40, "1\x00", " 1", "١"])
def test_malformed_ids_answer_404_not_500(
    client: Any, records: dict[str, Any], xs_health: Any, bad: str
) -> None:
    client.force_login(xs_health)
    assert _api_reveal(client, "people.child", bad, "id_number").status_code in (404, 422)
    if bad and "\x00" not in bad and "/" not in bad:
        assert client.post(f"/reveal/people.child/{bad}/id_number").status_code in (404, 422)


@pytest.mark.parametrize("value", [1000, 1.5, None, ["1"]])
def test_non_string_ids_answer_422(client: Any, records: dict[str, Any], xs_health: Any, value: Any) -> None:
    client.force_login(xs_health)
    assert _api_reveal(client, "people.child", value, "id_number").status_code in (404, 422)


def test_denied_reveal_is_logged_without_value_and_tells_nothing(
    client: Any, records: dict[str, Any], xiangshan_officer: Any
) -> None:
    client.force_login(xiangshan_officer)
    real = _api_reveal(client, "people.child", str(records["child"].pk), "id_number")
    missing = _api_reveal(client, "people.child", "987654", "id_number")
    assert real.status_code == missing.status_code == 404
    assert real.json() == missing.json()
    denied = ChangeLog.objects.filter(action=ChangeLog.Action.REVEAL_DENIED).order_by("id")
    assert denied.count() == 2
    for row in denied:
        assert row.actor == xiangshan_officer and row.note == "id_number"
        assert CHILD_ID not in str(row.changes) and row.target_repr == ""
        assert row.region_code == ""  # never shown to the prober by region: only the whole-city log
    # the prober's own change log does not show the attempt (it would tell which one hit a record)
    assert not client.get("/api/v1/changelog/?action=reveal_denied").json()["items"]


def test_denied_reveal_without_permission_is_logged(client: Any, records: dict[str, Any]) -> None:
    worker = make_user("cw", ["community_worker"], ["340603000000"])
    client.force_login(worker)
    assert (
        _api_reveal(client, "providers.staffmember", str(records["home_staff"].pk), "id_number").status_code
        == 403
    )
    assert ChangeLog.objects.filter(action=ChangeLog.Action.REVEAL_DENIED, actor=worker).count() == 1


# --- the change log ---------------------------------------------------------------------------


@pytest.fixture
def logged(records: dict[str, Any], admin_user: Any) -> dict[str, Any]:
    from laoxiao.people.tests.factories import make_elder

    elder = make_elder(admin_user)
    from laoxiao.people.models import WelfareVisit

    visit = WelfareVisit.objects.create(
        elder=elder, region_code=elder.region_code, visited_on=dt.date(2026, 1, 5), visitor="网格员"
    )
    rows = {}
    for key, target in [
        ("child", records["child"]),
        ("guardian", records["guardian"]),
        ("nursery", records["nursery"]),
        ("nursery_staff", records["nursery_staff"]),
        ("home", records["home"]),
        ("home_staff", records["home_staff"]),
        ("elder", elder),
        ("visit", visit),
    ]:
        rows[key] = log_change(actor=admin_user, action=ChangeLog.Action.UPDATE, target=target, changes={})
    region = city_region = __import__("laoxiao.regions.models", fromlist=["Region"]).Region.objects.get(
        code="340603001001"
    )
    del city_region
    rows["region"] = log_change(actor=admin_user, action=ChangeLog.Action.UPDATE, target=region, changes={})
    return rows


def _seen(client: Any) -> set[int]:
    items = client.get("/api/v1/changelog/?page_size=200").json()["items"]
    return {i["id"] for i in items}


def test_civil_affairs_change_log_has_no_childcare_rows(
    client: Any, logged: dict[str, Any], xiangshan_officer: Any
) -> None:
    client.force_login(xiangshan_officer)
    seen = _seen(client)
    for key in ("child", "guardian", "nursery", "nursery_staff"):
        assert logged[key].pk not in seen, key
        assert client.get(f"/api/v1/changelog/{logged[key].pk}").status_code == 404
    for key in ("home", "home_staff", "elder", "visit", "region"):
        assert logged[key].pk in seen, key
    page = client.get("/changelog/")
    assert page.status_code == 200 and "王母" not in page.content.decode()


def test_health_change_log_has_no_welfare_visits(client: Any, logged: dict[str, Any], xs_health: Any) -> None:
    client.force_login(xs_health)
    seen = _seen(client)
    for key in ("visit", "home", "home_staff"):
        assert logged[key].pk not in seen, key
    for key in ("child", "guardian", "nursery", "nursery_staff", "elder", "region"):
        assert logged[key].pk in seen, key


def test_provider_operator_sees_own_provider_rows_only(
    client: Any, logged: dict[str, Any], records: Any
) -> None:
    operator = make_user("op2", ["provider_operator"], [], provider=records["nursery"])
    client.force_login(operator)
    seen = _seen(client)
    assert logged["nursery"].pk in seen and logged["nursery_staff"].pk in seen
    assert (
        logged["home"].pk not in seen and logged["child"].pk not in seen and logged["region"].pk not in seen
    )


def test_change_log_rows_carry_sector_and_provider(logged: dict[str, Any], records: Any) -> None:
    assert ChangeLog.objects.get(pk=logged["nursery_staff"].pk).provider_id == records["nursery"].pk
    assert {ChangeLog.objects.get(pk=logged[k].pk).sector for k in ("child", "visit", "region")} == {
        "childcare",
        "eldercare",
        "",
    }


def test_every_protected_model_has_a_scoped_read() -> None:
    from django.apps import apps

    from laoxiao.core.reveal import SCOPED_READS

    protected = {m._meta.label_lower for m in apps.get_models() if getattr(m, "PROTECTED_FIELDS", None)}
    assert protected <= set(SCOPED_READS), protected - set(SCOPED_READS)


def test_change_log_filter_offers_only_readable_kinds(
    client: Any, logged: dict[str, Any], xiangshan_officer: Any, xs_health: Any
) -> None:
    from laoxiao.core.selectors import changelog_target_types

    civil = changelog_target_types(actor=xiangshan_officer)
    assert "people.child" not in civil and "people.guardian" not in civil
    assert "people.elder" in civil and "regions.region" in civil
    health = changelog_target_types(actor=xs_health)
    assert "people.child" in health and "people.welfarevisit" not in health
    client.force_login(xiangshan_officer)
    assert ">people.child<" not in client.get("/changelog/").content.decode()
