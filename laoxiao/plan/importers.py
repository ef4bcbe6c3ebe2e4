"""Import kind ``major_projects``: the yearly major project list (重大项目清单), by (year, name).

Every cell is checked before anything is written (all or nothing); the rows are written through
``laoxiao.plan.actions.tasks.major_projects_upsert``. Only city administrators and the
development-and-reform commission's reporters may write the list (checked in ``check_table``);
exports read the whole list (it holds nothing personal).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.core.access import is_city_admin
from laoxiao.core.bulk import Progress, WriteResult
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, ImportReport, Row, register
from laoxiao.plan import plan_import
from laoxiao.plan.actions import tasks as actions
from laoxiao.plan.models import Indicator, MajorProject
from laoxiao.plan.selectors import tasks as sel
from laoxiao.regions.models import Region

# Chinese labels of the codes (stable, unlike the .po)
PROJECT_KINDS = {
    "eldercare_home": "养老机构",
    "nursing_home": "护理院/医养结合机构",
    "community_centre": "社区养老服务中心",
    "childcare_centre": "托育机构",
    "integrated": "养老托育综合体",
    "other": "其他",
}
PROJECT_STATUSES = {
    "planned": "计划",
    "under_construction": "在建",
    "completed": "已竣工",
    "suspended": "暂停",
}
assert set(PROJECT_KINDS) == set(MajorProject.Kind.values)
assert set(PROJECT_STATUSES) == set(MajorProject.Status.values)


def money(value: str) -> decimal.Decimal:
    v = value.replace(",", "").strip()
    if re.fullmatch(r"\d+(\.\d{1,2})?", v) is None:
        raise ValidationError(_("Not an amount in 10,000 yuan (at most 2 decimals, not negative)."))
    return decimal.Decimal(v)


def area(value: str) -> decimal.Decimal:
    v = value.replace(",", "").strip()
    if re.fullmatch(r"\d+(\.\d{1,2})?", v) is None:
        raise ValidationError(_("A floor area in m², not negative."))
    return decimal.Decimal(v)


def unit_ref(value: str) -> str:
    """A responsible unit by code or by its Chinese name (or a spelling the plan uses)."""
    v = value.strip()
    for u in ResponsibleUnit.objects.all():
        if v in (u.code, u.name, *u.aliases):
            return u.code
    raise ValidationError(_("No such responsible unit."))


def year(value: str) -> int:
    n = p.integer(actions.YEARS[0], actions.YEARS[1])(value)
    return int(n)


COLUMNS = [
    Column("year", "年度", year, True, "list year, e.g. 2022"),
    Column("name", "项目名称", p.text(200), True, "project name, unique within the year"),
    Column("kind", "项目类型", p.choice(PROJECT_KINDS), True, "kind of project", choices=PROJECT_KINDS),
    Column("region_code", "区划代码", p.division_code, True, "division code of a loaded region"),
    Column("investment", "总投资（万元）", money, True, "investment in 10,000 yuan"),
    Column("beds_added", "新增床位", p.integer(0), False, "elder-care beds added"),
    Column(
        "nursing_beds_added",
        "新增护理型床位",
        p.integer(0),
        False,
        "nursing-type beds added, at most the beds",
    ),
    Column("slots_added", "新增托位", p.integer(0), False, "childcare slots added"),
    Column(
        "floor_area_added",
        "新增社区养老服务用房面积（平方米）",
        area,
        False,
        "community elder-care floor space (m²)",
    ),
    Column("status", "项目状态", p.choice(PROJECT_STATUSES), False, "status", choices=PROJECT_STATUSES),
    Column("starts_on", "开工日期", p.date, False, "start date"),
    Column("completes_on", "计划竣工日期", p.date, False, "planned completion date"),
    Column("unit", "责任单位", unit_ref, False, "responsible unit: code or name (市民政局 ...)"),
    Column("note", "备注", p.text(1000), False, "note"),
]
_ZERO_IF_EMPTY = {
    "beds_added": 0,
    "nursing_beds_added": 0,
    "slots_added": 0,
    "floor_area_added": decimal.Decimal(0),
    "status": MajorProject.Status.PLANNED,
    "note": "",
}


def _record(row: Row) -> dict[str, Any]:
    """The row's values as action fields: an empty cell of a given column means 0 / planned / none."""
    out: dict[str, Any] = {}
    for key, value in row.values.items():
        if value is None and key in _ZERO_IF_EMPTY:
            value = _ZERO_IF_EMPTY[key]
        out["unit_id" if key == "unit" else key] = value
    return out


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


