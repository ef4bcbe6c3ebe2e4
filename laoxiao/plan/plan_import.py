"""Import kind ``plan``: a city's own plan from one workbook (docs/indicators.md, “A city’s own plan”).

Sheets: ``indicators`` (指标), ``tasks`` (任务) and, optionally, ``plan`` (规划: key/value rows).
Headers in English or Chinese. Every cell of every sheet is checked before anything is written;
any bad cell → nothing written and every bad cell reported (row, ``sheet:column``, value, reason).
The plan is written as a **draft** by ``laoxiao.plan.actions.plans.plan_import``: a draft of the
same code is replaced, a plan that is not a draft is refused (make a new version).

The plan's code and name come from ``options`` (``laoxiao import plan FILE --plan-code --name``),
else the ``plan`` sheet, else the file name (code) and the code (name); its years from the ``plan``
sheet, else the indicators (baseline year: the earliest baseline year; last year: the latest target
year; first year: the baseline year + 1).
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.core.i18n import fmt
from laoxiao.imports.base import ErrorSink, ImportReport
from laoxiao.imports.limits import Limits
from laoxiao.imports.readers import read_sheets
from laoxiao.plan.actions.plans import COMPARATORS, plan_import
from laoxiao.plan.calculators import resolve_measure
from laoxiao.plan.models import Indicator, Measure, Plan

SHEETS = {
    "plan": ("plan", "规划", "规划信息"),
    "indicators": ("indicators", "指标", "主要指标"),
    "tasks": ("tasks", "任务", "重点任务"),
}
INDICATOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码", "代码", "指标编码", "序号"),
    "name": ("name", "指标名称", "名称", "指标"),
    "unit": ("unit", "单位"),
    "baseline_year": ("baseline_year", "基期年份", "基期年"),
    "baseline": ("baseline", "基期值", "基期"),
    "target_year": ("target_year", "目标年份", "目标年"),
    "target": ("target", "目标值", "目标"),
    "comparator": ("comparator", "比较方式", "比较"),
    "measure": ("measure", "计算口径", "测度", "口径"),
    "responsible_unit": ("responsible_unit", "责任单位"),
    "continues": ("continues", "延续指标", "延续"),
    "sector": ("sector", "领域"),
}
TASK_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "任务编码", "编码", "代码"),
    "text": ("text", "任务内容", "任务", "内容"),
    "units": ("units", "责任单位", "单位"),
}
PLAN_KEYS: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码", "代码", "规划编码"),
    "name": ("name", "名称", "规划名称"),
    "name_en": ("name_en", "英文名称"),
    "region_code": ("region_code", "区划代码", "发布地区"),
    "first_year": ("first_year", "起始年份", "开始年份"),
    "last_year": ("last_year", "终止年份", "结束年份"),
    "baseline_year": ("baseline_year", "基期年份"),
    "follows": ("follows", "承接规划", "上一规划"),
    "source": ("source", "来源"),
    "note": ("note", "备注"),
}
REPORTED_WORDS = {"", "reported", "报送", "填报"}
SECTORS = {"eldercare": "eldercare", "养老": "eldercare", "childcare": "childcare", "托育": "childcare"}
UNIT_SEPARATORS = re.compile(r"[、,，;；/]")


@dataclasses.dataclass
class PlanFile:
    """What a checked plan file holds, ready for ``actions.plans.plan_import``."""

    meta: dict[str, Any]
    indicators: list[dict[str, Any]]
    tasks: list[dict[str, Any]]


def _norm(text: str) -> str:
    return text.strip().lstrip("\ufeff").strip().lower()


def _lookup(names: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_norm(alias): key for key, aliases in names.items() for alias in aliases}


def _year(text: str) -> int:
    if not re.fullmatch(r"(19|20)\d\d", text):
        raise ValueError
    return int(text)


def _number(text: str) -> Decimal:
    value = Decimal(text.replace(",", "").replace("%", "").strip())
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise InvalidOperation
    return value


class _Units:
    """Responsible units by code, name or alias."""

    def __init__(self) -> None:
        self.by: dict[str, ResponsibleUnit] = {}
        for u in ResponsibleUnit.objects.all():
            self.by[u.code.lower()] = u
            self.by[u.name] = u
            for alias in u.aliases or []:
                self.by[str(alias)] = u

    def get(self, text: str) -> ResponsibleUnit | None:
        return self.by.get(text.strip()) or self.by.get(text.strip().lower())


class PlanReader:
    """Reads and checks a plan workbook; ``errors`` collects every bad cell."""

    def __init__(self, errors: ErrorSink, options: dict[str, Any], filename: str):
        self.errors = errors
        self.options = options
        self.filename = filename
        self.units = _Units()

    def bad(self, sheet: str, row: int, column: str, message: Any, value: Any = "") -> None:
        self.errors.add(row, f"{sheet}:{column}", message, value=str(value))

    # -- sheets --
    def _sheet(self, book: dict[str, list[list[str]]], key: str) -> tuple[str, list[list[str]]] | None:
        wanted = {_norm(n) for n in SHEETS[key]}
        for name, rows in book.items():
            if _norm(name) in wanted:
                return name, rows
        return None

    def _table(
        self, sheet: str, rows: list[list[str]], columns: dict[str, tuple[str, ...]], required: set[str]
    ) -> list[tuple[int, dict[str, str]]]:
        if not rows:
            self.bad(sheet, 1, "", _("The sheet is empty."))
            return []
        names = _lookup(columns)
        mapping: dict[int, str] = {}
        for i, header in enumerate(rows[0]):
            if not header.strip():
                continue
            key = names.get(_norm(header))
            if key is None:
                self.bad(sheet, 1, header, _("Unknown column."), header)
            elif key in mapping.values():
                self.bad(sheet, 1, header, _("The column appears twice."), header)
            else:
                mapping[i] = key
        for key in sorted(required - set(mapping.values())):
            self.bad(
                sheet, 1, key, fmt(_("A required column is missing (%(label)s)."), label=columns[key][1])
            )
        out = []
        for number, cells in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in cells):
                continue
            values = {key: "" for key in columns}
            for i, key in mapping.items():
                values[key] = cells[i].strip() if i < len(cells) else ""
            out.append((number, values))
        return out

    def read(self, source: Any) -> PlanFile | None:
        book = read_sheets(source, self.filename, Limits.current())
        found = {key: self._sheet(book, key) for key in SHEETS}
        for key in ("indicators", "tasks"):
            if found[key] is None:
                self.bad(
                    key, 1, "", fmt(_("The workbook has no sheet “%(sheet)s”."), sheet=key), ", ".join(book)
                )
        if self.errors.total:
            return None
        ind_sheet, ind_rows = found["indicators"]  # type: ignore[misc]
        task_sheet, task_rows = found["tasks"]  # type: ignore[misc]
        meta = self._meta(found["plan"])
        indicators = self._table(ind_sheet, ind_rows, INDICATOR_COLUMNS, {"code", "name", "unit", "target"})
        tasks = self._table(task_sheet, task_rows, TASK_COLUMNS, {"code", "text", "units"})
        if self.errors.total:
            return None
        checked = [self._indicator(ind_sheet, n, v, meta) for n, v in indicators]
        self._duplicates(ind_sheet, indicators)
        task_rows_checked = [self._task(task_sheet, n, v) for n, v in tasks]
        self._duplicates(task_sheet, tasks)
        if self.errors.total:  # the years may come from the indicators: only from good ones
            return None
        self._years(meta, checked)
        if self.errors.total:
            return None
        return PlanFile(
            meta, [c for c in checked if c is not None], [t for t in task_rows_checked if t is not None]
        )

    def _duplicates(self, sheet: str, rows: list[tuple[int, dict[str, str]]]) -> None:
        seen: dict[str, int] = {}
        for number, values in rows:
            code = values["code"].upper()
            if code and code in seen:
                self.bad(
                    sheet, number, "code", fmt(_("Duplicate of row %(row)d."), row=seen[code]), values["code"]
                )
            seen.setdefault(code, number)

    # -- the plan's metadata --
    def _meta(self, found: tuple[str, list[list[str]]] | None) -> dict[str, Any]:
        raw: dict[str, tuple[int, str]] = {}
        sheet = "plan"
        if found is not None:
            sheet, rows = found
            names = _lookup(PLAN_KEYS)
            for number, cells in enumerate(rows, start=1):
                if not cells or not cells[0].strip():
                    continue
                key = names.get(_norm(cells[0]))
                value = cells[1].strip() if len(cells) > 1 else ""
                if key is None:
                    if number == 1 and _norm(cells[0]) in {"key", "项目", "字段"}:
                        continue  # a header row
                    self.bad(sheet, number, cells[0], _("Unknown key."), cells[0])
                    continue
                raw[key] = (number, value)
        for key in ("code", "name"):
            option = self.options.get("plan_code" if key == "code" else key)
            if option:
                raw[key] = (0, str(option))
        meta: dict[str, Any] = {"sheet": sheet}
        code = raw.get("code", (0, ""))[1] or slugify(Path(self.filename or "plan").stem)
        if not re.fullmatch(r"[-a-zA-Z0-9_]{1,36}", code):
            self.bad(
                sheet,
                raw.get("code", (1, ""))[0] or 1,
                "code",
                _("A plan's code is letters, digits, - and _ (at most 36), e.g. huaibei-2026-2030."),
                code,
            )
        meta["code"] = code.lower()
        meta["name"] = raw.get("name", (0, ""))[1] or code
        for key in ("name_en", "source", "note"):
            meta[key] = raw.get(key, (0, ""))[1]
        meta["region_code"] = raw.get("region_code", (0, ""))[1] or settings.LAOXIAO_CITY_CODE
        if not re.fullmatch(r"\d{12}", meta["region_code"]):
            self.bad(
                sheet,
                raw.get("region_code", (1, ""))[0],
                "region_code",
                _("A region code has 12 digits."),
                meta["region_code"],
            )
        for key in ("first_year", "last_year", "baseline_year"):
            number, text = raw.get(key, (0, ""))
            meta[key] = None
            if text:
                try:
                    meta[key] = _year(text)
                except ValueError:
                    self.bad(sheet, number, key, _("A year has four digits (2026)."), text)
        meta["follows"] = None
        follows = raw.get("follows", (0, ""))[1]
        if follows:
            plan = Plan.objects.filter(code=follows.lower()).first()
            if plan is None:
                self.bad(sheet, raw["follows"][0], "follows", _("No plan has this code."), follows)
            meta["follows"] = plan
        return meta

    def _years(self, meta: dict[str, Any], indicators: list[dict[str, Any] | None]) -> None:
        rows = [i for i in indicators if i is not None]
        if meta["baseline_year"] is None:
            years = [i["baseline_year"] for i in rows if i["baseline_year"]]
            meta["baseline_year"] = min(years) if years else None
        if meta["last_year"] is None:
            years = [i["target_year"] for i in rows if i["target_year"]]
            meta["last_year"] = max(years) if years else None
        if meta["first_year"] is None and meta["baseline_year"]:
            meta["first_year"] = meta["baseline_year"] + 1
        sheet = meta["sheet"]
        for key in ("first_year", "last_year", "baseline_year"):
            if meta[key] is None:
                self.bad(sheet, 1, key, _("The plan's years are missing: give them in the plan sheet."))
        if meta["first_year"] and meta["last_year"] and meta["first_year"] > meta["last_year"]:
            self.bad(sheet, 1, "last_year", _("The last year is before the first year."), meta["last_year"])
        for i in rows:
            if i["baseline_year"] is None:
                i["baseline_year"] = meta["baseline_year"]
            if i["target_year"] is None:
                i["target_year"] = meta["last_year"]

    # -- one indicator --
    def _indicator(
        self, sheet: str, n: int, v: dict[str, str], meta: dict[str, Any]
    ) -> dict[str, Any] | None:
        before = self.errors.total
        code = v["code"].strip().upper()
        if code and not re.fullmatch(r"[A-Z0-9][-A-Z0-9_.]{0,15}", code):
            self.bad(
                sheet, n, "code", _("An indicator code is letters and digits (at most 16), e.g. E06."), code
            )
        for key in ("code", "name", "unit", "target"):
            if not v[key]:
                self.bad(sheet, n, key, _("This cell is required."))
        if len(v["name"]) > 100:
            self.bad(sheet, n, "name", _("At most 100 characters."), v["name"])
        if len(v["unit"]) > 16:
            self.bad(sheet, n, "unit", _("At most 16 characters."), v["unit"])
        out: dict[str, Any] = {"row": n, "code": code, "name": v["name"], "unit": v["unit"]}
        for key in ("baseline", "target"):
            out[key] = None
            if v[key]:
                try:
                    out[key] = _number(v[key])
                except (InvalidOperation, ValueError):
                    self.bad(sheet, n, key, _("Not a number."), v[key])
        for key in ("baseline_year", "target_year"):
            out[key] = None
            if v[key]:
                try:
                    out[key] = _year(v[key])
                except ValueError:
                    self.bad(sheet, n, key, _("A year has four digits (2026)."), v[key])
        comparator = COMPARATORS.get(v["comparator"].strip().lower() or "≥")
        if comparator is None:
            self.bad(
                sheet,
                n,
                "comparator",
                _("The comparator is one of ≥ > = ≤ < (or gte gt eq lte lt)."),
                v["comparator"],
            )
        out["comparator"] = comparator
        out["responsible_unit"] = None
        if v["responsible_unit"]:
            unit = self.units.get(v["responsible_unit"])
            if unit is None:
                self.bad(
                    sheet,
                    n,
                    "responsible_unit",
                    _("No responsible unit has this code or name."),
                    v["responsible_unit"],
                )
            out["responsible_unit"] = unit
        out["continues"] = self._continues(sheet, n, v["continues"], meta)
        out["measure"], out["new_measure"] = self._measure(sheet, n, v["measure"], out, meta)
        out["sector"] = self._sector(sheet, n, v["sector"], code, out["measure"])
        return out if self.errors.total == before else None

    def _continues(self, sheet: str, n: int, text: str, meta: dict[str, Any]) -> Indicator | None:
        if not text:
            return None
        if ":" in text:
            plan_code, code = text.split(":", 1)
        elif meta["follows"] is not None:
            plan_code, code = meta["follows"].code, text
        else:
            self.bad(
                sheet,
                n,
                "continues",
                _("Name the indicator as PLANCODE:CODE (this plan follows no plan)."),
                text,
            )
            return None
        found = (
            Indicator.objects.filter(plan_id=plan_code.strip().lower(), code=code.strip().upper())
            .select_related("measure")
            .first()
        )
        if found is None:
            self.bad(sheet, n, "continues", _("No indicator has this plan and code."), text)
        return found

    def _measure(
        self, sheet: str, n: int, text: str, row: dict[str, Any], meta: dict[str, Any]
    ) -> tuple[Measure | None, str]:
        """The measure (existing), or ``(None, key)`` for a new reported measure."""
        if text.strip().lower() in REPORTED_WORDS:
            if row["continues"] is not None:
                return row["continues"].measure, ""
            return None, f"{meta['code']}.{row['code']}".lower()[:64]
        key = resolve_measure(text)
        measure = (
            Measure.objects.filter(pk=key).first() if key else Measure.objects.filter(pk=text.strip()).first()
        )
        if measure is None:
            self.bad(
                sheet, n, "measure",
                _("Unknown measure: give a measure key (nursing_bed_share), a seed code (E06), or “reported”."),
                text,
            )  # fmt: skip
        return measure, ""

    def _sector(self, sheet: str, n: int, text: str, code: str, measure: Measure | None) -> str:
        if text:
            sector = SECTORS.get(text.strip().lower())
            if sector is None:
                self.bad(sheet, n, "sector", _("The sector is eldercare (养老) or childcare (托育)."), text)
            return sector or ""
        if measure is not None and measure.sector in SECTORS:
            return measure.sector
        if code.startswith("C"):
            return "childcare"
        return "eldercare"

    # -- one task --
    def _task(self, sheet: str, n: int, v: dict[str, str]) -> dict[str, Any] | None:
        before = self.errors.total
        code = v["code"].strip().upper()
        for key in ("code", "text", "units"):
            if not v[key]:
                self.bad(sheet, n, key, _("This cell is required."))
        if code and not re.fullmatch(r"[A-Z0-9][-A-Z0-9_.]{0,15}", code):
            self.bad(sheet, n, "code", _("A task code is letters and digits (at most 16), e.g. T01."), code)
        units: list[ResponsibleUnit] = []
        for name in (u.strip() for u in UNIT_SEPARATORS.split(v["units"])):
            if not name:
                continue
            unit = self.units.get(name)
            if unit is None:
                self.bad(
                    sheet,
                    n,
                    "units",
                    fmt(_("No responsible unit has this code or name: %(name)s."), name=name),
                    v["units"],
                )
            elif unit in units:
                self.bad(sheet, n, "units", fmt(_("A unit is named twice: %(name)s."), name=name), v["units"])
            else:
                units.append(unit)
        out = {"row": n, "code": code, "text": v["text"], "units": units}
        return out if self.errors.total == before else None


def run_plan_import(
    kind_key: str,
    source: Any,
    *,
    actor: Any,
    filename: str | None,
    dry_run: bool,
    options: dict[str, Any],
    report: ImportReport,
) -> ImportReport:
    name = filename or (str(source) if isinstance(source, str | Path) else getattr(source, "name", "")) or ""
    errors = ErrorSink({}, Limits.current().max_errors)
    reader = PlanReader(errors, options, Path(name).name)
    checked = reader.read(source)
    if checked is not None:
        existing = Plan.objects.filter(pk=checked.meta["code"]).first()
        if existing is not None and not existing.is_editable:
            errors.add(
                1,
                f"{checked.meta['sheet']}:code",
                fmt(
                    _("The plan %(code)s is %(status)s and cannot be changed: make a new version."),
                    code=existing.code,
                    status=existing.get_status_display(),
                ),
                value=existing.code,
            )
    report.take_errors(errors)
    if checked is None or not report.ok:
        return report
    report.rows = len(checked.indicators) + len(checked.tasks)
    if dry_run:
        return report
    _plan, created = plan_import(actor, checked.meta, checked.indicators, checked.tasks)
    if created:
        report.result.created = report.rows
    else:
        report.result.updated = report.rows
    report.written = True
    return report
