"""Import kinds ``providers``, ``classes``, ``staff``, ``prices`` and ``reference-prices``
(see docs/import-formats.md). Each checks every cell before anything is written, then writes through
the bulk actions in ``laoxiao.providers.actions``; exports read through ``visible_to(actor)``."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.bulk import Progress, WriteResult
from laoxiao.core.i18n import fmt
from laoxiao.core.masking import mask_id_number
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, Row, register
from laoxiao.providers import actions, compliance
from laoxiao.providers.loader import DATA as SERVICE_ITEMS_FILE
from laoxiao.providers.models import (
    CHILDCARE_KINDS,
    Certificate,
    ChildcareClass,
    MarketReferencePrice,
    Price,
    Provider,
    ServiceItem,
    StaffMember,
    sector_kinds,
)
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within

# Chinese labels of the codes (the import format is read by Chinese users; stable, unlike the .po)
KINDS = {
    "eldercare_home": "养老机构",
    "community_centre": "养老服务中心",
    "meal_point": "老年助餐点",
    "childcare_centre": "托育机构",
    "home_childcare": "家庭托育点",
    "kindergarten_class": "幼儿园托班",
    "workplace_childcare": "用人单位托育点",
}
OWNERSHIP = {"public": "公办", "public_built_private_run": "公建民营", "private": "民办"}
SUPPLY_TIERS = {"safety_net": "兜底性", "inclusive": "普惠性", "market": "市场化"}
CENTRE_LEVELS = {"county": "县区级", "township": "街道乡镇级", "community": "社区村级"}
FILING_STATUSES = {
    "draft": "草稿",
    "submitted": "已提交",
    "accepted": "已受理",
    "filed": "已备案",
    "returned": "已退回",
    "suspended": "已暂停",
    "withdrawn": "已撤回",
    "closed": "已关闭",
}
CLASS_TYPES = {"infant": "乳儿班", "toddler": "托小班", "older_toddler": "托大班", "mixed": "混合班"}
ROLES = {
    "eldercare_worker": "养老护理员",
    "infant_carer": "育婴员",
    "nursery_nurse": "保育员",
    "health_care_staff": "保健人员",
    "teacher": "教师",
    "social_worker": "社会工作者",
    "doctor": "医生",
    "nurse": "护士",
    "manager": "管理人员",
    "other": "其他",
}

SERVICE_ITEMS = {
    i["code"]: i["name"] for i in json.loads(SERVICE_ITEMS_FILE.read_text(encoding="utf-8"))["items"]
}

assert set(KINDS) == set(Provider.Kind.values)
assert set(OWNERSHIP) == set(Provider.Ownership.values)
assert set(SUPPLY_TIERS) == set(Provider.SupplyTier.values)
assert set(CENTRE_LEVELS) == set(Provider.CentreLevel.values)
assert set(FILING_STATUSES) == set(Provider.FilingStatus.values)
assert set(CLASS_TYPES) == set(ChildcareClass.ClassType.values)
assert set(ROLES) == set(StaffMember.Role.values)


def uscc(value: str) -> str:
    return actions.check_uscc(value)


def money(value: str) -> decimal.Decimal:
    v = value.replace(",", "").strip()
    if re.fullmatch(r"\d+(\.\d{1,2})?", v) is None:
        raise ValidationError(_("Not an amount in yuan (at most 2 decimals, not negative)."))
    return decimal.Decimal(v)


def id_text(value: str) -> str:
    return value.strip().upper()


def _visible_by_uscc(actor: Any, codes: Iterable[str | None]) -> dict[str, Provider]:
    return {i.uscc: i for i in Provider.objects.visible_to(actor).filter(uscc__in={c for c in codes if c})}


def _check_provider(
    row: Row,
    errors: ErrorSink,
    providers: dict[str, Provider],
    *,
    kinds: Iterable[str] | None = None,
    kinds_message: Any = None,
) -> Provider | None:
    """The row's provider (visible to the importer), or an error on ``provider_uscc``."""
    code = row.values.get("provider_uscc")
    if not code:
        return None
    inst = providers.get(code)
    if inst is None:
        errors.add(row, "provider_uscc", _("No such provider in your regions; import the providers first."))
        return None
    if kinds is not None and inst.kind not in kinds:
        errors.add(row, "provider_uscc", kinds_message)
        return None
    return inst


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


