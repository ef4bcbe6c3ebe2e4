"""Import kinds ``regions`` and ``population`` (see docs/import-formats.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from laoxiao.core.i18n import fmt
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, Progress, Row, WriteResult, register
from laoxiao.regions import actions, selectors
from laoxiao.regions.models import PopulationFigure, Region
from laoxiao.regions.scoping import LEVEL_ORDER, PREFIX_LENGTH, code_within

LEVELS = {"city": "市", "county": "区县", "township": "乡镇街道", "community": "社区村"}


@register
class RegionsImport(ImportKind):
    key = "regions"
    label = _("regions")
    description = _("The division tree: city, counties/districts, townships, communities/villages.")
    permission = "accounts.manage_regions"
    natural_key = ("code",)
    write_in_chunks = False  # parents before children: the write orders the whole file by level
    columns = [
        Column(
            "code",
            "区划代码",
            p.division_code,
            True,
            "12-digit statistical division code (6 or 9 digits are padded)",
        ),
        Column("name", "名称", p.text(100), True, "name"),
        Column(
            "level",
            "层级",
            p.choice(LEVELS),
            True,
            "level in the tree",
            choices=LEVELS,
        ),
        Column(
            "parent_code", "上级区划代码", p.division_code, False, "code of the parent (empty for the city)"
        ),
        Column("is_rural", "是否农村", p.boolean, False, "1 for a village or rural township"),
        Column("lon", "经度", p.decimal_number(-180, 180), False, "longitude of the centre (WGS-84)"),
        Column("lat", "纬度", p.decimal_number(-90, 90), False, "latitude of the centre (WGS-84)"),
    ]

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        return {
            "existing": dict(Region.objects.values_list("code", "level")),
            "prefixes": actor.region_prefixes(),
        }

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        v = row.values
        code, level, parent = v.get("code"), v.get("level"), v.get("parent_code")
        if code and not code_within(code, context["prefixes"]):
            errors.add(row, "code", _("This region is outside your regions."))
        if not code or not level:
            return
        tail = code[PREFIX_LENGTH[level] :]
        if tail.strip("0"):
            errors.add(
                row,
                "code",
                fmt(_("A %(level)s code ends in %(n)d zeros."), level=level, n=12 - PREFIX_LENGTH[level]),
            )
        if level != "city" and not parent:
            errors.add(row, "parent_code", _("Every region but the city needs a parent."))
        if level == "city" and parent:
            errors.add(row, "parent_code", _("The city has no parent."))

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        levels: dict[str, str] = dict(context["existing"])
        levels.update(
            {
                r.values["code"]: r.values["level"]
                for r in rows
                if r.values.get("code") and r.values.get("level")
            }
        )
        for row in rows:
            v = row.values
            parent, level, code = v.get("parent_code"), v.get("level"), v.get("code")
            if not parent or not level or not code:
                continue
            parent_level = levels.get(parent)
            if parent_level is None:
                errors.add(row, "parent_code", _("The parent region is neither in this file nor loaded."))
                continue
            if LEVEL_ORDER.index(parent_level) != LEVEL_ORDER.index(level) - 1:
                errors.add(
                    row,
                    "parent_code",
                    fmt(
                        _("The parent is a %(parent)s; a %(level)s sits under the level just above it."),
                        parent=parent_level,
                        level=level,
                    ),
                )
            elif not code.startswith(parent[: PREFIX_LENGTH[parent_level]]):
                errors.add(row, "code", _("The code does not begin with its parent's code."))

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.regions_upsert(actor=actor, records=[r.values for r in rows], progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for r in selectors.region_list(actor=actor):
            yield {
                "code": r.code,
                "name": r.name,
                "level": r.level,
                "parent_code": r.parent_id or "",
                "is_rural": int(r.is_rural),
                "lon": r.lon,
                "lat": r.lat,
            }


@register
class PopulationImport(ImportKind):
    key = "population"
    label = _("population figures")
    description = _("Yearly population figures per region.")
    permission = "accounts.manage_regions"
    natural_key = ("region_code", "year")
    columns = [
        Column("region_code", "区划代码", p.division_code, True, "division code of a loaded region"),
        Column("year", "年份", p.integer(1949, 2100), True, "year of the figures"),
        Column("population", "常住人口", p.integer(0), True, "resident population"),
        Column("households", "户数", p.integer(0), False, "households"),
        Column("age_0_2", "0-2岁人口", p.integer(0), False, "residents aged 0–2 (under 3)"),
        Column("age_60_plus", "60岁以上人口", p.integer(0), False, "residents aged 60 and over"),
        Column("age_65_plus", "65岁以上人口", p.integer(0), False, "residents aged 65 and over"),
        Column("age_80_plus", "80岁以上人口", p.integer(0), False, "residents aged 80 and over"),
    ]

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        return {
            "regions": set(Region.objects.values_list("code", flat=True)),
            "prefixes": actor.region_prefixes(),
        }

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        v = row.values
        code = v.get("region_code")
        if code and code not in context["regions"]:
            errors.add(row, "region_code", _("No such region is loaded; import the regions first."))
        elif code and not code_within(code, context["prefixes"]):
            errors.add(row, "region_code", _("This region is outside your regions."))
        pop = v.get("population")
        order = [
            ("age_80_plus", "age_65_plus"),
            ("age_65_plus", "age_60_plus"),
            ("age_60_plus", "population"),
            ("age_0_2", "population"),
            ("households", "population"),
        ]
        for small, big in order:
            a = v.get(small)
            b = v.get(big) if big != "population" else pop
            if a is not None and b is not None and a > b:
                errors.add(row, small, fmt(_("Larger than %(other)s (%(value)s)."), other=big, value=b))

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.population_upsert(actor=actor, records=[r.values for r in rows], progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for f in selectors.population_list(actor=actor):
            yield {
                "region_code": f.region_code,
                "year": f.year,
                **{k: getattr(f, k) for k in PopulationFigure.FIGURES},
            }
