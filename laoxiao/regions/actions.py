"""Writes of regions and population figures. Each logs its changes in the same transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction

from laoxiao.core.bulk import WriteResult
from laoxiao.core.changelog import build_entry, log_many
from laoxiao.core.models import ChangeLog
from laoxiao.regions.models import PopulationFigure, Region
from laoxiao.regions.scoping import LEVEL_ORDER

REGION_FIELDS = ("name", "level", "parent_id", "is_rural", "lon", "lat")
_COLUMN_OF = {"parent_id": "parent_code"}


def _noop(n: int) -> None:
    return None


@transaction.atomic
def regions_upsert(
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Callable[[int], None] = _noop
) -> WriteResult:
    """Create or update regions by code. ``records`` hold code, name, level, parent_code, is_rural, lon, lat."""
    result = WriteResult()
    records = sorted(records, key=lambda r: (LEVEL_ORDER.index(r["level"]), r["code"]))
    existing = Region.objects.in_bulk([r["code"] for r in records])
    new: list[Region] = []
    changed: list[Region] = []
    entries: list[ChangeLog] = []
    for rec in records:
        data = {
            "name": rec["name"],
            "level": rec["level"],
            "parent_id": rec.get("parent_code") or None,
            "is_rural": bool(rec.get("is_rural")),
            "lon": rec.get("lon"),
            "lat": rec.get("lat"),
        }
        # a column the file does not have leaves the stored value alone
        data = {k: v for k, v in data.items() if _COLUMN_OF.get(k, k) in rec}
        region = existing.get(rec["code"])
        if region is None:
            region = Region(code=rec["code"], **data)
            new.append(region)
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.CREATE,
                    target=region,
                    changes={k: [None, v] for k, v in data.items()},
                )
            )
            result.created += 1
            continue
        diff = {k: [getattr(region, k), v] for k, v in data.items() if getattr(region, k) != v}
        if not diff:
            result.unchanged += 1
            continue
        for k, (_old, v) in diff.items():
            setattr(region, k, v)
        changed.append(region)
        entries.append(build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=region, changes=diff))
        result.updated += 1
    Region.objects.bulk_create(new, batch_size=1000)
    progress(len(records))
    if changed:
        Region.objects.bulk_update(changed, list(REGION_FIELDS), batch_size=1000)
    log_many(entries)
    return result


@transaction.atomic
def population_upsert(
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Callable[[int], None] = _noop
) -> WriteResult:
    """Create or update entered figures by (region, year), then re-sum the regions above them."""
    result = WriteResult()
    records = list(records)
    years = {r["year"] for r in records}
    existing = {
        (f.region_id, f.year): f
        for f in PopulationFigure.objects.filter(
            year__in=years, region_id__in={r["region_code"] for r in records}
        )
    }
    new: list[PopulationFigure] = []
    changed: list[PopulationFigure] = []
    entries: list[ChangeLog] = []
    for rec in records:
        # a column the file does not have leaves the stored figure alone
        data: dict[str, Any] = {f: rec[f] for f in PopulationFigure.FIGURES if f in rec}
        data["source"] = PopulationFigure.Source.ENTERED
        fig = existing.get((rec["region_code"], rec["year"]))
        if fig is None:
            fig = PopulationFigure(
                region_id=rec["region_code"], region_code=rec["region_code"], year=rec["year"], **data
            )
            new.append(fig)
            result.created += 1
            continue
        diff = {k: [getattr(fig, k), v] for k, v in data.items() if getattr(fig, k) != v}
        if not diff:
            result.unchanged += 1
            continue
        for k, (_old, v) in diff.items():
            setattr(fig, k, v)
        changed.append(fig)
        entries.append(build_entry(actor=actor, action=ChangeLog.Action.UPDATE, target=fig, changes=diff))
        result.updated += 1
    created = PopulationFigure.objects.bulk_create(new, batch_size=1000)
    for fig in created:
        if fig.pk is None:  # backends that do not return keys from bulk inserts
            fig.pk = PopulationFigure.objects.get(region_id=fig.region_id, year=fig.year).pk
        entries.append(
            build_entry(
                actor=actor,
                action=ChangeLog.Action.CREATE,
                target=fig,
                changes={k: [None, getattr(fig, k)] for k in ("year", *PopulationFigure.FIGURES)},
            )
        )
    if changed:
        PopulationFigure.objects.bulk_update(changed, [*PopulationFigure.FIGURES, "source"], batch_size=1000)
    progress(len(records))
    log_many(entries)
    if result.created or result.updated:
        population_rollup(actor=actor, years=years)
    return result


@transaction.atomic
def population_rollup(*, actor: Any, years: Iterable[int]) -> int:
    """Sum figures upward for every region without an entered figure; returns rows changed.

    A summed figure is the sum over the region's children that have a figure (entered or summed);
    an optional figure (households, ages) is summed only when every such child has it.
    """
    regions = list(Region.objects.only("code", "parent_id", "level"))
    children: dict[str, list[str]] = defaultdict(list)
    for r in regions:
        if r.parent_id:
            children[r.parent_id].append(r.code)
    order = sorted(regions, key=lambda r: -LEVEL_ORDER.index(r.level))  # communities first
    touched = 0
    for year in years:
        figs = {f.region_id: f for f in PopulationFigure.objects.filter(year=year)}
        values: dict[str, dict[str, int | None]] = {
            code: {k: getattr(f, k) for k in PopulationFigure.FIGURES} for code, f in figs.items()
        }
        new: list[PopulationFigure] = []
        changed: list[PopulationFigure] = []
        stale: list[int] = []
        entries: list[ChangeLog] = []
        for region in order:
            fig = figs.get(region.code)
            if fig is not None and fig.source == PopulationFigure.Source.ENTERED:
                continue
            kids = [values[c] for c in children.get(region.code, []) if c in values]
            if not kids:
                if fig is not None:
                    stale.append(fig.pk)
                    values.pop(region.code, None)
                continue
            summed: dict[str, int | None] = {}
            for key in PopulationFigure.FIGURES:
                parts = [k[key] for k in kids]
                summed[key] = (
                    None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
                )
            values[region.code] = summed
            if fig is None:
                fig = PopulationFigure(
                    region_id=region.code, region_code=region.code, year=year, source="summed", **summed
                )
                new.append(fig)
                continue
            diff = {k: [getattr(fig, k), v] for k, v in summed.items() if getattr(fig, k) != v}
            if diff:
                for k, (_old, v) in diff.items():
                    setattr(fig, k, v)
                changed.append(fig)
                entries.append(
                    build_entry(
                        actor=actor, action=ChangeLog.Action.UPDATE, target=fig, changes=diff, note="summed"
                    )
                )
        if stale:
            for fig in PopulationFigure.objects.filter(pk__in=stale):
                entries.append(
                    build_entry(actor=actor, action=ChangeLog.Action.DELETE, target=fig, note="summed")
                )
            PopulationFigure.objects.filter(pk__in=stale).delete()
        for fig in PopulationFigure.objects.bulk_create(new, batch_size=1000):
            if fig.pk is None:
                fig.pk = PopulationFigure.objects.get(region_id=fig.region_id, year=fig.year).pk
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.CREATE,
                    target=fig,
                    changes={k: [None, getattr(fig, k)] for k in PopulationFigure.FIGURES},
                    note="summed",
                )
            )
        if changed:
            PopulationFigure.objects.bulk_update(changed, list(PopulationFigure.FIGURES), batch_size=1000)
        log_many(entries)
        touched += len(new) + len(changed) + len(stale)
    return touched