# --- providers -----------------------------------------------------------------------------------

PROVIDER_COLUMNS = [
    Column("uscc", "统一社会信用代码", uscc, True, "18-character unified social credit code (checked)"),
    Column("name", "机构名称", p.text(200), True, "name"),
    Column("kind", "机构类型", p.choice(KINDS), True, "kind of provider", choices=KINDS),
    Column("ownership", "举办性质", p.choice(OWNERSHIP), True, "ownership", choices=OWNERSHIP),
    Column("supply_tier", "供给类型", p.choice(SUPPLY_TIERS), True, "supply tier", choices=SUPPLY_TIERS),
    Column(
        "region_code",
        "所在社区区划代码",
        p.division_code,
        True,
        "12-digit code of a loaded community or village in your regions",
    ),
    Column("address", "地址", p.text(300), False, "street address"),
    Column("lon", "经度", p.decimal_number(-180, 180), False, "longitude (WGS-84)"),
    Column("lat", "纬度", p.decimal_number(-90, 90), False, "latitude (WGS-84)"),
    Column("beds", "床位数", p.integer(0), False, "beds (elder care; 0 for childcare)"),
    Column("nursing_beds", "护理型床位数", p.integer(0), False, "nursing-type beds, at most the beds"),
    Column(
        "inclusive_slots",
        "普惠性托位数",
        p.integer(0),
        False,
        "inclusive childcare slots, at most the slots (sum of class capacities) once classes are loaded",
    ),
    Column(
        "has_medical_room",
        "是否设医务室或护理站",
        p.boolean,
        False,
        "1 if it has a medical room or nursing station",
    ),
    Column(
        "is_medical_integrated",
        "是否医养结合机构",
        p.boolean,
        False,
        "1 for a medical-and-elder-care institution",
    ),
    Column("is_demonstration", "是否示范性机构", p.boolean, False, "1 for a demonstration institution"),
    Column("is_backbone", "是否骨干企业", p.boolean, False, "1 for a backbone enterprise"),
    Column(
        "filing_status",
        "备案状态",
        p.choice(FILING_STATUSES),
        False,
        "filing status (default draft for a new provider)",
        choices=FILING_STATUSES,
    ),
    Column("filed_on", "备案日期", p.date, False, "date of filing"),
    Column(
        "centre_level",
        "服务中心层级",
        p.choice(CENTRE_LEVELS),
        False,
        "level of an elder-care service centre",
        choices=CENTRE_LEVELS,
    ),
    Column(
        "serves_meals",
        "是否提供膳食",
        p.boolean,
        False,
        "1 if meals are served (a food licence is then required)",
    ),
    Column("operator_name", "运营方", p.text(200), False, "operator (for publicly built, privately run)"),
    Column("opened_on", "开业日期", p.date, False, "opening date"),
    Column("occupied_beds", "在住床位数", p.integer(0), False, "occupied beds, at most the beds"),
]