@register
class MajorProjectsImport(ImportKind):
    key = "major_projects"
    label = _("major projects")
    description = _(
        "The yearly major project list (重大项目清单), by year and project name: investment and the beds, "
        "slots and floor space each project adds. A column left out keeps the stored value."
    )
    natural_key = ("year", "name")
    permission_note = "also the reporters of 市发改委 (development_reform), who keep the list"

    def allowed(self, actor: Any) -> bool:
        return super().allowed(actor) or sel.can_manage_projects(actor)

    columns = COLUMNS

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        names = {r.values.get("name") for r in rows if r.values.get("name")}
        return {
            "allowed": sel.can_manage_projects(actor),
            "regions": dict(
                Region.objects.filter(code__in={r.values.get("region_code") for r in rows}).values_list(
                    "code", "level"
                )
            ),
            "units": set(ResponsibleUnit.objects.values_list("code", flat=True)),
            "stored": {(m.year, m.name): m for m in MajorProject.objects.filter(name__in=names)},
        }

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        v = _record(row)
        stored: MajorProject | None = context["stored"].get((v.get("year"), v.get("name")))
        state = (
            {f: getattr(stored, f) for f in actions.PROJECT_FIELDS}
            if stored
            else dict(actions.PROJECT_DEFAULTS)
        )
        state.update(v)  # the file's columns over the stored values
        for field, message in actions.project_problems(
            state, regions=context["regions"], units=context["units"]
        ).items():
            column = "unit" if field == "unit_id" else field
            errors.add(row, column if column in row.raw else "name", message)

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        if not context["allowed"]:
            errors.add(
                1,
                "",
                _(
                    "Only city administrators and the development and reform commission keep the project list."
                ),
                value=self.key,
            )

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.major_projects_upsert(
            actor=actor, records=[_record(r) for r in rows], progress=progress
        )

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for m in sel.major_project_list(actor=actor).order_by("year", "region_code", "name"):
            yield {
                "year": m.year,
                "name": m.name,
                "kind": m.kind,
                "region_code": m.region_code,
                "investment": m.investment,
                "beds_added": m.beds_added,
                "nursing_beds_added": m.nursing_beds_added,
                "slots_added": m.slots_added,
                "floor_area_added": m.floor_area_added,
                "status": m.status,
                "starts_on": _date(m.starts_on),
                "completes_on": _date(m.completes_on),
                "unit": m.unit_id or "",
                "note": m.note,
            }


PLAN_COLUMN_HELP = {
    "code": "the indicator's code in the plan (E06, N01)",
    "name": "the indicator's name",
    "unit": "its unit (%, 个, 人)",
    "baseline_year": "default: the plan's baseline year",
    "baseline": "the baseline figure; blank for none",
    "target_year": "default: the plan's last year",
    "target": "the target",
    "comparator": "≥ > = ≤ < or gte gt eq lte lt; blank is ≥",
    "measure": "a measure key (nursing_bed_share) or a seed code (E06); reported/报送/填报/blank: a new reported measure",
    "responsible_unit": "a responsible unit's code, name or alias",
    "continues": "the indicator it continues: PLANCODE:CODE, or a code of the plan it follows (reuses its measure)",
    "sector": "eldercare (养老) or childcare (托育); default: the measure's",
}


@register
class PlanImport(ImportKind):
    """A city's own plan: sheets ``indicators`` and ``tasks`` (and ``plan``), written as a draft
    (``laoxiao.plan.plan_import``; docs/indicators.md, “A city’s own plan”)."""

    key = "plan"
    label = _("Plan (indicators and tasks)")
    description = _(
        "A workbook with the sheets `indicators` (the columns below), `tasks` (`code`, `text`, "
        "`units` separated by 、) and optionally `plan` (key/value rows: code, name, region_code, "
        "first_year, last_year, baseline_year, follows). Written as a draft; a draft of the same code "
        "is replaced; a plan in force is refused (make a new version). See docs/indicators.md, “A city’s own plan”."
    )
    permission = "accounts.approve_plan"
    permission_note = "city administrators (or a superuser) only"
    whole_file = True
    natural_key = ("code",)
    columns = [
        Column(
            key,
            aliases[1] if len(aliases) > 1 else key,
            p.text(),
            required=key in {"code", "name", "unit", "target"},
            help=PLAN_COLUMN_HELP[key],
        )
        for key, aliases in plan_import.INDICATOR_COLUMNS.items()
    ]

    def allowed(self, actor: Any) -> bool:
        return is_city_admin(actor)

    def run_file(
        self,
        source: Any,
        *,
        actor: Any,
        filename: str | None,
        dry_run: bool,
        options: dict[str, Any],
        report: ImportReport,
    ) -> ImportReport:
        return plan_import.run_plan_import(
            self.key, source, actor=actor, filename=filename, dry_run=dry_run, options=options, report=report
        )

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        """The indicators of every plan (the ``indicators`` sheet's columns)."""
        for ind in Indicator.objects.select_related("measure", "continues__plan").order_by("plan", "order"):
            yield {
                "code": ind.code,
                "name": ind.name,
                "unit": ind.unit,
                "baseline_year": ind.baseline_year,
                "baseline": ind.baseline,
                "target_year": ind.target_year,
                "target": ind.target,
                "comparator": ind.comparator,
                "measure": ind.measure_id,
                "responsible_unit": ind.responsible_unit_id,
                "continues": f"{ind.continues.plan_id}:{ind.continues.code}" if ind.continues else "",
                "sector": ind.sector,
            }
