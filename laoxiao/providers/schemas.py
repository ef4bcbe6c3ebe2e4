"""Ninja schemas of the providers API (staff) and the public portal API. Flat and typed.

Personal fields leave the staff API masked (``contact_phone``, a staff member's ``id_number``); the
public schemas carry no personal field at all.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from laoxiao.core.masking import mask_id_number, mask_phone
from laoxiao.core.schemas import contract
from laoxiao.providers.models import (
    Certificate,
    ChildcareClass,
    FilingDocument,
    FilingEvent,
    Price,
    Provider,
    StaffMember,
)


@contract(Provider)
class ProviderFilters(Schema):
    kind: str | None = None
    sector: str | None = None
    county: str | None = None
    region: str | None = None
    filing_status: str | None = None
    supply_tier: str | None = None
    has_vacancy: bool | None = None
    inclusive: bool | None = None
    grade: int | None = None
    credit_level: str | None = None
    q: str | None = None


@contract(Provider)
class MapFilters(Schema):
    kind: str | None = None
    sector: str | None = None
    county: str | None = None
    filing_status: str | None = None
    has_vacancy: bool | None = None
    inclusive: bool | None = None
    grade: int | None = None
    credit_level: str | None = None


class ProviderOut(Schema):
    uscc: str
    name: str
    kind: str
    centre_level: str
    ownership: str
    supply_tier: str
    region_code: str
    address: str
    lon: float | None
    lat: float | None
    operator_name: str
    contact_name: str
    contact_phone: str
    opened_on: dt.date | None
    serves_meals: bool
    is_demonstration: bool
    is_backbone: bool
    is_medical_integrated: bool
    has_medical_room: bool
    beds: int
    nursing_beds: int
    occupied_beds: int
    inclusive_slots: int
    slots: int = 0
    vacancies: int = 0
    floor_area: int | None
    filing_status: str
    submitted_on: dt.date | None
    accepted_on: dt.date | None
    filed_on: dt.date | None
    grade: int | None = None
    credit_level: str | None = None

    @staticmethod
    def resolve_contact_phone(obj: Any) -> str:
        return mask_phone(obj.contact_phone or "")


@contract(Provider)
class ProviderIn(Schema):
    uscc: str
    name: str
    kind: str
    ownership: str
    supply_tier: str
    region_code: str
    centre_level: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    operator_name: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    opened_on: dt.date | None = None
    serves_meals: bool = False
    is_demonstration: bool = False
    is_backbone: bool = False
    is_medical_integrated: bool = False
    has_medical_room: bool = False
    beds: int = Field(0, ge=0)
    nursing_beds: int = Field(0, ge=0)
    occupied_beds: int = Field(0, ge=0)
    inclusive_slots: int = Field(0, ge=0)
    floor_area: int | None = Field(None, ge=0)


@contract(Provider)
class ProviderPatch(Schema):
    name: str | None = None
    kind: str | None = None
    ownership: str | None = None
    supply_tier: str | None = None
    region_code: str | None = None
    centre_level: str | None = None
    address: str | None = None
    lon: float | None = None
    lat: float | None = None
    operator_name: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    opened_on: dt.date | None = None
    serves_meals: bool | None = None
    is_demonstration: bool | None = None
    is_backbone: bool | None = None
    is_medical_integrated: bool | None = None
    has_medical_room: bool | None = None
    beds: int | None = Field(None, ge=0)
    nursing_beds: int | None = Field(None, ge=0)
    occupied_beds: int | None = Field(None, ge=0)
    inclusive_slots: int | None = Field(None, ge=0)
    floor_area: int | None = Field(None, ge=0)


@contract(FilingEvent)
class FilingIn(Schema):
    to_status: str
    reasons: list[str] = []
    note: str = ""
    on: dt.date | None = None


class FilingEventOut(Schema):
    at: dt.datetime
    on_date: dt.date
    actor_name: str
    from_status: str
    to_status: str
    reasons: list[Any]
    note: str


@contract(FilingDocument)
class DocumentIn(Schema):
    kind: str
    number: str = ""
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    note: str = ""


class DocumentOut(Schema):
    kind: str
    number: str
    issued_on: dt.date | None
    expires_on: dt.date | None
    note: str


@contract(ChildcareClass)
class ClassIn(Schema):
    name: str
    class_type: str
    capacity: int = Field(..., ge=0)
    carers: int = Field(..., ge=0)


class ClassOut(Schema):
    id: int
    name: str
    class_type: str
    capacity: int
    carers: int


@contract(Certificate)
class CertificateIn(Schema):
    kind: str
    number: str = ""
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None


class CertificateOut(Schema):
    id: int
    kind: str
    number: str
    issued_on: dt.date | None
    expires_on: dt.date | None


@contract(StaffMember)
class StaffIn(Schema):
    id_number: str
    name: str
    role: str
    hired_on: dt.date | None = None
    left_on: dt.date | None = None
    certificates: list[CertificateIn] = []


class StaffOut(Schema):
    id: int
    name: str
    role: str
    id_number: str
    hired_on: dt.date | None
    left_on: dt.date | None
    certificates: list[CertificateOut]

    @staticmethod
    def resolve_id_number(obj: Any) -> str:
        return mask_id_number(obj.id_number or "")

    @staticmethod
    def resolve_certificates(obj: Any) -> list[Any]:
        return list(obj.certificates.all())


@contract(Price)
class PriceIn(Schema):
    item_code: str
    price: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)
    effective_from: dt.date


class PriceOut(Schema):
    item_code: str
    item_name: str
    unit: str
    price: Decimal
    effective_from: dt.date

    @staticmethod
    def resolve_item_code(obj: Any) -> str:
        return str(obj.item_id)

    @staticmethod
    def resolve_item_name(obj: Any) -> str:
        return str(obj.item.name)

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.item.unit)


class MapPoint(Schema):
    uscc: str
    name: str
    kind: str
    lon: float
    lat: float
    beds: int
    vacancies: int
    slots: int
    inclusive_slots: int
    inclusive: bool
    supply_tier: str
    filing_status: str
    grade: int | None
    credit_level: str | None


class MapOut(Schema):
    count: int
    items: list[MapPoint]


# --- public (no login): nothing personal ---------------------------------------------------------------


@contract(Provider)
class PublicFilters(Schema):
    kind: str | None = None
    sector: str | None = None
    county: str | None = None
    supply_tier: str | None = None
    has_vacancy: bool | None = None
    inclusive: bool | None = None
    grade: int | None = None
    credit_level: str | None = None
    q: str | None = None


class PublicProviderOut(Schema):
    uscc: str
    name: str
    kind: str
    ownership: str
    supply_tier: str
    region_code: str
    region_name: str
    address: str
    lon: float | None
    lat: float | None
    filing_status: str
    filed_on: dt.date | None
    beds: int
    nursing_beds: int
    vacancies: int
    slots: int
    inclusive_slots: int
    has_medical_room: bool
    is_medical_integrated: bool
    is_demonstration: bool
    grade: int | None = None
    credit_level: str | None = None

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        if isinstance(obj, dict):
            return str(obj.get("region_name", ""))
        return str(obj.region.name)


class PublicPriceOut(Schema):
    item_code: str
    item_name: str
    unit: str
    price: Decimal
    effective_from: dt.date


class PublicInspectionOut(Schema):
    date: dt.date
    result: str | None = None
    result_label: str | None = None


class PublicProviderDetail(PublicProviderOut):
    grade_rated_on: dt.date | None = None
    grade_body: str = ""
    serves_meals: bool
    opened_on: dt.date | None
    prices: list[PublicPriceOut]
    latest_inspection: PublicInspectionOut | None = None
