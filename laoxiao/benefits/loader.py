"""Loading the shipped programmes (``data/programmes.json``): upsert by code, never delete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps

DATA = Path(__file__).resolve().parent / "data" / "programmes.json"
FIELDS = (
    "name",
    "name_en",
    "sector",
    "payee",
    "period",
    "entry",
    "funding_unit",
    "rule_key",
    "excludes",
    "source",
    "description",
)


def load_programmes(apps: Any = None, path: Path | None = None) -> dict[str, int]:
    """Upsert every programme of the file by code (migrations pass their historical ``apps``)."""
    model = (apps or global_apps).get_model("benefits", "Programme")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for spec in json.loads((path or DATA).read_text(encoding="utf-8"))["programmes"]:
        values = {f: spec.get(f, [] if f == "excludes" else "") for f in FIELDS}
        row = model.objects.filter(code=spec["code"]).first()
        if row is None:
            model.objects.create(code=spec["code"], **values)
            counts["created"] += 1
        elif any(getattr(row, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(row, f, v)
            row.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts
