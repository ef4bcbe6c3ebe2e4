"""The providers' rules ship as versioned data and load after migrate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from laoxiao.core.models import RuleVersion
from laoxiao.core.rules import rule, rule_version

RULES = Path(__file__).resolve().parents[1] / "rules"
KEYS = {
    "institutions.filing_documents",
    "institutions.filing_time_limits",
    "institutions.holidays",
    "childcare.class_types",
    "childcare.home_point_limits",
    "eldercare.medical_room_rule",
    "pricing.inclusive_ratio",
    "staff.certificate_warning_days",
}


def test_every_rule_file_is_well_formed_and_named_after_its_key() -> None:
    found = set()
    for path in RULES.glob("*.json"):
        spec = json.loads(path.read_text(encoding="utf-8"))
        assert path.stem == spec["key"]
        assert spec["title"]
        for v in spec["versions"]:
            dt.date.fromisoformat(v["effective_from"])
            assert v["certainty"] in {"V", "S", "?"}
            assert v["source"]
        found.add(spec["key"])
    assert found == KEYS


def test_rules_are_loaded_after_migrate(db: Any) -> None:
    assert set(RuleVersion.objects.filter(key__in=KEYS).values_list("key", flat=True)) == KEYS


def test_class_types_follow_the_standard(db: Any) -> None:
    data = rule("childcare.class_types", on=dt.date(2024, 1, 1))
    assert {k: (v["max_children"], v["children_per_carer"]) for k, v in data.items()} == {
        "infant": (10, 3),
        "toddler": (15, 5),
        "older_toddler": (20, 7),
        "mixed": (18, 6),
    }
    assert data["mixed"]["ratio_certainty"] == "?"
    assert rule("childcare.home_point_limits", on=dt.date(2024, 1, 1)) == {
        "max_children": 5,
        "children_per_carer": 3,
    }


def test_inclusive_ratio_is_80_percent_then_70_from_an_unconfirmed_year(db: Any) -> None:
    assert rule("pricing.inclusive_ratio", on=dt.date(2025, 6, 1)) == {"ratio": 0.8}
    later = rule_version("pricing.inclusive_ratio", on=dt.date(2031, 1, 1))
    assert later.data == {"ratio": 0.7} and later.certainty == "?" and "中长期" in later.source + later.note


def test_documents_have_codes_and_both_names(db: Any) -> None:
    docs = rule("institutions.filing_documents", on=dt.date(2024, 1, 1))["documents"]
    codes = [d["code"] for d in docs]
    assert len(codes) == len(set(codes))
    assert {"business_licence", "premises", "fire_safety", "food_licence", "health_evaluation"} <= set(codes)
    for d in docs:
        assert d["name_zh"] and d["name_en"] and isinstance(d["expires"], bool)
    food = next(d for d in docs if d["code"] == "food_licence")
    assert food["when"] == "serves_meals"


@pytest.mark.parametrize("year", range(2021, 2027))
def test_each_year_has_holidays_and_the_weekend_rule(db: Any, year: int) -> None:
    data = rule("institutions.holidays", on=dt.date(year, 7, 1))
    assert data["weekend"] == [5, 6]
    assert any(h["name"] == "春节" for h in data["holidays"])
    for w in data["workdays"]:  # 调休: worked weekend days
        assert dt.date.fromisoformat(w["date"]).weekday() in (5, 6)


def test_other_limits(db: Any) -> None:
    assert rule("institutions.filing_time_limits", on=dt.date(2024, 1, 1)) == {
        "receipt_working_days": 5,
        "notify_working_days": 15,
    }
    assert rule("staff.certificate_warning_days", on=dt.date(2024, 1, 1)) == {"days": 60}
    assert rule("eldercare.medical_room_rule", on=dt.date(2024, 1, 1))["bed_threshold"] == 150
