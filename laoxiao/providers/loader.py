"""Loading the city-wide service items (``data/service_items.json``) that providers price."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps

DATA = Path(__file__).resolve().parent / "data" / "service_items.json"
_DEFAULTS: dict[str, Any] = {"min_minutes": None}
FIELDS = ("name", "unit", "sector", "content_class", "unit_kind", "min_minutes", "certificate_kind")


def load_service_items(apps: Any = None) -> dict[str, int]:
    """Upsert every item by code (migrations pass their historical ``apps``); never deletes."""
    model = (apps or global_apps).get_model("providers", "ServiceItem")
    # an earlier migration's model lacks the fields added later: load only the fields it has
    fields = [f for f in FIELDS if f in {x.name for x in model._meta.get_fields()}]
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for item in json.loads(DATA.read_text(encoding="utf-8"))["items"]:
        values = {f: item.get(f, _DEFAULTS.get(f, "")) for f in fields}
        row = model.objects.filter(code=item["code"]).first()
        if row is None:
            model.objects.create(code=item["code"], **values)
            counts["created"] += 1
        elif any(getattr(row, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(row, f, v)
            row.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts
