"""The services API: emergency calls (mounted at /api/v1/services by ``laoxiao.api.main``).

``POST /device-events`` is called by device vendors with their key in ``X-Vendor-Key`` (not a user
token); everything else by staff and operators. (No ``from __future__ import annotations`` here:
ninja must see the real ``Query[...]`` types.)"""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import APIKeyHeader

from laoxiao.api.auth import check_token_throttle, record_token_failure
from laoxiao.api.pagination import Pages
from laoxiao.core.schemas import contract
from laoxiao.people.models import Elder
from laoxiao.services.actions import alarms as actions
from laoxiao.services.models import Alarm, Device, DeviceEvent, DeviceVendor
from laoxiao.services.selectors import alarms as selectors

router = Router(tags=["services"])


class VendorKeyAuth(APIKeyHeader):
    """A device vendor's key in ``X-Vendor-Key``; a revoked vendor or a wrong key is 401. Bad keys
    count towards the address's lockout like bad bearer tokens."""

    param_name = "X-Vendor-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        check_token_throttle(request)
        vendor = actions.vendor_authenticate(key or "")
        if vendor is None:
            if key:
                record_token_failure(request)
            return None
        return vendor


# --- schemas ------------------------------------------------------------------------------------


@contract(DeviceEvent)
class DeviceEventIn(Schema):
    event_id: str = Field(min_length=1, description="the vendor's own id of the event (idempotency key)")
    serial: str = Field(min_length=1, description="the device's serial number")
    kind: DeviceEvent.Kind
    occurred_at: dt.datetime
    payload: dict[str, Any] = Field(default_factory=dict)


class AlarmOut(Schema):
    id: int
    kind: str
    status: str
    region_code: str
    elder_id: int
    elder_name: str = Field(description="masked")
    provider: str | None = Field(description="the credit code of the provider on duty")
    provider_name: str | None
    opened_at: dt.datetime
    occurred_at: dt.datetime
    acknowledged_at: dt.datetime | None
    on_site_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str
    escalation_level: int
    escalated_at: dt.datetime | None
    notified: list[dict[str, Any]]

    @staticmethod
    def resolve_elder_name(obj: Alarm) -> str:
        return selectors.elder_name(obj)

    @staticmethod
    def resolve_provider(obj: Alarm) -> str | None:
        return obj.provider.uscc if obj.provider_id else None

    @staticmethod
    def resolve_provider_name(obj: Alarm) -> str | None:
        return obj.provider.name if obj.provider_id else None

    @staticmethod
    def resolve_occurred_at(obj: Alarm) -> dt.datetime:
        return obj.event.occurred_at


class IngestOut(Schema):
    alarm: AlarmOut
    created: bool = Field(description="false when this event was received before (nothing new written)")


@contract()
class AlarmFilters(Schema):
    status: str | None = Field(None, description="open, acknowledged, on_site, closed, or active")
    provider: str | None = Field(None, description="the provider's unified social credit code")
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@contract(Alarm)
class CloseIn(Schema):
    outcome: str = Field(min_length=1)


class ResponseTimeOut(Schema):
    key: str = Field(
        description='the provider\'s credit code ("" = routed to no provider) or the county code'
    )
    name: str
    alarms: int
    acknowledged: int
    on_site: int
    ack_median_minutes: float | None
    ack_mean_minutes: float | None
    on_site_median_minutes: float | None
    on_site_mean_minutes: float | None
    escalated: int
    escalated_share: float


class VendorOut(Schema):
    code: str
    name: str
    key_prefix: str
    active: bool
    created_at: dt.datetime


class VendorKeyOut(VendorOut):
    key: str = Field(description="the vendor's key: shown this once, only its SHA-256 is kept")


