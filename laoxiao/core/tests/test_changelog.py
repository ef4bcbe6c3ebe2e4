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


@pytest.mark.parametrize("url", ["/api/v1/regions/?q=%00", "/regions/%00/", "/changelog/?action=a%00b"])
def test_nul_bytes_answer_400_not_500(client: Any, admin_user: Any, url: str) -> None:
    client.force_login(admin_user)
    assert client.get(url).status_code == 400


def test_target_types_are_distinct(city: dict[str, Any], admin_user: Any) -> None:
    from laoxiao.core.selectors import changelog_target_types

    for i in range(3):
        log_change(
            actor=admin_user, action=ChangeLog.Action.UPDATE, target=city["city"], changes={"n": [i, i + 1]}
        )
    assert changelog_target_types() == ["regions.region"]
