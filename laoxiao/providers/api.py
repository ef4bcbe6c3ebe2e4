"""The providers API (/api/v1/providers): parse, call a selector or an action, return.

Everything is scoped to the caller (a provider outside their regions or sector answers 404); the
actions raise ValidationError (→ 422 with the fields), PermissionDenied (→ 403) or NotFound (→ 404).
"""

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from laoxiao.api.pagination import Pages
from laoxiao.core import clock
from laoxiao.providers import actions, selectors
from laoxiao.providers.schemas import (
    CertificateIn,
    ClassIn,
    ClassOut,
    DocumentIn,
    DocumentOut,
    FilingEventOut,
    FilingIn,
    MapFilters,
    MapOut,
    PriceIn,
    PriceOut,
    ProviderFilters,
    ProviderIn,
    ProviderOut,
    ProviderPatch,
    StaffIn,
    StaffOut,
)

router = Router(tags=["providers"])


def _get(request: HttpRequest, uscc: str) -> Any:
    return selectors.provider_get(actor=request.auth, uscc=uscc)


@router.get("/", response=list[ProviderOut], summary="Providers the caller sees")
@paginate(Pages)
def list_providers(request: HttpRequest, filters: Query[ProviderFilters]):
    return selectors.provider_list(actor=request.auth, **filters.dict())


@router.post("/", response={201: ProviderOut}, summary="Register a provider")
def create_provider(request: HttpRequest, payload: ProviderIn):
    provider = actions.provider_create(actor=request.auth, data=payload.dict())
    return Status(201, _get(request, provider.uscc))


@router.get(
    "/map", response=MapOut, summary="Compact points for the provider map", url_name="provider-map-points"
)
def provider_map(request: HttpRequest, filters: Query[MapFilters]):
    items = selectors.map_points(actor=request.auth, **filters.dict())
    return {"count": len(items), "items": items}


@router.get("/{uscc}", response=ProviderOut, summary="One provider")
def get_provider(request: HttpRequest, uscc: str):
    return _get(request, uscc)


@router.patch("/{uscc}", response=ProviderOut, summary="Change a provider's data")
def update_provider(request: HttpRequest, uscc: str, payload: ProviderPatch):
    provider = _get(request, uscc)
    actions.provider_update(actor=request.auth, provider=provider, data=payload.dict(exclude_unset=True))
    return _get(request, uscc)


@router.get("/{uscc}/filing", response=list[FilingEventOut], summary="A provider's filing history")
def list_filing_events(request: HttpRequest, uscc: str):
    return selectors.filing_events(actor=request.auth, provider=_get(request, uscc))


@router.post("/{uscc}/filing", response={201: FilingEventOut}, summary="Move a provider's filing")
def transition_filing(request: HttpRequest, uscc: str, payload: FilingIn):
    provider = _get(request, uscc)
    event = actions.filing_transition(
        actor=request.auth,
        provider=provider,
        to_status=payload.to_status,
        reasons=payload.reasons or None,
        note=payload.note,
        on=payload.on,
    )
    return Status(201, event)


@router.get("/{uscc}/documents", response=list[DocumentOut], summary="A provider's filing documents")
def list_documents(request: HttpRequest, uscc: str):
    return selectors.documents(actor=request.auth, provider=_get(request, uscc))


@router.post("/{uscc}/documents", response={201: DocumentOut}, summary="Record a filing document")
def upsert_document(request: HttpRequest, uscc: str, payload: DocumentIn):
    provider = _get(request, uscc)
    document = actions.document_upsert(actor=request.auth, provider=provider, **payload.dict())
    return Status(201, document)


@router.get("/{uscc}/classes", response=list[ClassOut], summary="A childcare provider's classes")
def list_classes(request: HttpRequest, uscc: str):
    return selectors.classes(actor=request.auth, provider=_get(request, uscc))


@router.post("/{uscc}/classes", response={201: ClassOut}, summary="Add or change a class")
def upsert_class(request: HttpRequest, uscc: str, payload: ClassIn):
    provider = _get(request, uscc)
    cls = actions.class_upsert(actor=request.auth, provider=provider, **payload.dict())
    return Status(201, cls)


@router.delete("/{uscc}/classes/{class_id}", response={204: None}, summary="Remove a class")
def delete_class(request: HttpRequest, uscc: str, class_id: int):
    provider = _get(request, uscc)
    cls = selectors.class_get(actor=request.auth, provider=provider, pk=class_id)
    actions.class_delete(actor=request.auth, cls=cls)
    return Status(204, None)


@router.get("/{uscc}/staff", response=list[StaffOut], summary="A provider's staff (ID numbers masked)")
def list_staff(request: HttpRequest, uscc: str, current: bool | None = None):
    return selectors.staff(actor=request.auth, provider=_get(request, uscc), current=current)


@router.post("/{uscc}/staff", response={201: StaffOut}, summary="Add or change a staff member")
def upsert_staff(request: HttpRequest, uscc: str, payload: StaffIn):
    provider = _get(request, uscc)
    data = payload.dict()
    certificates = data.pop("certificates")
    with transaction.atomic():
        member = actions.staff_upsert(actor=request.auth, provider=provider, **data)
        for cert in certificates:
            actions.certificate_upsert(actor=request.auth, staff=member, **cert)
    return Status(201, selectors.staff_get(actor=request.auth, provider=provider, pk=member.pk))


@router.post(
    "/{uscc}/staff/{staff_id}/certificates", response={201: StaffOut}, summary="Add a staff certificate"
)
def add_certificate(request: HttpRequest, uscc: str, staff_id: int, payload: CertificateIn):
    provider = _get(request, uscc)
    member = selectors.staff_get(actor=request.auth, provider=provider, pk=staff_id)
    actions.certificate_upsert(actor=request.auth, staff=member, **payload.dict())
    return Status(201, selectors.staff_get(actor=request.auth, provider=provider, pk=staff_id))


@router.get("/{uscc}/prices", response=list[PriceOut], summary="A provider's price list")
def list_prices(request: HttpRequest, uscc: str, current: bool = False):
    rows = selectors.prices(actor=request.auth, provider=_get(request, uscc))
    if current:
        return selectors.current_prices(rows, on=clock.today())
    return rows


@router.post("/{uscc}/prices", response={201: PriceOut}, summary="Set a price")
def set_price(request: HttpRequest, uscc: str, payload: PriceIn):
    provider = _get(request, uscc)
    price = actions.price_set(actor=request.auth, provider=provider, **payload.dict())
    return Status(201, price)
