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
import re
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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


KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
CERTAINTIES = ("V", "S", "?")


def check_version(v: Any) -> dict[str, str]:
    """The problems of one version of a rule file (field → message); empty when it is good."""
    errors: dict[str, str] = {}
    if not isinstance(v, dict):
        return {"version": _("A version is an object with effective_from, data, certainty, source and note.")}
    try:
        dt.date.fromisoformat(str(v.get("effective_from", "")))
    except ValueError:
        errors["effective_from"] = _("Not an ISO date (YYYY-MM-DD): %(value)r.") % {
            "value": v.get("effective_from")
        }
    if "data" not in v or not isinstance(v["data"], dict | list):
        errors["data"] = _("The data is missing or not a JSON object or list.")
    if v.get("certainty", "S") not in CERTAINTIES:
        errors["certainty"] = _("Certainty is one of V, S, ?: %(value)r.") % {"value": v.get("certainty")}
    for name, top in (("source", 300), ("note", 10_000)):
        if not isinstance(v.get(name, ""), str) or len(v.get(name, "")) > top:
            errors[name] = _("%(name)s is text of at most %(n)s characters.") % {"name": name, "n": top}
    return errors


def check_rule_file(spec: Any) -> list[str]:
    """Every problem of a rule file in the shipped format ``{"key", "title", "versions": [...]}``."""
    if not isinstance(spec, dict):
        return [_('A rule file is a JSON object {"key", "title", "versions"}.')]
    problems = []
    key = spec.get("key")
    if not isinstance(key, str) or len(key) > 80 or not KEY_RE.match(key):
        problems.append(
            _("key: not a rule key (app.name, lower case, at most 80 characters): %(key)r.") % {"key": key}
        )
    if not isinstance(spec.get("title", ""), str) or len(spec.get("title", "")) > 200:
        problems.append(_("title: text of at most 200 characters."))
    versions = spec.get("versions")
    if not isinstance(versions, list) or not versions:
        problems.append(_("versions: a non-empty list."))
        return problems
    seen: set[str] = set()
    for n, v in enumerate(versions, 1):
        for field, message in check_version(v).items():
            problems.append(
                _("version %(n)s, %(field)s: %(message)s") % {"n": n, "field": field, "message": message}
            )
        day = str(v.get("effective_from")) if isinstance(v, dict) else ""
        if day in seen:
            problems.append(_("version %(n)s: a second version from %(day)s.") % {"n": n, "day": day})
        seen.add(day)
    return problems


def read_rule_files(paths: list[Path]) -> list[dict[str, Any]]:
    """Read and check rule files; one ``ValidationError`` listing every problem of every file."""
    specs, problems = [], []
    for path in paths:
        try:
            spec = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        found = check_rule_file(spec)
        problems.extend(f"{path}: {p}" for p in found)
        if not found:
            specs.append(spec)
    if problems:
        raise ValidationError(problems)
    return specs


def _upsert(model: Any, spec: dict[str, Any], counts: dict[str, int]) -> None:
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


def load_rule_files(paths: list[Path]) -> dict[str, int]:
    """A city's own rule files (the shipped format): every file checked first, then all written
    in one transaction, or nothing (``ValidationError`` listing every problem)."""
    specs = read_rule_files(paths)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for spec in specs:
            _upsert(RuleVersion, spec, counts)
    return counts


def load_rules(apps: Any = None) -> dict[str, int]:
    """Upsert every version of every rule file. Returns counts (created, updated, unchanged)."""
    model = (apps or global_apps).get_model("core", "RuleVersion")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for path in rule_files():
        _upsert(model, json.loads(path.read_text(encoding="utf-8")), counts)
    return counts
