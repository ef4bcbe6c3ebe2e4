"""Import kinds ``children``, ``newborn-visits``, ``child-checks`` and ``vaccinations``.

``child_key`` is the child's ID number, or the birth medical certificate number until one exists.
The checks are the actions' own (``actions.clean_child_data``, ``match_child``,
``actions.check_followup_date``, the child's immunisation edition), run on every row before anything is
written, so that every bad cell is reported. Exports mask ID and certificate numbers and add the
derived follow-up fields (``overdue_items``, ``next_due``) to the children export.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.core import clock
from laoxiao.core.bulk import Progress, WriteResult
from laoxiao.core.crypto import blind_index
from laoxiao.core.i18n import fmt
from laoxiao.core.idnumbers import parse_id_number
from laoxiao.core.masking import mask_id_number, mask_phone
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, Row, register
from laoxiao.people import actions
from laoxiao.people.models import ChildHealthCheck, Guardian, NewbornVisit, Vaccination
from laoxiao.people.selectors import children as selectors
from laoxiao.providers.models import CHILDCARE_KINDS, Provider
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import code_within

SEXES = {"M": "男", "F": "女"}
AGE_POINTS = {
    "1m": "满月",
    "3m": "3月龄",
    "6m": "6月龄",
    "8m": "8月龄",
    "12m": "12月龄",
    "18m": "18月龄",
    "24m": "24月龄",
    "30m": "30月龄",
    "36m": "36月龄",
}
VACCINES = {
    "HepB": "乙肝疫苗",
    "BCG": "卡介苗",
    "IPV": "脊灰灭活疫苗",
    "bOPV": "二价脊灰减毒活疫苗",
    "DTaP": "百白破疫苗",
    "DT": "白破疫苗",
    "MPSV-A": "A群流脑多糖疫苗",
    "MPSV-AC": "A群C群流脑多糖疫苗",
    "MMR": "麻腮风疫苗",
    "JE-L": "乙脑减毒活疫苗",
    "HepA-L": "甲肝减毒活疫苗",
}


def id_number(value: str) -> str:
    return parse_id_number(value).number


def certificate(value: str) -> str:
    v = value.strip().upper()
    if not actions.CERT_RE.fullmatch(v):
        raise ValidationError(_("A birth certificate number is 6 to 20 letters and digits."))
    return v


def phone(value: str) -> str:
    v = value.strip()
    if not re.fullmatch(r"[0-9+\- ]{5,20}", v):
        raise ValidationError(_("Not a phone number."))
    return v


def _message(exc: ValidationError) -> Any:
    return exc.message if hasattr(exc, "message") else exc.messages[0]


class _ChildrenBase(ImportKind):
    """Shared: the sector check (children's records need the childcare or health sector)."""

    followup = False

    def _denied(self, actor: Any) -> bool:
        if self.followup:
            return not selectors.can_see_followup(actor)
        return not selectors.can_see_children(actor)

    def _deny(self, errors: ErrorSink, context: dict[str, Any]) -> bool:
        if context.get("denied"):
            errors.add(1, "", _("You may not import children's records."), value=self.key)
            return True
        return False


@register
class ChildrenImport(_ChildrenBase):
    key = "children"
    label = _("children")
    description = _(
        "Children under 3 with one guardian each. A child is found by the ID number, or by the birth "
        "medical certificate number until one exists: a row with both updates a child registered "
        "with the certificate only. Sex and birth date are taken from the ID number when empty. "
        "An empty provider leaves the enrolment alone."
    )
    natural_key = ("id_number", "birth_certificate_number")
    columns = [
        Column("id_number", "身份证号", id_number, False, "resident ID number (empty until issued)"),
        Column(
            "birth_certificate_number",
            "出生医学证明编号",
            certificate,
            False,
            "birth medical certificate number (6–20 letters and digits)",
        ),
        Column("name", "姓名", p.text(50), True, "name"),
        Column("sex", "性别", p.choice(SEXES), False, "sex (from the ID number when empty)", choices=SEXES),
        Column("birth_date", "出生日期", p.date, False, "birth date (from the ID number when empty)"),
        Column("discharge_date", "出院日期", p.date, False, "date of discharge from the birth hospital"),
        Column("region_code", "所属社区代码", p.division_code, True, "the community or village of residence"),
        Column("guardian_id_number", "监护人身份证号", id_number, False, "a guardian's ID number"),
        Column("guardian_name", "监护人姓名", p.text(50), False, "the guardian's name"),
        Column("guardian_phone", "监护人电话", phone, False, "the guardian's phone"),
        Column(
            "provider_uscc",
            "托育机构统一社会信用代码",
            p.text(18),
            False,
            "the childcare provider where the child is enrolled",
        ),
        Column(
            "overdue_items",
            "逾期随访项数",
            p.text(10),
            False,
            "export only (ignored on import): overdue follow-up items",
        ),
        Column(
            "next_due", "下一随访项", p.text(60), False, "export only (ignored on import): the next item due"
        ),
    ]

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        if self._denied(actor):
            return {"denied": True}
        uscc = {r.values.get("provider_uscc") for r in rows if r.values.get("provider_uscc")}
        return {
            "prefixes": actor.region_prefixes(),
            "regions": dict(
                Region.objects.filter(code__in={r.values.get("region_code") for r in rows}).values_list(
                    "code", "level"
                )
            ),
            "providers": {
                u: (pk, kind)
                for u, pk, kind in Provider.objects.filter(uscc__in=uscc).values_list("uscc", "pk", "kind")
            },
            "rules": selectors.child_rules(),
            "today": clock.today(),
        }

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        if context.get("denied"):
            return
        v = row.values
        code = v.get("region_code")
        if code:
            level = context["regions"].get(code)
            if level is None:
                errors.add(row, "region_code", _("No such region is loaded; import the regions first."))
            elif level != Region.Level.COMMUNITY:
                errors.add(row, "region_code", _("A child is registered in a community or village."))
            elif not code_within(code, context["prefixes"]):
                errors.add(row, "region_code", _("This region is outside your regions."))
        if (v.get("guardian_id_number") or v.get("guardian_phone")) and not v.get("guardian_name"):
            errors.add(
                row, "guardian_name", _("The guardian's name is required with their ID number or phone.")
            )
        uscc = v.get("provider_uscc")
        if uscc:
            found = context["providers"].get(uscc)
            if found is None:
                errors.add(row, "provider_uscc", _("No such provider is registered."))
            elif found[1] not in CHILDCARE_KINDS:
                errors.add(row, "provider_uscc", _("This provider is not a childcare provider."))

    def duplicate_keys(self, rows: list[Row], errors: ErrorSink) -> None:
        for key in self.natural_key:
            seen: dict[str, int] = {}
            for row in rows:
                value = row.values.get(key)
                if not value:
                    continue
                if value in seen:
                    errors.add(
                        row, key, fmt(_("Duplicate of row %(row)d (same %(key)s)."), row=seen[value], key=key)
                    )
                else:
                    seen[value] = row.number

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        if self._deny(errors, context):
            return
        ids = {blind_index(r.values["id_number"]) for r in rows if r.values.get("id_number")}
        certs = {
            blind_index(r.values["birth_certificate_number"], purpose="birthcert")
            for r in rows
            if r.values.get("birth_certificate_number")
        }
        by_id, by_cert = actions.existing_children(ids, certs)
        matched: dict[int, int] = {}  # row number → the registered child it names
        for row in rows:
            v = row.values
            id_no = v.get("id_number") or ""
            cert = v.get("birth_certificate_number") or ""
            child, conflict = actions.match_child(
                by_id=by_id.get(blind_index(id_no)) if id_no else None,
                by_cert=by_cert.get(blind_index(cert, purpose="birthcert")) if cert else None,
                id_number=id_no,
                cert=cert,
            )
            data = {k: v.get(k) for k in actions.CHILD_FIELDS if k in v}
            _values, errs = actions.clean_child_data(
                data, rules=context["rules"], today=context["today"], creating=child is None
            )
            errs.update(conflict)
            if child is not None and not code_within(child.region_code, context["prefixes"]):
                errs["id_number" if id_no else "birth_certificate_number"] = actions.OUTSIDE_REGIONS
            for field, message in errs.items():
                if field == "region_code" and not v.get("region_code"):
                    continue  # reported as a missing required cell
                errors.add(row, field, message)
            if child is not None:
                matched[row.number] = child.pk
        self._check_capacity(rows, errors, context, matched)

    def _check_capacity(
        self, rows: list[Row], errors: ErrorSink, context: dict[str, Any], matched: dict[int, int]
    ) -> None:
        """A provider takes no more children than its slots (the enrolment action's rule): every row
        that enrols a child beyond them is an error."""
        wanted: dict[int, list[Row]] = {}
        for row in rows:
            uscc = row.values.get("provider_uscc")
            found = context["providers"].get(uscc) if uscc else None
            if found is not None:
                wanted.setdefault(found[0], []).append(row)
        if not wanted:
            return
        places = actions.provider_places(wanted)
        moving = {matched[r.number] for r in rows if r.values.get("provider_uscc") and r.number in matched}
        for inst_id, inst_rows in wanted.items():
            slots, holds = places[inst_id]
            staying = holds - moving  # children there now whom the file leaves alone or moves
            taken = len(staying)
            for row in inst_rows:
                taken += 1
                if taken > slots:
                    errors.add(
                        row,
                        "provider_uscc",
                        fmt(
                            _("The provider is full: %(slots)d slots, %(n)d children with this file."),
                            slots=slots,
                            n=len(staying) + len(inst_rows),
                        ),
                    )

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        records = []
        for row in rows:
            rec = {k: row.values.get(k) for k in actions.CHILD_FIELDS if k in row.values}
            for k in ("guardian_id_number", "guardian_name", "guardian_phone"):
                if k in row.values:
                    rec[k] = row.values.get(k)
            if row.values.get("provider_uscc"):
                rec["provider_id"] = context["providers"][row.values["provider_uscc"]][0]
            records.append(rec)
        return actions.children_upsert_many(actor=actor, records=records, progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs = selectors.child_list(actor=actor, current=False).select_related("provider")
        followups = selectors.child_followups(children=qs) if selectors.can_see_followup(actor) else {}
        guardians: dict[int, Guardian] = {}
        for g in Guardian.objects.filter(child__in=qs.values("pk")).order_by("pk"):
            guardians.setdefault(g.child_id, g)
        for c in qs:
            g = guardians.get(c.pk)
            f = followups.get(c.pk)
            nxt = f.next_due() if f else None
            yield {
                "id_number": mask_id_number(c.id_number),
                "birth_certificate_number": mask_id_number(c.birth_certificate_number),
                "name": c.name,
                "sex": c.sex,
                "birth_date": c.birth_date,
                "discharge_date": c.discharge_date,
                "region_code": c.region_code,
                "guardian_id_number": mask_id_number(g.id_number) if g else "",
                "guardian_name": g.name if g else "",
                "guardian_phone": mask_phone(g.phone) if g else "",
                "provider_uscc": c.provider.uscc if c.provider else "",
                "overdue_items": f.overdue_count if f else "",
                "next_due": f"{nxt.code} {nxt.due_on.isoformat()} {nxt.status}" if nxt else "",
            }


CHILD_KEY = Column(
    "child_key",
    "儿童身份证号或出生医学证明编号",
    p.all_of(p.text(20), str.upper),
    True,
    "the child's ID number, or the birth medical certificate number until one exists",
)


class _FollowupImport(_ChildrenBase):
    """Shared by the follow-up kinds: resolve ``child_key``, check the date against birth, death
    and today, refuse two rows for the same record of the same child."""

    followup = True
    date_field: str
    record_fields: tuple[str, ...]  # the natural key without child_key

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        if self._denied(actor):
            return {"denied": True}
        keys = {r.values["child_key"] for r in rows if r.values.get("child_key")}
        return {
            "children": selectors.children_by_keys(actor=actor, keys=keys),
            "rules": selectors.child_rules(),
            "today": clock.today(),
        }

    def check_extra(self, row: Row, birth: dt.date, errors: ErrorSink, context: dict[str, Any]) -> None:
        """Checks of one kind (the dose in the schedule)."""

    def check_table(self, rows: list[Row], errors: ErrorSink, context: dict[str, Any]) -> None:
        if self._deny(errors, context):
            return
        seen: dict[tuple[Any, ...], int] = {}
        for row in rows:
            v = row.values
            found = context["children"].get(v.get("child_key") or "")
            if found is None:
                errors.add(
                    row, "child_key", _("No child with this ID or certificate number in your regions.")
                )
                continue
            pk, _code, birth, died = found
            day = v.get(self.date_field)
            if day is not None:
                reason = actions.check_followup_date(
                    day, birth_date=birth, died_on=died, today=context["today"]
                )
                if reason:
                    errors.add(row, self.date_field, reason)
            self.check_extra(row, birth, errors, context)
            key = (pk, *(v.get(k) for k in self.record_fields))
            if key in seen:
                errors.add(
                    row,
                    "child_key",
                    fmt(_("Duplicate of row %(row)d (the same child, by another key)."), row=seen[key]),
                )
            else:
                seen[key] = row.number

    def records(self, rows: list[Row], context: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            rec = {k: v for k, v in row.values.items() if k != "child_key"}
            rec["child_id"] = context["children"][row.values["child_key"]][0]
            out.append(rec)
        return out

    def child_keys(self, actor: Any, model: Any) -> tuple[Any, dict[int, str]]:
        children = (
            selectors.child_list(actor=actor, current=False) if selectors.can_see_followup(actor) else None
        )
        if children is None:
            return model.objects.none(), {}
        keys = {
            c.pk: mask_id_number(c.id_number or c.birth_certificate_number)
            for c in children.only("pk", "id_number", "birth_certificate_number")
        }
        return model.objects.filter(child__in=children.values("pk")).order_by("child_id", "pk"), keys


@register
class NewbornVisitsImport(_FollowupImport):
    key = "newborn-visits"
    label = _("newborn visits")
    description = _("Newborn home visits; the standard asks for one within 7 days of discharge.")
    natural_key = ("child_key", "visited_on")
    date_field = "visited_on"
    record_fields = ("visited_on",)
    columns = [
        CHILD_KEY,
        Column("visited_on", "访视日期", p.date, True, "date of the visit"),
        Column("visitor", "访视人", p.text(100), False, "who visited"),
    ]

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        records = self.records(rows, context)
        for r in records:
            if r.get("visitor") is None:
                r["visitor"] = ""
        return actions.newborn_visits_upsert_many(actor=actor, records=records, progress=progress)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs, keys = self.child_keys(actor, NewbornVisit)
        for cid, day, visitor in qs.values_list("child_id", "visited_on", "visitor").iterator():
            yield {"child_key": keys.get(cid, ""), "visited_on": day, "visitor": visitor}


@register
class ChildChecksImport(_FollowupImport):
    key = "child-checks"
    label = _("child health checks")
    description = _(
        "Health checks at the scheduled ages; a check counts when it is within 30 days of its due age."
    )
    natural_key = ("child_key", "age_point")
    date_field = "checked_on"
    record_fields = ("age_point",)
    columns = [
        CHILD_KEY,
        Column("checked_on", "检查日期", p.date, True, "date of the check"),
        Column(
            "age_point",
            "月龄",
            p.choice(AGE_POINTS),
            True,
            "the scheduled age of the check",
            choices=AGE_POINTS,
        ),
    ]

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.child_checks_upsert_many(
            actor=actor, records=self.records(rows, context), progress=progress
        )

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs, keys = self.child_keys(actor, ChildHealthCheck)
        for cid, day, point in qs.values_list("child_id", "checked_on", "age_point").iterator():
            yield {"child_key": keys.get(cid, ""), "checked_on": day, "age_point": point}


@register
class VaccinationsImport(_FollowupImport):
    key = "vaccinations"
    label = _("vaccinations")
    description = _(
        "Doses of the national immunisation schedule, numbered per vaccine; the edition (2021 or 2025) "
        "follows the child's birth date."
    )
    natural_key = ("child_key", "vaccine", "dose")
    date_field = "given_on"
    record_fields = ("vaccine", "dose")
    columns = [
        CHILD_KEY,
        Column("vaccine", "疫苗", p.choice(VACCINES), True, "the vaccine", choices=VACCINES),
        Column("dose", "剂次", p.integer(1, 9), True, "the dose number of this vaccine"),
        Column("given_on", "接种日期", p.date, True, "date given"),
    ]

    def check_extra(self, row: Row, birth: dt.date, errors: ErrorSink, context: dict[str, Any]) -> None:
        vaccine, dose = row.values.get("vaccine"), row.values.get("dose")
        if vaccine is None or dose is None:
            return
        cache = context.setdefault("known", {})
        known = cache.get(birth)
        if known is None:
            known = cache[birth] = context["rules"].known_doses(birth)
        if (vaccine, dose) not in known:
            edition = context["rules"].edition(birth).name
            errors.add(
                row,
                "dose",
                fmt(
                    _("%(dose)s is not in the %(edition)s edition of the schedule that this child follows."),
                    dose=f"{vaccine} {dose}",
                    edition=edition,
                ),
            )

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        return actions.vaccinations_upsert_many(
            actor=actor, records=self.records(rows, context), progress=progress
        )

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs, keys = self.child_keys(actor, Vaccination)
        for cid, vaccine, dose, day in qs.values_list("child_id", "vaccine", "dose", "given_on").iterator():
            yield {"child_key": keys.get(cid, ""), "vaccine": vaccine, "dose": dose, "given_on": day}