@register
class ProvidersImport(ImportKind):
    key = "providers"
    label = _("providers")
    description = _(
        "Elder-care and childcare providers, by unified social credit code. A column left out keeps the "
        "stored value; an empty cell means no value (0, no, empty)."
    )
    natural_key = ("uscc",)
    columns = PROVIDER_COLUMNS

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        codes = {r.values.get("uscc") for r in rows if r.values.get("uscc")}
        stored = {i.uscc: i for i in Provider.objects.filter(uscc__in=codes)}
        visible = set(Provider.objects.visible_to(actor).filter(uscc__in=codes).values_list("pk", flat=True))
        slots: dict[int, int] = defaultdict(int)
        for inst_id, capacity in ChildcareClass.objects.filter(provider__uscc__in=codes).values_list(
            "provider_id", "capacity"
        ):
            slots[inst_id] += capacity
        return {
            "regions": dict(
                Region.objects.filter(code__in={r.values.get("region_code") for r in rows}).values_list(
                    "code", "level"
                )
            ),
            "prefixes": actor.region_prefixes(),
            "kinds": sector_kinds(actor),
            "actor": actor,
            "stored": stored,
            "visible": visible,
            "slots": slots,
        }

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        v = row.values
        code = v.get("region_code")
        if code:
            level = context["regions"].get(code)
            if level is None:
                errors.add(row, "region_code", _("No such region is loaded; import the regions first."))
            elif level != "community":
                errors.add(row, "region_code", _("A provider is registered in a community or village."))
            elif not code_within(code, context["prefixes"]):
                errors.add(row, "region_code", _("This region is outside your regions."))
        kind = v.get("kind")
        kinds = context["kinds"]
        if kind and kinds is not None and kind not in kinds:
            errors.add(row, "kind", _("Your role does not work with this kind of provider."))
        stored: Provider | None = context["stored"].get(v.get("uscc"))
        if stored is not None and stored.pk not in context["visible"]:
            errors.add(row, "uscc", _("A provider with this credit code is registered outside your regions."))
            return
        # the state after the import: the file's columns over the stored values
        state = {f: getattr(stored, f) for f in actions.PROVIDER_FIELDS} if stored else {}
        state.update({k: val for k, val in v.items() if k in row.raw})
        for field, message in actions.provider_problems(state).items():
            column = (
                field
                if field in row.raw
                else next((c for c in ("nursing_beds", "occupied_beds", "beds") if c in row.raw), "kind")
            )
            errors.add(row, column, message)
        if stored is not None and state.get("kind") in CHILDCARE_KINDS:
            total = context["slots"].get(stored.pk, 0)
            if total and (state.get("inclusive_slots") or 0) > total:
                errors.add(
                    row,
                    "inclusive_slots",
                    fmt(
                        _("More inclusive slots than slots (%(slots)d, the sum of the classes)."), slots=total
                    ),
                )

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.providers_upsert(actor=actor, records=[r.values for r in rows], progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for i in Provider.objects.visible_to(actor).order_by("region_code", "uscc"):
            yield {
                "uscc": i.uscc,
                "name": i.name,
                "kind": i.kind,
                "ownership": i.ownership,
                "supply_tier": i.supply_tier,
                "region_code": i.region_code,
                "address": i.address,
                "lon": i.lon,
                "lat": i.lat,
                "beds": i.beds,
                "nursing_beds": i.nursing_beds,
                "inclusive_slots": i.inclusive_slots,
                "has_medical_room": int(i.has_medical_room),
                "is_medical_integrated": int(i.is_medical_integrated),
                "is_demonstration": int(i.is_demonstration),
                "is_backbone": int(i.is_backbone),
                "filing_status": i.filing_status,
                "filed_on": _date(i.filed_on),
                "centre_level": i.centre_level,
                "serves_meals": int(i.serves_meals),
                "operator_name": i.operator_name,
                "opened_on": _date(i.opened_on),
                "occupied_beds": i.occupied_beds,
            }


# --- classes -------------------------------------------------------------------------------------


@register
class ClassesImport(ImportKind):
    key = "classes"
    label = _("childcare classes")
    description = _(
        "Classes of childcare providers, by provider and class name, checked against the class-size and "
        "carer-ratio rules (childcare.class_types; childcare.home_point_limits for home childcare points)."
    )
    natural_key = ("provider_uscc", "name")
    columns = [
        Column(
            "provider_uscc", "机构统一社会信用代码", uscc, True, "credit code of a loaded childcare provider"
        ),
        Column("name", "班级名称", p.text(50), True, "class name, unique within the provider"),
        Column("class_type", "班级类型", p.choice(CLASS_TYPES), True, "class type", choices=CLASS_TYPES),
        Column("capacity", "托位数", p.integer(0, 100), True, "children the class takes"),
        Column("carers", "保育人员数", p.integer(0, 100), True, "carers of the class"),
    ]

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        providers = _visible_by_uscc(actor, (r.values.get("provider_uscc") for r in rows))
        stored: dict[int, list[ChildcareClass]] = defaultdict(list)
        for c in ChildcareClass.objects.filter(provider__in=list(providers.values())):
            stored[c.provider_id].append(c)
        return {"providers": providers, "stored": stored, "on": clock.today()}

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        inst = _check_provider(
            row,
            errors,
            context["providers"],
            kinds=CHILDCARE_KINDS,
            kinds_message=_("This provider is not a childcare provider."),
        )
        v = row.values
        if (
            inst is None
            or v.get("class_type") is None
            or v.get("capacity") is None
            or v.get("carers") is None
        ):
            return
        cls = ChildcareClass(
            provider=inst,
            name=v["name"],
            class_type=v["class_type"],
            capacity=v["capacity"],
            carers=v["carers"],
        )
        for violation in compliance.class_violations(cls, context["on"], kind=inst.kind):
            errors.add(row, violation["field"], violation["message"])

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        """Per provider, the classes after the import: home point totals, inclusive slots ≤ slots."""
        by_provider: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            if row.values.get("provider_uscc") in context["providers"]:
                by_provider[row.values["provider_uscc"]].append(row)
        for code, group in by_provider.items():
            inst = context["providers"][code]
            in_file = {r.values["name"]: r for r in group}
            classes = [c for c in context["stored"][inst.pk] if c.name not in in_file]
            classes += [
                ChildcareClass(
                    provider=inst,
                    name=r.values["name"],
                    class_type=r.values["class_type"],
                    capacity=r.values["capacity"] or 0,
                    carers=r.values["carers"] or 0,
                )
                for r in group
            ]
            last = group[-1]
            if inst.kind == Provider.Kind.HOME_CHILDCARE:
                for violation in compliance.home_point_violations(classes, context["on"]):
                    errors.add(last, violation["field"], violation["message"])
            total = compliance.slots(inst, classes)
            if inst.inclusive_slots > total:
                errors.add(
                    last,
                    "capacity",
                    fmt(
                        _(
                            "The provider's classes would hold %(slots)d children, fewer than its %(inclusive)d "
                            "inclusive slots: lower the inclusive slots first."
                        ),
                        slots=total,
                        inclusive=inst.inclusive_slots,
                    ),
                )

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.classes_upsert(actor=actor, records=[r.values for r in rows], progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs = ChildcareClass.objects.visible_to(actor).select_related("provider")
        for c in qs.order_by("provider__uscc", "name"):
            yield {
                "provider_uscc": c.provider.uscc,
                "name": c.name,
                "class_type": c.class_type,
                "capacity": c.capacity,
                "carers": c.carers,
            }


# --- staff ---------------------------------------------------------------------------------------

STAFF_PERSON_FIELDS = ("name", "role", "hired_on", "left_on")


@register
class StaffImport(ImportKind):
    key = "staff"
    label = _("provider staff")
    description = _(
        "Staff of providers with their certificates: one row per staff member and certificate (the same "
        "person on several rows for several certificates; certificate cells empty for none). Staff are "
        "found by provider and ID number; exports show the ID number masked."
    )
    natural_key = ("provider_uscc", "id_number", "certificate_kind", "certificate_number")
    columns = [
        Column("provider_uscc", "机构统一社会信用代码", uscc, True, "credit code of a loaded provider"),
        Column(
            "id_number",
            "身份证号",
            id_text,
            True,
            "18-character resident ID number (check digit verified). Exports show it masked "
            "(340604********4000): a masked number cannot be imported again",
        ),
        Column("name", "姓名", p.text(50), True, "name"),
        Column("role", "岗位", p.choice(ROLES), True, "role", choices=ROLES),
        Column("hired_on", "入职日期", p.date, False, "date hired"),
        Column("left_on", "离职日期", p.date, False, "date left (empty while employed)"),
        Column("certificate_kind", "证书类别", p.text(100), False, "certificate, e.g. 职业资格证, 健康证"),
        Column("certificate_number", "证书编号", p.text(100), False, "certificate number"),
        Column("certificate_expires_on", "证书有效期至", p.date, False, "certificate valid until"),
    ]

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        return {
            "providers": _visible_by_uscc(actor, (r.values.get("provider_uscc") for r in rows)),
            "counties": actions.county_codes(),
        }

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        _check_provider(row, errors, context["providers"])
        v = row.values
        if v.get("id_number"):
            try:
                v["id_number"] = actions.check_staff_id(v["id_number"], context["counties"])
            except ValidationError as exc:
                errors.add(row, "id_number", exc.message)
        hired, left = v.get("hired_on"), v.get("left_on")
        if hired and left and left < hired:
            errors.add(row, "left_on", _("Earlier than the date hired."))
        if not v.get("certificate_kind") and (v.get("certificate_number") or v.get("certificate_expires_on")):
            errors.add(
                row, "certificate_kind", _("Name the certificate (or leave its number and date empty).")
            )

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        """Rows of the same person agree on name, role and dates."""
        first: dict[tuple[Any, Any], Row] = {}
        for row in rows:
            key = (row.values.get("provider_uscc"), row.values.get("id_number"))
            if None in key:
                continue
            seen = first.setdefault(key, row)
            if seen is row:
                continue
            for f in STAFF_PERSON_FIELDS:
                if row.values.get(f) != seen.values.get(f):
                    errors.add(
                        row, f, fmt(_("Differs from row %(row)d for the same person."), row=seen.number)
                    )

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.staff_upsert_many(actor=actor, records=[r.values for r in rows], progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs = (
            StaffMember.objects.visible_to(actor)
            .select_related("provider")
            .prefetch_related("certificates")
            .order_by("provider__uscc", "name", "pk")
        )
        for s in qs:
            person = {
                "provider_uscc": s.provider.uscc,
                "id_number": mask_id_number(s.id_number),
                "name": s.name,
                "role": s.role,
                "hired_on": _date(s.hired_on),
                "left_on": _date(s.left_on),
            }
            certs: list[Certificate] = list(s.certificates.all())
            if not certs:
                yield {
                    **person,
                    "certificate_kind": "",
                    "certificate_number": "",
                    "certificate_expires_on": "",
                }
            for c in certs:
                yield {
                    **person,
                    "certificate_kind": c.kind,
                    "certificate_number": c.number,
                    "certificate_expires_on": _date(c.expires_on),
                }


# --- prices --------------------------------------------------------------------------------------


@register
class PricesImport(ImportKind):
    key = "prices"
    label = _("provider prices")
    description = _(
        "Providers' price lists: one row per provider, service item and effective date. Service items are the "
        "city's list (laoxiao/providers/data/service_items.json)."
    )
    natural_key = ("provider_uscc", "item", "effective_from")
    columns = [
        Column("provider_uscc", "机构统一社会信用代码", uscc, True, "credit code of a loaded provider"),
        Column(
            "item",
            "服务项目代码",
            p.text(40),
            True,
            "code of a service item of the provider's sector",
            choices=SERVICE_ITEMS,
        ),
        Column("price", "价格（元）", money, True, "price in yuan"),
        Column("effective_from", "执行日期", p.date, True, "the price applies from this date"),
    ]

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        return {
            "providers": _visible_by_uscc(actor, (r.values.get("provider_uscc") for r in rows)),
            "items": dict(ServiceItem.objects.values_list("code", "sector")),
        }

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        inst = _check_provider(row, errors, context["providers"])
        item = row.values.get("item")
        if not item:
            return
        sector = context["items"].get(item)
        if sector is None:
            errors.add(
                row,
                "item",
                fmt(_("Unknown service item; use one of: %(codes)s."), codes=", ".join(context["items"])),
            )
        elif inst is not None and sector != inst.sector:
            errors.add(row, "item", _("This service item belongs to the other sector."))

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.prices_upsert(actor=actor, records=[r.values for r in rows], progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs = Price.objects.visible_to(actor).select_related("provider")
        for line in qs.order_by("provider__uscc", "item_id", "effective_from"):
            yield {
                "provider_uscc": line.provider.uscc,
                "item": line.item_id,
                "price": str(line.price),
                "effective_from": _date(line.effective_from),
            }


@register
class ReferencePricesImport(ImportKind):
    key = "reference-prices"
    label = _("market reference prices")
    description = _(
        "The local market price of each service item per year (同等服务市场价格), against which inclusive "
        "providers' prices are checked (pricing.inclusive_ratio). City administrators only."
    )
    permission = "accounts.manage_regions"
    natural_key = ("item", "year")
    columns = [
        Column("item", "服务项目代码", p.text(40), True, "code of a service item", choices=SERVICE_ITEMS),
        Column("year", "年份", p.integer(2000, 2100), True, "year"),
        Column("price", "市场参考价（元）", money, True, "reference price in yuan"),
        Column("source", "来源", p.text(200), False, "where the figure comes from"),
    ]

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        return {"items": set(ServiceItem.objects.values_list("code", flat=True))}

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        item = row.values.get("item")
        if item and item not in context["items"]:
            errors.add(
                row,
                "item",
                fmt(
                    _("Unknown service item; use one of: %(codes)s."),
                    codes=", ".join(sorted(context["items"])),
                ),
            )

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.reference_prices_upsert(
            actor=actor, records=[r.values for r in rows], progress=progress
        )

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        for ref in MarketReferencePrice.objects.order_by("item_id", "year"):
            yield {"item": ref.item_id, "year": ref.year, "price": str(ref.price), "source": ref.source}