@contract(DeviceVendor)
class VendorIn(Schema):
    code: str = Field(min_length=1, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(min_length=1)


@contract(Device)
class DeviceIn(Schema):
    vendor: str = Field(min_length=1, description="the vendor's code")
    serial: str = Field(min_length=1)
    kind: Device.Kind
    elder_id: int
    installed_on: dt.date | None = None


class DeviceOut(Schema):
    id: int
    vendor: str
    serial: str
    kind: str
    elder_id: int
    region_code: str
    installed_on: dt.date

    @staticmethod
    def resolve_vendor(obj: Device) -> str:
        return str(obj.vendor_id)


def _key_out(vendor: DeviceVendor, raw: str) -> dict[str, Any]:
    return {
        "code": vendor.code,
        "name": vendor.name,
        "key_prefix": vendor.key_prefix,
        "active": vendor.active,
        "created_at": vendor.created_at,
        "key": raw,
    }


# --- ingestion ----------------------------------------------------------------------------------


@router.post(
    "/device-events",
    auth=VendorKeyAuth(),
    response=IngestOut,
    summary="A device event from a vendor (idempotent by event_id; opens an alarm)",
)
def ingest_device_event(request: HttpRequest, payload: DeviceEventIn):
    alarm, created = actions.device_event_ingest(
        vendor=request.auth,
        event_id=payload.event_id,
        serial=payload.serial,
        kind=payload.kind.value,
        occurred_at=payload.occurred_at,
        payload=payload.payload,
    )
    return {"alarm": alarm, "created": created}


# --- alarms -------------------------------------------------------------------------------------


@router.get("/alarms", response=list[AlarmOut], summary="Alarms (newest first)")
@paginate(Pages)
def list_alarms(request: HttpRequest, filters: Query[AlarmFilters]):
    return selectors.alarm_list(actor=request.auth, **filters.dict())


@router.get(
    "/alarms/response-times", response=list[ResponseTimeOut], summary="Response times per provider or county"
)
def alarm_response_times(
    request: HttpRequest,
    by: Literal["provider", "county"] = "provider",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    return selectors.response_times(actor=request.auth, by=by, date_from=date_from, date_to=date_to)


@router.get("/alarms/{pk}", response=AlarmOut, summary="One alarm")
def get_alarm(request: HttpRequest, pk: int):
    return selectors.alarm_get(actor=request.auth, pk=pk)


@router.post("/alarms/{pk}/acknowledge", response=AlarmOut, summary="Acknowledge an alarm")
def acknowledge_alarm(request: HttpRequest, pk: int):
    alarm = selectors.alarm_get(actor=request.auth, pk=pk)
    actions.alarm_acknowledge(actor=request.auth, alarm=alarm)
    return selectors.alarm_get(actor=request.auth, pk=pk)


@router.post("/alarms/{pk}/on-site", response=AlarmOut, summary="Someone is on site")
def alarm_on_site(request: HttpRequest, pk: int):
    alarm = selectors.alarm_get(actor=request.auth, pk=pk)
    actions.alarm_on_site(actor=request.auth, alarm=alarm)
    return selectors.alarm_get(actor=request.auth, pk=pk)


@router.post("/alarms/{pk}/close", response=AlarmOut, summary="Close an alarm with its outcome")
def close_alarm(request: HttpRequest, pk: int, payload: CloseIn):
    alarm = selectors.alarm_get(actor=request.auth, pk=pk)
    actions.alarm_close(actor=request.auth, alarm=alarm, outcome=payload.outcome)
    return selectors.alarm_get(actor=request.auth, pk=pk)


# --- devices and vendors ------------------------------------------------------------------------


@router.post("/devices", response={201: DeviceOut}, summary="Register a device in an older person's home")
def register_device(request: HttpRequest, payload: DeviceIn):
    elder = Elder.objects.get_for(request.auth, pk=payload.elder_id)
    vendor = DeviceVendor.objects.filter(code=payload.vendor, active=True).first()
    if vendor is None:
        raise ValidationError({"vendor": _("No such device vendor.")})
    device = actions.device_register(
        actor=request.auth,
        vendor=vendor,
        serial=payload.serial,
        kind=payload.kind.value,
        elder=elder,
        installed_on=payload.installed_on,
    )
    return Status(201, device)


@router.get("/device-vendors", response=list[VendorOut], summary="Device vendors (city administrators)")
@paginate(Pages)
def list_vendors(request: HttpRequest):
    return selectors.vendor_list(actor=request.auth)


@router.post(
    "/device-vendors", response={201: VendorKeyOut}, summary="Add a device vendor; answers its key once"
)
def create_vendor(request: HttpRequest, payload: VendorIn):
    vendor, raw = actions.vendor_create(actor=request.auth, code=payload.code, name=payload.name)
    return Status(201, _key_out(vendor, raw))


@router.post("/device-vendors/{code}/rotate-key", response=VendorKeyOut, summary="A new key for a vendor")
def rotate_vendor_key(request: HttpRequest, code: str):
    vendor = selectors.vendor_get(actor=request.auth, code=code)
    vendor, raw = actions.vendor_rotate_key(actor=request.auth, vendor=vendor)
    return _key_out(vendor, raw)


@router.post(
    "/device-vendors/{code}/revoke", response=VendorOut, summary="Revoke a vendor (its key answers 401)"
)
def revoke_vendor(request: HttpRequest, code: str):
    vendor = selectors.vendor_get(actor=request.auth, code=code)
    return actions.vendor_set_active(actor=request.auth, vendor=vendor, active=False)
