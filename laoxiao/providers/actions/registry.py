"""The registry: registering a provider and changing its data.

The order of checks in ``provider_create``: a region code is given (``ValidationError``); a
provider operator registers nothing (``PermissionDenied``); the region lies within the actor's
regions (``NotFound``) and the kind within their sector (``PermissionDenied``); the region is a
loaded community; then the content (credit code, fields between them, the model's checks), all
field errors together.

In ``provider_update``: ``require_can_act`` (own operator, or region then sector); no workflow
field; nothing changed → no write; an operator changes no official field (``PermissionDenied``);
the credit code never changes; a new kind or region is checked like a new provider's; then the
content. A provider that moves takes its rows' region code along.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import access, clock
from laoxiao.core.changelog import diff_fields, log_change
from laoxiao.core.i18n import fmt
from laoxiao.core.models import ChangeLog
from laoxiao.providers import compliance
from laoxiao.providers.actions.checks import (
    OFFICIAL_FIELDS,
    PROVIDER_FIELDS,
    WORKFLOW_FIELDS,
    check_uscc,
    full_clean,
    normal_values,
    provider_problems,
)
from laoxiao.providers.actions.filing import filing_event
from laoxiao.providers.models import (
    CHILDCARE_KINDS,
    ELDERCARE_KINDS,
    Certificate,
    ChildcareClass,
    FilingDocument,
    FilingEvent,
    MedicalAgreement,
    Price,
    Provider,
    StaffMember,
)
from laoxiao.regions.models import Region


@transaction.atomic
def provider_create(*, actor: User, data: dict[str, Any]) -> Provider:
    """Register a provider. ``region_code`` names a loaded community in the actor's regions; the
    filing status is ``draft`` unless ``data`` gives one (imports may)."""
    values = normal_values(data)
    code = values.get("region_code") or ""
    if not code:
        raise ValidationError({"region_code": _("This field is required.")})
    if actor.provider_id and not actor.is_superuser:
        raise PermissionDenied(access.OWN_PROVIDER_MESSAGE)
    access.require_region(actor, code)
    if values.get("kind") in (*ELDERCARE_KINDS, *CHILDCARE_KINDS):
        access.require_kind_sector(actor, values["kind"])
    region = access.community_region(code)
    errors: dict[str, Any] = {}
    try:
        values["uscc"] = check_uscc(values.get("uscc", ""))
    except ValidationError as exc:
        errors["uscc"] = exc.message
    errors.update(provider_problems(values))
    values.setdefault("filing_status", Provider.FilingStatus.DRAFT)
    provider = Provider(region=region, **values)
    full_clean(provider, errors)
    provider.save()
    fields = [f for f in PROVIDER_FIELDS if f in values or f == "filing_status"]
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=provider,
        changes={f: [None, getattr(provider, f)] for f in fields},
    )
    filing_event(actor=actor, provider=provider, from_status="", on=clock.today(), note="registered")
    return provider


@transaction.atomic
def provider_update(*, actor: User, provider: Provider, data: dict[str, Any]) -> Provider:
    """Change a provider's data (not its filing status: ``filing_transition``). No-op when unchanged."""
    access.require_can_act(actor, provider)
    values = normal_values(data)
    workflow = [k for k in values if k in WORKFLOW_FIELDS]
    if workflow:
        raise ValidationError({k: _("Changed only through the filing workflow.") for k in workflow})
    changes = diff_fields(provider, values)
    if not changes:
        return provider
    if access.is_operator_of(actor, provider) and not actor.is_superuser:
        official = [k for k in changes if k in OFFICIAL_FIELDS]
        if official:
            raise PermissionDenied(_("A provider operator may not change: ") + ", ".join(official))
    if "uscc" in changes:
        raise ValidationError({"uscc": _("The credit code identifies the provider and cannot be changed.")})
    if "kind" in changes:
        access.require_kind_sector(actor, changes["kind"][1])
    new_region: Region | None = None
    if "region_code" in changes:
        access.require_region(actor, changes["region_code"][1])
        new_region = access.community_region(changes["region_code"][1])
    state = {f: getattr(provider, f) for f in PROVIDER_FIELDS}
    state.update({k: v[1] for k, v in changes.items()})
    errors = provider_problems(state)
    if "inclusive_slots" in changes and provider.kind in CHILDCARE_KINDS:
        total = compliance.slots(provider)
        if total and changes["inclusive_slots"][1] > total:
            errors["inclusive_slots"] = fmt(_("More inclusive slots than slots (%(slots)d)."), slots=total)
    for field, (_old, new) in changes.items():
        setattr(provider, field, new)
    if new_region is not None:
        provider.region = new_region
    full_clean(provider, errors, exclude=["uscc"])
    provider.save(update_fields=[*changes, *(["region"] if new_region else []), "updated_at"])
    if new_region is not None:
        move_rows(provider)
    log_change(actor=actor, action=ChangeLog.Action.UPDATE, target=provider, changes=changes)
    return provider


def move_rows(provider: Provider) -> None:
    """A provider that moves takes its rows' region code along (scoping reads it from each row)."""
    code = provider.region_code
    for model in (FilingEvent, FilingDocument, ChildcareClass, MedicalAgreement, StaffMember, Price):
        model.objects.filter(provider=provider).update(region_code=code)
    Certificate.objects.filter(staff__provider=provider).update(region_code=code)
