"""Ninja schemas of the people API. Flat and typed; personal data leaves masked (ID numbers, birth
certificate numbers, phone numbers) — the full value only through the logged reveal endpoint."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from laoxiao.api.pagination import Pages
from laoxiao.core.masking import mask_id_number, mask_phone
from laoxiao.core.schemas import contract
from laoxiao.people.models import (
    AbilityAssessment,
    Child,
    ChildHealthCheck,
    Elder,
    ElderCategory,
    HealthCheck,
    NewbornVisit,
    Vaccination,
    WelfareVisit,
)

# --- filters --------------------------------------------------------------------------------------


@contract(
    Elder,
    category=ElderCategory._meta.get_field("category"),
    level=AbilityAssessment._meta.get_field("level"),
)
class ElderFilters(Schema):
    region: str | None = None
    q: str | None = Field(None, description="part of a name, or a whole ID number")
    id_number: str | None = Field(None, description="a whole ID number: exact lookup by the blind index")
    on_visit_list: bool | None = None
    category: str | None = None
    level: str | None = None


@contract(Child)
class ChildFilters(Schema):
    region: str | None = None
    q: str | None = Field(None, description="part of a name, or a whole ID / birth certificate number")
    overdue: bool | None = None


@contract()
class VisitWorklistQuery(Pages.Input):
    """One page of the list (``page``, ``page_size`` up to 500): a county's list is thousands of rows."""

    region: str
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")


@contract()
class HealthWorklistQuery(Schema):
    region: str
    on: dt.date | None = None


# --- older people ---------------------------------------------------------------------------------


class ElderOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    id_number: str
    phone: str
    address: str
    region_code: str
    living_arrangement: str
    provider_id: int | None
    died_on: dt.date | None
    moved_out_on: dt.date | None
    latest_level: str | None = None

    @staticmethod
    def resolve_id_number(obj: Any) -> str:
        return mask_id_number(obj.id_number or "")

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return mask_phone(obj.phone or "")

    @staticmethod
    def resolve_latest_level(obj: Any) -> str | None:
        return getattr(obj, "latest_level", None)


class CategoryOut(Schema):
    category: str
    support_mode: str
    valid_from: dt.date
    valid_to: dt.date | None


class ContactOut(Schema):
    name: str
    relation: str
    phone: str
    lives_with: bool
    is_emergency: bool

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return mask_phone(obj.phone or "")


class AssessmentOut(Schema):
    id: int
    assessed_on: dt.date
    reason: str
    items: dict[str, int]
    self_care: int
    mobility: int
    mental: int
    perception: int
    total: int
    preliminary_level: str
    coma: bool
    dementia: bool
    psychiatric: bool
    risk_events_30d: int
    level: str
    assessor: str
    next_due_on: dt.date | None
    rule_version: str


class WelfareVisitOut(Schema):
    id: int
    visited_on: dt.date
    mode: str
    visitor: str
    findings: str
    needs: str
    follow_up: str
    routed_to_provider_id: int | None
    routed_to_region: str


class HealthCheckOut(Schema):
    id: int
    checked_on: dt.date
    provider: str
    complete: bool


class ElderDetailOut(ElderOut):
    consent_data_sharing: bool
    consent_on: dt.date | None
    latest_assessment: AssessmentOut | None = None
    on_visit_list: bool | None = Field(None, description="null for callers who do not work with visits")
    visit_reasons: list[str] = []
    categories: list[CategoryOut] = []
    contacts: list[ContactOut] = []
    assessments: list[AssessmentOut] = []
    welfare_visits: list[WelfareVisitOut] = []
    health_checks: list[HealthCheckOut] = []


@contract(Elder, support_mode=ElderCategory._meta.get_field("support_mode"))
class ElderIn(Schema):
    id_number: str
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    region_code: str | None = None
    living_arrangement: str | None = None
    consent_data_sharing: bool | None = None
    consent_on: dt.date | None = None
    moved_out_on: dt.date | None = None
    categories: list[str] | None = Field(None, description="category codes, open from categories_from")
    support_mode: str | None = None
    categories_from: dt.date | None = None


@contract(AbilityAssessment)
class AssessmentIn(Schema):
    assessed_on: dt.date
    reason: str
    items: dict[str, int]
    coma: bool = False
    dementia: bool = False
    psychiatric: bool = False
    risk_events_30d: int = Field(0, ge=0)
    assessor: str = ""


@contract(WelfareVisit)
class WelfareVisitIn(Schema):
    visited_on: dt.date
    mode: str
    visitor: str = ""
    findings: str = ""
    needs: str = ""
    follow_up: str = ""
    routed_to_region: str = ""


@contract(HealthCheck)
class HealthCheckIn(Schema):
    checked_on: dt.date
    provider: str = ""
    complete: bool = True


class VisitRowOut(Schema):
    elder_id: int
    name: str
    id_number: str
    region_code: str
    reasons: list[str]
    last_visit_on: dt.date | None
    visited: bool
    overdue: bool


class VisitWorklistOut(Schema):
    region: str
    month: str
    count: int
    visited: int
    overdue: int
    page: int
    page_size: int
    items: list[VisitRowOut]


# --- children -------------------------------------------------------------------------------------


class ChildOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    id_number: str
    birth_certificate_number: str
    birth_weight_g: int | None
    discharge_date: dt.date | None
    region_code: str
    provider_id: int | None
    childcare_class_id: int | None
    died_on: dt.date | None
    moved_out_on: dt.date | None

    @staticmethod
    def resolve_id_number(obj: Any) -> str:
        return mask_id_number(obj.id_number or "")

    @staticmethod
    def resolve_birth_certificate_number(obj: Any) -> str:
        return mask_id_number(obj.birth_certificate_number or "")


class GuardianOut(Schema):
    name: str
    relation: str
    id_number: str
    phone: str

    @staticmethod
    def resolve_id_number(obj: Any) -> str:
        return mask_id_number(obj.id_number or "")

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return mask_phone(obj.phone or "")


class ItemStatusOut(Schema):
    code: str
    status: str
    due_on: dt.date
    done_on: dt.date | None = None
    since: dt.date | None = None


class FollowupOut(Schema):
    on: dt.date
    edition: str
    closed: bool
    due: int
    overdue: int
    newborn_visit: ItemStatusOut
    checks: list[ItemStatusOut]
    vaccines: list[ItemStatusOut]


class ChildDetailOut(ChildOut):
    guardians: list[GuardianOut] = []
    followup: FollowupOut | None = Field(None, description="for health staff")


@contract(Child)
class ChildIn(Schema):
    id_number: str | None = None
    birth_certificate_number: str | None = None
    name: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    birth_weight_g: int | None = None
    discharge_date: dt.date | None = None
    region_code: str | None = None


@contract(NewbornVisit)
class NewbornVisitIn(Schema):
    visited_on: dt.date
    visitor: str = ""


@contract(ChildHealthCheck)
class ChildCheckIn(Schema):
    age_point: str
    checked_on: dt.date


@contract(Vaccination)
class VaccinationIn(Schema):
    vaccine: str
    dose: int = Field(ge=1)
    given_on: dt.date


class RecordOut(Schema):
    id: int
    child_id: int


class WorkItemOut(Schema):
    kind: str
    code: str
    status: str
    due_on: dt.date
    since: dt.date | None


class HealthRowOut(Schema):
    child_id: int
    name: str
    sex: str
    birth_date: dt.date
    region_code: str
    overdue: bool
    items: list[WorkItemOut]


class HealthWorklistOut(Schema):
    region: str
    on: dt.date
    count: int
    items: list[HealthRowOut]
