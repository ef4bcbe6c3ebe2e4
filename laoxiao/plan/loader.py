"""Load the plan's reference data from ``laoxiao/plan/data/`` into the database.

The four files are written by hand from the plan (``seed/000_e2a4ffb9ede70059.txt``):

- ``plan.json``: the plan itself (code ``huaibei-2021-2025``, the issuing region, the period
  2021–2025, the baseline year 2020, the status it is loaded with: in force).

- ``units.json``: every responsible unit of Annex 1, one row per unit. Spellings the plan uses
  for the same unit (市人社局 / 市人力社保局, ...) are listed in ``aliases`` and explained in ``note``.
- ``indicators.json``: the 25 indicators of Table 1 (E01–E16 elder care, C01–C09 childcare, in
  the table's order) and C10 from the overall goals. ``baseline`` is ``null`` where the table has
  "—"; ``comparator`` is ``gte`` for ≧ or a bare number, ``gt`` for ＞. ``measure`` is the stable
  key of what it measures (``laoxiao.plan.calculators.MEASURE_KEYS``); each becomes a ``Measure``
  with the code as its alias.
- ``tasks.json``: the 37 tasks of Annex 1 (T01–T37), the exact Chinese text, an English
  translation, the unit codes in the plan's order (the first is the lead unit), and the Table 1
  indicators the task moves (``indicators``) with the reason for the link (``indicators_basis``;
  see docs/tasks.md).

``load_reference_data()`` upserts by code (indicators and tasks by plan and code): it creates what
is missing, updates what differs and leaves equal rows untouched, so running it twice changes
nothing. A plan's status is set only when the plan is created: a city that closed the plan keeps it
closed. A task's units are made to
match the file exactly. Nothing is deleted otherwise. It runs in the data migration
``0002_reference_data`` (with the historical models: pass ``apps``) and in
``laoxiao load-reference``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps as live_apps
from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class Counts:
    """What one load did to one kind of row."""

    total: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __str__(self) -> str:
        return f"{self.total} ({self.created} created, {self.updated} updated, {self.deleted} removed)"


def read_data(name: str) -> list[dict[str, Any]]:
    """One data file, with decimals read as ``Decimal`` (never as binary floats)."""
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        rows: list[dict[str, Any]] = json.load(fh, parse_float=Decimal)
    return rows


def _concrete_fields(model: Any) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields}


def _upsert(model: Any, key: dict[str, Any], values: dict[str, Any], counts: Counts) -> Any:
    """Create the row, or update the fields that differ; ``counts`` records which."""
    fields = _concrete_fields(model)
    values = {k: v for k, v in values.items() if k in fields}
    obj = model.objects.filter(**key).first()
    counts.total += 1
    if obj is None:
        obj = model.objects.create(**key, **values)
        counts.created += 1
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
        counts.updated += 1
    return obj


def _link_indicators(
    task: Any, codes: list[str], by_code: dict[str, Any], counts: Counts, *, before: tuple[int, int]
) -> None:
    """Make the task's indicator links match ``codes``; a task whose links change counts as
    updated, unless this load already counted it (created or updated)."""
    current = set(task.indicators.values_list("code", flat=True))
    wanted = set(codes)
    if current == wanted:
        return
    task.indicators.set([by_code[c] for c in sorted(wanted)])
    if (counts.created, counts.updated) == before:
        counts.updated += 1


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _check(
    units: list[dict[str, Any]], indicators: list[dict[str, Any]], tasks: list[dict[str, Any]]
) -> None:
    codes = {u["code"] for u in units}
    indicator_codes = {i["code"] for i in indicators}
    if len(codes) != len(units):
        raise ValueError("units.json: a unit code appears twice")
    for ind in indicators:
        if ind.get("responsible_unit") and ind["responsible_unit"] not in codes:
            raise ValueError(
                f"indicators.json: {ind['code']} names an unknown unit {ind['responsible_unit']!r}"
            )
        if not ind.get("measure"):
            raise ValueError(f"indicators.json: {ind['code']} names no measure")
        if ind["comparator"] not in ("gte", "gt", "eq", "lte", "lt"):
            raise ValueError(
                f"indicators.json: {ind['code']} has an unknown comparator {ind['comparator']!r}"
            )
    for task in tasks:
        unknown = [c for c in task["units"] if c not in codes]
        if unknown:
            raise ValueError(f"tasks.json: {task['code']} names unknown units {unknown}")
        if len(set(task["units"])) != len(task["units"]):
            raise ValueError(f"tasks.json: {task['code']} names a unit twice")
        unknown = [c for c in task.get("indicators", []) if c not in indicator_codes]
        if unknown:
            raise ValueError(f"tasks.json: {task['code']} names unknown indicators {unknown}")


def load_reference_data(apps: Any = None) -> dict[str, Counts]:
    """Upsert the units, indicators and tasks of the data files; returns what it did, by kind.

    ``apps`` is the migration's app registry (historical models); leave it out elsewhere.
    """
    if apps is None:
        apps = live_apps
    Unit = apps.get_model("accounts", "ResponsibleUnit")
    Plan = apps.get_model("plan", "Plan")
    Measure = apps.get_model("plan", "Measure")
    Indicator = apps.get_model("plan", "Indicator")
    Task = apps.get_model("plan", "PlanTask")
    TaskUnit = apps.get_model("plan", "PlanTaskUnit")

    units, indicators, tasks = read_data("units.json"), read_data("indicators.json"), read_data("tasks.json")
    with (DATA_DIR / "plan.json").open(encoding="utf-8") as fh:
        plan_row: dict[str, Any] = json.load(fh)
    _check(units, indicators, tasks)
    counts = {
        "plans": Counts(),
        "measures": Counts(),
        "units": Counts(),
        "indicators": Counts(),
        "tasks": Counts(),
        "task_units": Counts(),
    }

    with transaction.atomic():
        for u in units:
            _upsert(
                Unit,
                {"code": u["code"]},
                {
                    "name": u["name"],
                    "name_en": u.get("name_en", ""),
                    "order": u["order"],
                    "aliases": u.get("aliases", []),
                    "note": u.get("note", ""),
                },
                counts["units"],
            )
        plan = Plan.objects.filter(code=plan_row["code"]).first()
        plan_values = {k: plan_row[k] for k in ("name", "name_en", "region_code", "source", "note")}
        plan_values.update(
            first_year=plan_row["first_year"],
            last_year=plan_row["last_year"],
            baseline_year=plan_row["baseline_year"],
        )
        if plan is None:  # the status only on creation: a city closes the plan, a reload keeps that
            plan_values["status"] = plan_row["status"]
        plan = _upsert(Plan, {"code": plan_row["code"]}, plan_values, counts["plans"])
        by_code: dict[str, Any] = {}
        for ind in indicators:
            measure = _upsert(
                Measure,
                {"key": ind["measure"]},
                {
                    "alias": ind["code"],
                    "sector": ind["sector"],
                    "name": ind["name"],
                    "name_en": ind["name_en"],
                    "unit": ind["unit"],
                    "unit_en": ind.get("unit_en", ""),
                    "kind": ind["kind"],
                    "responsible_unit_id": ind.get("responsible_unit") or None,
                },
                counts["measures"],
            )
            by_code[ind["code"]] = _upsert(
                Indicator,
                {"plan_id": plan.pk, "code": ind["code"]},
                {
                    "measure_id": measure.pk,
                    "order": ind["order"],
                    "sector": ind["sector"],
                    "name": ind["name"],
                    "name_en": ind["name_en"],
                    "unit": ind["unit"],
                    "unit_en": ind.get("unit_en", ""),
                    "baseline": _decimal(ind.get("baseline")),
                    "baseline_year": ind.get("baseline_year", 2020),
                    "target": _decimal(ind["target"]),
                    "target_year": ind.get("target_year", 2025),
                    "comparator": ind["comparator"],
                    "kind": ind["kind"],
                    "responsible_unit_id": ind.get("responsible_unit") or None,
                    "source": ind.get("source", ""),
                    "note": ind.get("note", ""),
                },
                counts["indicators"],
            )
        # measures that are no indicator of the plan (a second definition of one: measures.json)
        for m in read_data("measures.json") if (DATA_DIR / "measures.json").exists() else []:
            _upsert(
                Measure,
                {"key": m["key"]},
                {
                    "alias": m.get("alias", ""),
                    "sector": m["sector"],
                    "name": m["name"],
                    "name_en": m.get("name_en", ""),
                    "unit": m["unit"],
                    "unit_en": m.get("unit_en", ""),
                    "kind": m["kind"],
                    "responsible_unit_id": m.get("responsible_unit") or None,
                },
                counts["measures"],
            )
        for t in tasks:
            before = (counts["tasks"].created, counts["tasks"].updated)
            task = _upsert(
                Task,
                {"plan_id": plan.pk, "code": t["code"]},
                {
                    "number": t["number"],
                    "text": t["text"],
                    "text_en": t.get("text_en", ""),
                    "note": t.get("note", ""),
                },
                counts["tasks"],
            )
            _link_indicators(task, t.get("indicators", []), by_code, counts["tasks"], before=before)
            stale = TaskUnit.objects.filter(task=task).exclude(unit_id__in=t["units"])
            counts["task_units"].deleted += stale.count()
            stale.delete()
            for position, unit_code in enumerate(t["units"], start=1):
                _upsert(
                    TaskUnit,
                    {"task_id": task.pk, "unit_id": unit_code},
                    {"order": position, "is_lead": position == 1},
                    counts["task_units"],
                )
    return counts
