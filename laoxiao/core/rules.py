"""Reading versioned rules: ``rule("childcare.class_types", on=date)``.

Every rule of the plan or of a national standard (class sizes, staff ratios, schedules, thresholds,
subsidy amounts) lives as a ``RuleVersion`` row, never as a literal in code. Rule files
(``laoxiao/<app>/rules/<key>.json``) hold ``{"key", "title", "versions": [{"effective_from",
"data", "certainty", "source", "note"}]}`` and are loaded by ``load_rules`` (migrations and
``laoxiao load-rules``); it upserts by (key, effective_from) and never deletes a city's own versions.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps

from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import RuleVersion


class RuleMissing(NotFound):
    """No version of the rule is in force on that date."""


def rule_version(key: str, *, on: dt.date | None = None) -> Any:
    on = on or clock.today()
    version = RuleVersion.objects.filter(key=key, effective_from__lte=on).order_by("-effective_from").first()
    if version is None:
        raise RuleMissing(f"no version of rule {key!r} in force on {on}")
    return version


def rule(key: str, *, on: dt.date | None = None) -> Any:
    """The data of the rule ``key`` in force on ``on`` (today by default)."""
    return rule_version(key, on=on).data


def rule_files() -> list[Path]:
    out: list[Path] = []
    for config in global_apps.get_app_configs():
        if config.name.startswith("laoxiao."):
            folder = Path(config.path) / "rules"
            if folder.is_dir():
                out.extend(sorted(folder.glob("*.json")))
    return out


def load_rules(apps: Any = None) -> dict[str, int]:
    """Upsert every version of every rule file. Returns counts (created, updated, unchanged)."""
    model = (apps or global_apps).get_model("core", "RuleVersion")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for path in rule_files():
        spec = json.loads(path.read_text(encoding="utf-8"))
        for v in spec["versions"]:
            values = {
                "data": v["data"],
                "title": spec.get("title", ""),
                "certainty": v.get("certainty", "S"),
                "source": v.get("source", ""),
                "note": v.get("note", ""),
            }
            row = model.objects.filter(key=spec["key"], effective_from=v["effective_from"]).first()
            if row is None:
                model.objects.create(key=spec["key"], effective_from=v["effective_from"], **values)
                counts["created"] += 1
            elif any(getattr(row, k) != val for k, val in values.items()):
                for k, val in values.items():
                    setattr(row, k, val)
                row.save()
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return counts
