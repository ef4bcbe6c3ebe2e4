from __future__ import annotations

from typing import Any

import pytest

from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog


def test_change_log_is_append_only(city: dict[str, Any], admin_user: Any) -> None:
    row = log_change(
        actor=admin_user, action=ChangeLog.Action.UPDATE, target=city["city"], changes={"name": ["a", "b"]}
    )
    assert row.region_code == "340600000000"
    assert row.target_type == "regions.region"
    row.note = "edited"
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        ChangeLog.objects.filter(pk=row.pk).update(note="x")
    with pytest.raises(TypeError):
        ChangeLog.objects.all().delete()
    assert ChangeLog.objects.get(pk=row.pk).note == ""


@pytest.mark.parametrize("url", ["/regions/%00/", "/changelog/?action=a%00b"])
def test_nul_bytes_answer_400_not_500(client: Any, admin_user: Any, url: str) -> None:
    client.force_login(admin_user)
    assert client.get(url).status_code == 400


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/regions/?q=%00", "q"),
        ("/api/v1/regions/%00", "path"),
        ("/api/v1/changelog/?a%00=1", "a\\x00"),
    ],
)
def test_nul_bytes_on_the_api_answer_422_in_the_one_error_format(
    client: Any, admin_user: Any, url: str, field: str
) -> None:
    client.force_login(admin_user)
    r = client.get(url)
    assert r.status_code == 422 and r["Content-Type"].startswith("application/json")
    assert r.json()["detail"] and [e["field"] for e in r.json()["errors"]] == [field]


def test_a_page_with_a_nul_byte_answers_400_in_the_users_language(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    r = client.get("/changelog/?action=%00", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400 and "NUL" in r.content.decode() and "请求" in r.content.decode()


def test_target_types_are_distinct(city: dict[str, Any], admin_user: Any) -> None:
    from laoxiao.core.selectors import changelog_target_types

    for i in range(3):
        log_change(
            actor=admin_user, action=ChangeLog.Action.UPDATE, target=city["city"], changes={"n": [i, i + 1]}
        )
    assert changelog_target_types(actor=admin_user) == ["regions.region"]
