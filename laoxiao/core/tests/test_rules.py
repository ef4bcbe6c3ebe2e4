from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from laoxiao.core import rules
from laoxiao.core.models import RuleVersion


def test_the_version_in_force_is_the_latest_started(db: Any) -> None:
    RuleVersion.objects.create(key="t.rule", effective_from=dt.date(2021, 1, 1), data={"n": 1})
    RuleVersion.objects.create(key="t.rule", effective_from=dt.date(2025, 1, 1), data={"n": 2})
    assert rules.rule("t.rule", on=dt.date(2024, 12, 31)) == {"n": 1}
    assert rules.rule("t.rule", on=dt.date(2025, 1, 1)) == {"n": 2}
    with pytest.raises(rules.RuleMissing):
        rules.rule("t.rule", on=dt.date(2020, 6, 1))


def test_load_rules_upserts_and_keeps_city_versions(db: Any, tmp_path: Path, monkeypatch: Any) -> None:
    spec = {"key": "t.file", "title": "T", "versions": [{"effective_from": "2021-01-01", "data": {"a": 1}}]}
    path = tmp_path / "t.file.json"
    path.write_text(json.dumps(spec))
    monkeypatch.setattr(rules, "rule_files", lambda: [path])
    assert rules.load_rules()["created"] == 1
    assert rules.load_rules() == {"created": 0, "updated": 0, "unchanged": 1}
    RuleVersion.objects.create(
        key="t.file", effective_from=dt.date(2030, 1, 1), data={"a": 9}
    )  # the city's own
    spec["versions"][0]["data"] = {"a": 2}
    path.write_text(json.dumps(spec))
    assert rules.load_rules()["updated"] == 1
    assert rules.rule("t.file", on=dt.date(2022, 1, 1)) == {"a": 2}
    assert rules.rule("t.file", on=dt.date(2031, 1, 1)) == {"a": 9}


def test_rules_page_lists_rules(client: Any, admin_user: Any) -> None:
    RuleVersion.objects.create(
        key="t.page", effective_from=dt.date(2021, 1, 1), data={"x": 1}, title="Page rule"
    )
    client.force_login(admin_user)
    html = client.get("/rules/").content.decode()
    assert "t.page" in html


def test_every_shipped_rule_file_fits_the_table() -> None:
    """SQLite does not enforce lengths; PostgreSQL does. Check every shipped file against the fields."""
    fields = {f.name: f for f in RuleVersion._meta.get_fields() if hasattr(f, "max_length")}
    certainties = {c for c, _label in RuleVersion.Certainty.choices}
    problems = []
    for path in rules.rule_files():
        spec = json.loads(path.read_text(encoding="utf-8"))
        if (
            len(spec["key"]) > fields["key"].max_length
            or len(spec.get("title", "")) > fields["title"].max_length
        ):
            problems.append((path.name, "key or title"))
        for v in spec["versions"]:
            dt.date.fromisoformat(v["effective_from"])
            if len(v.get("source", "")) > fields["source"].max_length:
                problems.append((path.name, v["effective_from"], "source"))
            if v.get("certainty", "S") not in certainties:
                problems.append((path.name, v["effective_from"], "certainty"))
    assert problems == []
