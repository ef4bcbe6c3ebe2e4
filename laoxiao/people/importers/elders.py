"""Import kinds ``elders``, ``assessments``, ``welfare-visits`` and ``health-checks`` (see
docs/import-formats.md).

Every bad cell is reported (bad ID check digit, a person under 60, an unknown or out-of-scope
region, an impossible item score, a date before birth, after death or in the future, a person not
on the registry) and nothing is written; a good file is upserted by its natural key, so importing
it twice changes nothing. Exports mask the ID numbers (so an export cannot be imported again) and
add the derived fields: the latest assessment's total and level, visit-list membership and reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.bulk import BATCH, Progress, WriteResult
from laoxiao.core.crypto import blind_index
from laoxiao.core.i18n import fmt
from laoxiao.core.idnumbers import parse_id_number
from laoxiao.core.masking import mask_id_number, mask_phone
from laoxiao.core.rules import RuleMissing
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, Row, register
from laoxiao.people import actions
from laoxiao.people.actions.scope import NOT_REGISTRABLE
from laoxiao.people.models import AbilityAssessment, Elder, HealthCheck, WelfareVisit
from laoxiao.people.selectors import elders as selectors
from laoxiao.people.visitlist import birthday
from laoxiao.providers.models import ELDERCARE_KINDS, Provider
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within

CATEGORIES = {
    "extreme_poverty": "特困人员",
    "dibao": "低保",
    "near_dibao": "低保边缘",
    "low_income": "低收入",
    "fp_special": "计划生育特殊家庭",
    "severe_disability": "重度残疾",
}
SUPPORT_MODES = {"institutional": "集中供养", "dispersed": "分散供养"}
ARRANGEMENTS = {
    "alone": "独居",
    "empty_nest": "空巢",
    "left_behind": "留守",
    "with_family": "与家人同住",
    "institution": "入住机构",
}
REASONS = {"first": "首次评估", "routine": "常规评估", "immediate": "即时评估", "review": "复核评估"}
MODES = {"home": "入户", "phone": "电话", "video": "视频"}
LEVELS = {
    "intact": "能力完好",
    "mild": "轻度失能",
    "moderate": "中度失能",
    "severe": "重度失能",
    "total": "完全失能",
}
VISIT_REASONS = {
    "alone": "独居",
    "empty_nest": "空巢",
    "left_behind": "留守",
    "disabled": "失能",
    "severe_disability": "重度残疾",
    "fp_special": "计划生育特殊家庭",
}

# GB/T 42195-2022 items in the canonical order, with their Chinese names and the widest range any
# version of the scoring table allows; the exact range is checked against the table in force.
ITEMS: list[tuple[str, str, int]] = [
    ("eating", "进食", 4),
    ("grooming", "修饰", 4),
    ("bathing", "洗澡", 4),
    ("dressing_upper", "穿/脱上衣", 4),
    ("dressing_lower", "穿/脱裤子和鞋袜", 4),
    ("urination", "小便控制", 4),
    ("defecation", "大便控制", 4),
    ("toileting", "如厕", 4),
    ("bed_mobility", "床上体位转移", 4),
    ("transfer", "床椅转移", 4),
    ("walking", "平地行走", 4),
    ("stairs", "上下楼梯", 3),
    ("time_orientation", "时间定向", 4),
    ("place_orientation", "空间定向", 4),
    ("person_orientation", "人物定向", 4),
    ("memory", "记忆", 4),
    ("comprehension", "理解能力", 4),
    ("expression", "表达能力", 4),
    ("aggression", "攻击行为", 1),
    ("depression", "抑郁症状", 1),
    ("consciousness", "意识水平", 2),
    ("vision", "视力", 2),
    ("hearing", "听力", 2),
    ("daily_affairs", "执行日常事务", 4),
    ("transportation", "使用交通工具外出", 3),
    ("social_interaction", "社会交往能力", 4),
]
ITEM_KEYS = [k for k, _n, _m in ITEMS]
EXPORT_ONLY = "export only (derived), ignored on import"


def _id_number(value: str) -> str:
    return value.strip().upper()


def _id_column() -> Column:
    return Column(
        "id_number",
        "身份证号",
        _id_number,
        True,
        "resident ID number (18 characters, checked); exports mask it",
    )


class ElderKindBase(ImportKind):
    """Shared checks of the kinds keyed by a person's ID number."""

    sectors: tuple[str, ...] = ("eldercare",)

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        today = clock.today()
        counties = actions.county_codes()
        parsed: dict[str, Any] = {}
        for row in rows:
            number = row.values.get("id_number")
            if number and number not in parsed:
                try:
                    parsed[number] = parse_id_number(number, today=today, extra_codes=counties)
                except ValidationError as exc:
                    parsed[number] = exc
        hashes = {blind_index(n): n for n, info in parsed.items() if not isinstance(info, ValidationError)}
        found: dict[str, actions.ElderRef] = {}
        keys = sorted(hashes)
        for i in range(0, len(keys), BATCH):
            for pk, h, code, birth, died in Elder.objects.filter(
                id_number_hash__in=keys[i : i + BATCH]
            ).values_list("pk", "id_number_hash", "region_code", "birth_date", "died_on"):
                found[hashes[h]] = actions.ElderRef(pk, code, birth, died)
        return {
            "today": today,
            "parsed": parsed,
            "found": found,
            "prefixes": actor.region_prefixes(),
            "allowed": bool(set(self.sectors) & actor.sectors()),
        }

    def check_id(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> bool:
        number = row.values.get("id_number")
        if not number:
            return False
        info = context["parsed"].get(number)
        if isinstance(info, ValidationError):
            errors.add(row, "id_number", info.messages[0] if not hasattr(info, "message") else info.message)
            return False
        return True

    def person(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> actions.ElderRef | None:
        """The registered person of the row, in the importer's regions; else an error on the ID."""
        if not self.check_id(row, errors, context):
            return None
        ref: actions.ElderRef | None = context["found"].get(row.values["id_number"])
        if ref is None or not code_within(ref.region_code, context["prefixes"]):
            errors.add(
                row,
                "id_number",
                _(
                    "No older person with this ID number is registered in your regions; import them (elders) first."
                ),
            )
            return None
        return ref

    def check_date(
        self, row: Row, column: str, ref: actions.ElderRef, errors: ErrorSink, context: dict[str, Any]
    ) -> bool:
        day = row.values.get(column)
        if day is None:
            return False
        try:
            actions.check_event_date(
                day, birth_date=ref.birth_date, died_on=ref.died_on, today=context["today"]
            )
        except ValidationError as exc:
            errors.add(row, column, exc.message if hasattr(exc, "message") else exc.messages[0])
            return False
        return True

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        if not context["allowed"] and rows:
            errors.add(1, "", _("Your role does not work with these records."), value=self.key)

    def records_with_elder(
        self, rows: list[Row], context: dict[str, Any], fields: Iterable[str]
    ) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            rec: dict[str, Any] = {"elder_id": context["found"][row.values["id_number"]].pk}
            for f in fields:
                if f in row.raw:
                    rec[f] = row.values.get(f)
            out.append(rec)
        return out


@register
class EldersImport(ElderKindBase):
    key = "elders"
    label = _("older people")
    description = _(
        "The registry of older people (60+), keyed by ID number: an existing person is updated, never "
        "duplicated; a new community hands the person over. Categories hold from categories_from, else "
        "(for a person new to the registry) from their 60th birthday, else from the day of the import."
    )
    natural_key = ("id_number",)
    columns = [
        _id_column(),
        Column("name", "姓名", p.text(50), True, "name"),
        Column("phone", "联系电话", p.text(20), False, "phone (stored encrypted; exports mask it)"),
        Column(
            "region_code", "社区区划代码", p.division_code, True, "12-digit code of the community or village"
        ),
        Column("address", "住址", p.text(300), False, "address"),
        Column(
            "lon",
            "住址经度",
            p.decimal_number(-180, 180),
            False,
            "longitude of the home (WGS-84 degrees, with lat; an empty cell leaves a recorded position alone)",
        ),
        Column(
            "lat",
            "住址纬度",
            p.decimal_number(-90, 90),
            False,
            "latitude of the home (WGS-84 degrees, with lon)",
        ),
        Column(
            "categories",
            "人员类别",
            p.code_list(CATEGORIES),
            False,
            "categories held, `;`-separated (the listed ones are the open ones after the import)",
            choices=CATEGORIES,
        ),
        Column(
            "support_mode",
            "供养方式",
            p.choice(SUPPORT_MODES),
            False,
            "support mode, required with extreme_poverty and only with it",
            choices=SUPPORT_MODES,
        ),
        Column(
            "living_arrangement",
            "居住情况",
            p.choice(ARRANGEMENTS),
            False,
            "living arrangement",
            choices=ARRANGEMENTS,
        ),
        Column(
            "provider_uscc",
            "入住机构信用代码",
            p.text(18),
            False,
            "unified social credit code of the elder-care provider, required when living in an institution",
        ),
        Column(
            "died_on",
            "死亡日期",
            p.date,
            False,
            "date of death (an empty cell leaves a recorded death alone)",
        ),
        Column(
            "categories_from",
            "类别起始日期",
            p.date,
            False,
            "date the listed categories hold from (optional)",
        ),
        Column(
            "assessment_total",
            "评估总分",
            p.text(10),
            False,
            EXPORT_ONLY + ": total of the latest assessment",
        ),
        Column(
            "assessment_level",
            "能力等级",
            p.text(20),
            False,
            EXPORT_ONLY + ": final level of the latest assessment",
            choices=LEVELS,
        ),
        Column(
            "on_visit_list",
            "是否探访对象",
            p.text(10),
            False,
            EXPORT_ONLY + ": 1 when on the visit list today",
        ),
        Column(
            "visit_reasons",
            "探访原因",
            p.text(200),
            False,
            EXPORT_ONLY + ": why, `;`-separated",
            choices=VISIT_REASONS,
        ),
    ]

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        context = super().prepare(rows, actor)
        codes = {r.values.get("region_code") for r in rows if r.values.get("region_code")}
        context["regions"] = dict(Region.objects.filter(code__in=codes).values_list("code", "level"))
        usccs = {r.values.get("provider_uscc") for r in rows if r.values.get("provider_uscc")}
        context["providers"] = {
            u: (pk, kind)
            for pk, u, kind in Provider.objects.filter(uscc__in=usccs).values_list("pk", "uscc", "kind")
        }
        return context

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        v = row.values
        if self.check_id(row, errors, context):
            info = context["parsed"][v["id_number"]]
            if birthday(info.birth_date, actions.ELDER_AGE) > context["today"]:
                errors.add(row, "id_number", _("The person is not yet 60 years old."))
            died = v.get("died_on")
            if died is not None and died < info.birth_date:
                errors.add(row, "died_on", _("The date is before the person was born."))
        code = v.get("region_code")
        if code:
            level = context["regions"].get(code)
            if level is None:
                errors.add(row, "region_code", _("No such region is loaded; import the regions first."))
            elif level != "community":
                errors.add(row, "region_code", _("An older person is registered in a community or village."))
            elif not code_within(code, context["prefixes"]):
                errors.add(row, "region_code", _("This region is outside your regions."))
        died = v.get("died_on")
        if died is not None and died > context["today"]:
            errors.add(row, "died_on", _("The date is in the future."))
        cats = v.get("categories") or []
        mode = v.get("support_mode")
        if mode and "extreme_poverty" not in cats:
            errors.add(row, "support_mode", _("A support mode is only given for extreme poverty."))
        elif not mode and "extreme_poverty" in cats:
            errors.add(
                row, "support_mode", _("Extreme poverty needs a support mode (institutional or dispersed).")
            )
        uscc = v.get("provider_uscc")
        arrangement = v.get("living_arrangement")
        if uscc:
            found = context["providers"].get(uscc)
            if arrangement != "institution":
                errors.add(
                    row, "provider_uscc", _("A provider is given only for a person living in an institution.")
                )
            elif found is None:
                errors.add(row, "provider_uscc", _("No provider with this code is registered."))
            elif found[1] not in ELDERCARE_KINDS:
                errors.add(row, "provider_uscc", _("This provider is not an elder-care provider."))
        elif arrangement == "institution":
            errors.add(row, "provider_uscc", _("Give the provider of a person living in an institution."))
        start = v.get("categories_from")
        if start is not None and start > context["today"]:
            errors.add(row, "categories_from", _("The date is in the future."))
        if v.get("lon") is not None or v.get("lat") is not None:
            found = actions.home_position_errors({"home_lon": v.get("lon"), "home_lat": v.get("lat")})
            for key, message in found.items():
                errors.add(row, key.removeprefix("home_"), message)

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        super().check_table(rows, errors, context)
        dead = {}
        for row in rows:
            ref = context["found"].get(row.values.get("id_number") or "")
            if ref is None:
                continue
            if not code_within(ref.region_code, context["prefixes"]):
                errors.add(
                    row,
                    "id_number",
                    NOT_REGISTRABLE,  # the same words as a conflict: nothing about other counties
                )
            elif row.values.get("died_on"):
                dead[ref.pk] = (row, row.values["died_on"])
        if dead:
            last: dict[int, dt.date] = {}
            for model, field in (
                (WelfareVisit, "visited_on"),
                (HealthCheck, "checked_on"),
                (AbilityAssessment, "assessed_on"),
            ):
                for elder_id, day in model._default_manager.filter(elder_id__in=list(dead)).values_list(
                    "elder_id", field
                ):
                    last[elder_id] = max(day, last.get(elder_id, day))
            for pk, (row, died) in dead.items():
                if pk in last and last[pk] > died:
                    errors.add(
                        row, "died_on", fmt(_("Records are dated after this day: %(what)s."), what=last[pk])
                    )

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        records = []
        for row in rows:
            v, raw = row.values, row.raw
            rec: dict[str, Any] = {
                "id_number": v["id_number"],
                "name": v["name"],
                "region_code": v["region_code"],
            }
            for key in ("phone", "address", "living_arrangement"):
                if key in raw:
                    rec[key] = v.get(key) or ""
            if "provider_uscc" in raw:
                uscc = v.get("provider_uscc")
                rec["provider_id"] = context["providers"][uscc][0] if uscc else None
            if v.get("died_on"):
                rec["died_on"] = v["died_on"]
            if v.get("lon") is not None and v.get("lat") is not None:
                rec["home_lon"], rec["home_lat"] = round(v["lon"], 6), round(v["lat"], 6)
            if "categories" in raw:
                rec["categories"] = v.get("categories") or []
                rec["support_mode"] = v.get("support_mode") or ""
                if v.get("categories_from"):
                    rec["categories_from"] = v["categories_from"]
            records.append(rec)
        return actions.elders_upsert_many(actor=actor, records=records, progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for r in selectors.elders_for_export(actor=actor):
            e = r.elder
            yield {
                "id_number": mask_id_number(e.id_number),
                "name": e.name,
                "phone": mask_phone(e.phone),
                "region_code": e.region_code,
                "address": e.address,
                "lon": e.home_lon,
                "lat": e.home_lat,
                "categories": r.categories,
                "support_mode": r.support_mode,
                "living_arrangement": e.living_arrangement,
                "provider_uscc": r.provider_uscc,
                "died_on": e.died_on,
                "categories_from": None,
                "assessment_total": r.latest_total,
                "assessment_level": r.latest_level or "",
                "on_visit_list": int(bool(r.reasons)),
                "visit_reasons": list(r.reasons),
            }


@register
class AssessmentsImport(ElderKindBase):
    key = "assessments"
    label = _("ability assessments")
    description = _(
        "Elder ability assessments (GB/T 42195-2022): the 26 item scores in the standard's order; the "
        "domain sums, total, levels and next due date are computed with the scoring table in force on the "
        "assessment date. One per person and day."
    )
    natural_key = ("id_number", "assessed_on")
    columns = [
        _id_column(),
        Column("assessed_on", "评估日期", p.date, True, "assessment date"),
        Column("reason", "评估原因", p.choice(REASONS), True, "reason", choices=REASONS),
        *[Column(key, name, p.integer(0, None), True, f"item score, 0–{top}") for key, name, top in ITEMS],
        Column("coma", "昏迷", p.boolean, False, "in a coma (gives total loss of ability)"),
        Column("dementia", "痴呆", p.boolean, False, "dementia diagnosed (ICD-10 F00–F03): one level worse"),
        Column("psychiatric", "精神疾病", p.boolean, False, "psychiatric diagnosis: one level worse"),
        Column(
            "risk_events_30d",
            "近30天风险事件数",
            p.integer(0, 99),
            False,
            "falls, choking, suicide attempts, self-harm, wandering off in the last 30 days (2 or more: one level worse)",
        ),
        Column("assessor", "评估员", p.text(100), False, "assessor"),
        Column("total", "总分", p.text(10), False, EXPORT_ONLY + ": total"),
        Column("level", "能力等级", p.text(20), False, EXPORT_ONLY + ": final level", choices=LEVELS),
    ]

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        context = super().prepare(rows, actor)
        context["scoring"] = actions.ScoringCache()
        return context

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        ref = self.person(row, errors, context)
        if ref is not None and self.check_date(row, "assessed_on", ref, errors, context):
            if birthday(ref.birth_date, actions.ELDER_AGE) > row.values["assessed_on"]:
                errors.add(row, "assessed_on", _("The person was not yet 60 years old on this day."))
        day = row.values.get("assessed_on")
        if day is None:
            return
        try:
            rules = context["scoring"].rules(day)
        except RuleMissing:
            errors.add(row, "assessed_on", _("No scoring table is in force on this date."))
            return
        for item in rules.items:
            value = row.values.get(item.key)
            if value is not None and not item.min <= value <= item.max:
                errors.add(
                    row,
                    item.key,
                    fmt(
                        _("An item score of %(name)s is between %(lo)d and %(hi)d."),
                        name=item.name,
                        lo=item.min,
                        hi=item.max,
                    ),
                )

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        records = []
        for row in rows:
            v = row.values
            records.append(
                {
                    "elder_id": context["found"][v["id_number"]].pk,
                    "assessed_on": v["assessed_on"],
                    "reason": v["reason"],
                    "items": {k: v[k] for k in ITEM_KEYS},
                    "coma": bool(v.get("coma")),
                    "dementia": bool(v.get("dementia")),
                    "psychiatric": bool(v.get("psychiatric")),
                    "risk_events_30d": v.get("risk_events_30d") or 0,
                    "assessor": v.get("assessor") or "",
                }
            )
        return actions.assessments_upsert_many(actor=actor, records=records, progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for a in selectors.assessments_for_export(actor=actor):
            yield {
                "id_number": mask_id_number(a.elder.id_number),
                "assessed_on": a.assessed_on,
                "reason": a.reason,
                **{k: a.items.get(k) for k in ITEM_KEYS},
                "coma": int(a.coma),
                "dementia": int(a.dementia),
                "psychiatric": int(a.psychiatric),
                "risk_events_30d": a.risk_events_30d,
                "assessor": a.assessor,
                "total": a.total,
                "level": a.level,
            }


@register
class WelfareVisitsImport(ElderKindBase):
    key = "welfare-visits"
    label = _("welfare visits")
    description = _(
        "Visits to older people in special difficulty: one per person, day and mode; not before birth, "
        "not after death, not in the future."
    )
    natural_key = ("id_number", "visited_on", "mode")
    columns = [
        _id_column(),
        Column("visited_on", "探访日期", p.date, True, "visit date"),
        Column("mode", "探访方式", p.choice(MODES), True, "mode", choices=MODES),
        Column("visitor", "探访人", p.text(100), False, "visitor"),
        Column("findings", "探访情况", p.text(2000), False, "what was found"),
        Column("needs", "服务需求", p.text(2000), False, "needs raised"),
        Column("follow_up", "后续措施", p.text(2000), False, "follow-up action"),
    ]

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        ref = self.person(row, errors, context)
        if ref is not None:
            self.check_date(row, "visited_on", ref, errors, context)

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        records = self.records_with_elder(
            rows, context, ("visited_on", "mode", "visitor", "findings", "needs", "follow_up")
        )
        return actions.welfare_visits_upsert_many(actor=actor, records=records, progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for w in selectors.welfare_visits_for_export(actor=actor):
            yield {
                "id_number": mask_id_number(w.elder.id_number),
                "visited_on": w.visited_on,
                "mode": w.mode,
                "visitor": w.visitor,
                "findings": w.findings,
                "needs": w.needs,
                "follow_up": w.follow_up,
            }


@register
class HealthChecksImport(ElderKindBase):
    key = "health-checks"
    label = _("health checks (65+)")
    description = _(
        "Yearly health management of people aged 65 and over: one per person and day. Civil-affairs or health staff."
    )
    natural_key = ("id_number", "checked_on")
    sectors = ("eldercare", "health")
    columns = [
        _id_column(),
        Column("checked_on", "体检日期", p.date, True, "date of the check"),
        Column("complete", "是否完整", p.boolean, False, "all parts done (default 1)"),
        Column("provider", "体检机构", p.text(200), False, "who did the check"),
    ]

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        ref = self.person(row, errors, context)
        if ref is not None and self.check_date(row, "checked_on", ref, errors, context):
            try:
                actions.check_health_check_age(ref.birth_date, row.values["checked_on"])
            except ValidationError as exc:
                errors.add(row, "checked_on", exc.message)

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        records = self.records_with_elder(rows, context, ("checked_on", "complete", "provider"))
        return actions.health_checks_upsert_many(actor=actor, records=records, progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for h in selectors.health_checks_for_export(actor=actor):
            yield {
                "id_number": mask_id_number(h.elder.id_number),
                "checked_on": h.checked_on,
                "complete": int(h.complete),
                "provider": h.provider,
            }
