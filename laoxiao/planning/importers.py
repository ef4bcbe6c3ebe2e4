"""Import kind ``residential_projects`` (居住区项目): new and existing residential areas with the
elder-care floor space and childcare slots planned in them (docs/import-formats.md). Rows are
upserted by ``code`` through ``laoxiao.planning.actions.residential_projects_upsert``; the export
reads through ``visible_to(actor)``. ``laoxiao planning residential --projects P.csv`` reads the same
columns (``COLUMNS``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from laoxiao.core.bulk import Progress, WriteResult
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, Row, register
from laoxiao.planning import actions
from laoxiao.planning.selectors import residential as projects
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within

AREA_TYPES = {"new": "新建居住区", "existing": "已建成居住区"}
ACCEPTANCE = {"pending": "未验收", "passed": "验收合格", "failed": "验收不合格"}

COLUMNS = [
    Column("code", "项目编号", p.text(40), True, "the project's own code (natural key)"),
    Column("name", "项目名称", p.text(200), True, "project name"),
    Column("region_code", "区划代码", p.division_code, True, "division code of the community (or township)"),
    Column("area_type", "居住区类型", p.choice(AREA_TYPES), True, "new or existing area", AREA_TYPES),
    Column("households", "户数", p.integer(0), True, "households"),
    Column("residents", "居住人口", p.integer(0), True, "residents"),
    Column(
        "eldercare_floor_area",
        "养老服务设施建筑面积",
        p.decimal_number(0),
        False,
        "planned community elder-care floor space, m² (0 if none)",
    ),
    Column(
        "largest_facility_area",
        "最大单处设施面积",
        p.decimal_number(0),
        False,
        "largest single elder-care facility, m²",
    ),
    Column("childcare_slots", "托位数", p.integer(0), False, "planned childcare slots"),
    Column("delivery_date", "交付日期", p.date, False, "delivery date (YYYY-MM-DD), empty if not delivered"),
    Column("acceptance", "验收结果", p.choice(ACCEPTANCE), False, "acceptance result", ACCEPTANCE),
    Column("note", "备注", p.text(1000), False, "note"),
]


def check_cells(row: Row, errors: ErrorSink) -> None:
    """Checks between the cells of one row (shared with the CLI)."""
    v = row.values
    total, largest = v.get("eldercare_floor_area"), v.get("largest_facility_area")
    if total is not None and largest is not None and largest > total:
        errors.add(
            row,
            "largest_facility_area",
            _("The largest single facility cannot exceed the total floor space."),
        )


@register
class ResidentialProjectsImport(ImportKind):
    key = "residential_projects"
    label = _("residential projects")
    description = _(
        "New and existing residential areas with their planned elder-care floor space and childcare slots."
    )
    natural_key = ("code",)
    columns = COLUMNS

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        return {
            "regions": set(Region.objects.values_list("code", flat=True)),
            "prefixes": actor.region_prefixes(),
            "can_manage": actor.is_superuser
            or actor.has_perm("accounts.sector_eldercare")
            or actor.has_perm("accounts.sector_childcare"),
        }

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        code = row.values.get("region_code")
        if code and code not in context["regions"]:
            errors.add(row, "region_code", _("No such region is loaded; import the regions first."))
        elif code and not code_within(code, context["prefixes"]):
            errors.add(row, "region_code", _("This region is outside your regions."))
        elif code and not context["can_manage"]:
            errors.add(row, "region_code", _("Your role does not manage residential projects."))
        check_cells(row, errors)

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        records = []
        for r in rows:
            values = {k: v for k, v in r.values.items() if v is not None or k in ("delivery_date",)}
            records.append(values)
        return actions.residential_projects_upsert(actor=actor, records=records, progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for p_ in projects.residential_project_list(actor=actor):
            yield {
                "code": p_.code,
                "name": p_.name,
                "region_code": p_.region_code,
                "area_type": p_.area_type,
                "households": p_.households,
                "residents": p_.residents,
                "eldercare_floor_area": p_.eldercare_floor_area,
                "largest_facility_area": p_.largest_facility_area,
                "childcare_slots": p_.childcare_slots,
                "delivery_date": p_.delivery_date,
                "acceptance": p_.acceptance,
                "note": p_.note,
            }
