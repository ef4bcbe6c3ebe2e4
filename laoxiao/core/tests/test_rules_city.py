"""A city's own rule versions: ``laoxiao load-rules FILE…`` (the shipped format, checked, all or
nothing) and the rules page's form (a city administrator only, logged, no second version of a date)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.actions import rule_version_create
from laoxiao.core.models import ChangeLog, RuleVersion


def _write(tmp_path: Path, name: str, spec: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


GOOD = {
    "key": "benefits.elderly_allowance",
    "title": "高龄津贴",
    "versions": [
        {
            "effective_from": "2027-01-01",
            "data": {
                "bands": [{"from_age": 80, "to_age": 89, "monthly": "60"}, {"from_age": 90, "monthly": "120"}]
            },
            "certainty": "V",
            "source": "淮北市 2026 文件",
            "note": "",
        }
    ],
}


def test_load_rules_accepts_a_city_file(db: Any, tmp_path: Path, capsys: Any) -> None:
    path = _write(tmp_path, "city.json", GOOD)
    call_command("load-rules", str(path))
    row = RuleVersion.objects.get(key="benefits.elderly_allowance", effective_from=dt.date(2027, 1, 1))
    assert row.certainty == "V" and row.data["bands"][1]["monthly"] == "120"
    assert "created 1" in capsys.readouterr().out
    call_command("load-rules", str(path))
    assert (
        RuleVersion.objects.filter(key="benefits.elderly_allowance", effective_from="2027-01-01").count() == 1
    )


@pytest.mark.parametrize(
    ("bad", "word"),
    [
        ({**GOOD, "key": "Not A Key"}, "key"),
        ({**GOOD, "versions": [{**GOOD["versions"][0], "effective_from": "2027-13-01"}]}, "effective_from"),
        ({**GOOD, "versions": [{**GOOD["versions"][0], "certainty": "X"}]}, "certainty"),
        ({**GOOD, "versions": [{k: v for k, v in GOOD["versions"][0].items() if k != "data"}]}, "data"),
        ({**GOOD, "versions": []}, "versions"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_bad_file_writes_nothing(db: Any, tmp_path: Path, bad: Any, word: str) -> None:
    good = _write(tmp_path, "good.json", {**GOOD, "key": "t.other"})
    path = _write(tmp_path, "bad.json", bad)
    before = RuleVersion.objects.count()
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("load-rules", str(good), str(path))
    assert word in str(exc.value) and "bad.json" in str(exc.value)
    assert RuleVersion.objects.count() == before  # not even the good file


def test_a_file_that_is_not_json_is_reported(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="broken.json"):
        call_command("load-rules", str(path))


def test_rule_version_create_city_admin_only_logged_no_duplicate(
    admin_user: Any, xiangshan_officer: Any
) -> None:
    args = {
        "key": "t.city",
        "effective_from": dt.date(2027, 1, 1),
        "data": {"a": 1},
        "certainty": "?",
        "source": "x",
    }
    with pytest.raises(PermissionDenied):
        rule_version_create(actor=xiangshan_officer, **args)
    row = rule_version_create(actor=admin_user, **args)
    assert ChangeLog.objects.filter(
        target_type="core.ruleversion", target_id=str(row.pk), action="create"
    ).exists()
    with pytest.raises(ValidationError) as exc:
        rule_version_create(actor=admin_user, **args)
    assert "effective_from" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        rule_version_create(actor=admin_user, **{**args, "certainty": "Q", "key": "BAD"})
    assert {"certainty", "key"} <= set(exc.value.message_dict)


def test_rules_page_form(client: Any, admin_user: Any, city: Any) -> None:
    client.force_login(admin_user)
    html = client.get("/rules/").content.decode()
    assert 'id="form-rule-version"' in html
    post = {
        "key": "t.page",
        "effective_from": "2027-01-01",
        "content": '{"x": 1}',
        "certainty": "?",
        "source": "s",
        "note": "",
    }
    assert client.post("/rules/", post).status_code == 302
    assert RuleVersion.objects.get(key="t.page").data == {"x": 1}
    again = client.post("/rules/", post)
    assert again.status_code == 422 and "errorlist" in again.content.decode()
    bad = client.post("/rules/", {**post, "effective_from": "2028-01-01", "content": "{nope"})
    assert bad.status_code == 422 and RuleVersion.objects.filter(key="t.page").count() == 1
    html = client.get("/rules/").content.decode()
    assert "certainty-unconfirmed" in html


def test_rules_page_refuses_a_post_from_an_officer(client: Any, city: Any) -> None:
    officer = make_user("officer_r", ["civil_affairs_county"], ["340603000000"])
    client.force_login(officer)
    assert 'id="form-rule-version"' not in client.get("/rules/").content.decode()
    post = {"key": "t.page", "effective_from": "2027-01-01", "content": "{}", "certainty": "?"}
    assert client.post("/rules/", post).status_code == 403
    assert not RuleVersion.objects.filter(key="t.page").exists()
