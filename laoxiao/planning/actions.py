"""Writes of residential projects (居住区项目): create, update, and the bulk upsert that the import
kind ``residential_projects`` and the demo city use.

Every write is one transaction and checks, in this order:

1. scope: the project's region (and a new region) lies within the actor's regions, else
   ``NotFound`` (never "forbidden");
2. permission: the actor works in elder care or childcare (``accounts.sector_eldercare`` or
   ``accounts.sector_childcare``; the facilities concern both), else ``PermissionDenied``;
3. content: ``ValidationError`` with a dict of field → message;

then writes and logs the change (a creation logs its snapshot, an update ``{"field": [old, new]}``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from laoxiao.core import access
from laoxiao.core.bulk import Progress, WriteResult, save_logged
from laoxiao.core.changelog import build_entry, diff_fields, log_many, snapshot
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.planning.models import ResidentialProject
from laoxiao.regions.models import Region

FIELDS = (
    "code",
    "name",
    "region_code",
    "area_type",
    "households",
    "residents",
    "eldercare_floor_area",
    "largest_facility_area",
    "childcare_slots",
    "delivery_date",
    "acceptance",
    "note",
)
AREA_FIELDS = ("eldercare_floor_area", "largest_facility_area")
INT_FIELDS = ("households", "residents", "childcare_slots")


def require_can_manage(actor: Any, region_code: str) -> None:
    """Within the actor's regions (else ``NotFound``) and an elder-care or childcare role (else
    ``PermissionDenied``)."""
    access.require_region_and_sector(
        actor,
        region_code,
        "eldercare",
        "childcare",
        message=_("Your role does not manage residential projects."),
    )


def can_manage(actor: Any, region_code: str) -> bool:
    try:
        require_can_manage(actor, region_code)
    except (NotFound, PermissionDenied):
        return False
    return True


def can_record(actor: Any) -> bool:
    """The actor may record projects somewhere (an elder-care or childcare role and a region)."""
    if not getattr(actor, "is_active", False):
        return False
    prefixes = actor.region_prefixes()
    if prefixes is not None and not prefixes:
        return False
    return access.has_sector(actor, "eldercare", "childcare")


def _area(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal("0.00")
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValidationError(_("Not a number.")) from None


def clean(data: Mapping[str, Any], *, partial_of: ResidentialProject | None = None) -> dict[str, Any]:
    """Normalised values of the fields given; ``ValidationError`` (field → message) for what is
    wrong. With ``partial_of``, fields not given keep the project's values for the checks."""
    out: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for f in FIELDS:
        if f not in data:
            continue
        v = data[f]
        try:
            if f in AREA_FIELDS:
                v = _area(v)
                if v < 0:
                    raise ValidationError(_("Must be at least 0."))
            elif f in INT_FIELDS:
                if v is None or v == "":
                    v = 0
                v = int(v)
                if v < 0:
                    raise ValidationError(_("Must be at least 0."))
            elif f in ("code", "name", "region_code"):
                v = str(v or "").strip()
                if not v:
                    raise ValidationError(_("This field is required."))
            elif f == "area_type" and v not in ResidentialProject.Area.values:
                raise ValidationError(_("Choose new or existing."))
            elif f == "acceptance":
                v = v or ResidentialProject.Acceptance.PENDING
                if v not in ResidentialProject.Acceptance.values:
                    raise ValidationError(_("Choose pending, passed or failed."))
            elif f == "delivery_date" and v is not None and not isinstance(v, dt.date):
                raise ValidationError(_("Not a date: write YYYY-MM-DD."))
            elif f == "note":
                v = v or ""
        except (TypeError, ValueError):
            errors[f] = _("Not a whole number.")
            continue
        except ValidationError as exc:
            errors[f] = exc.messages[0] if not hasattr(exc, "message") else exc.message
            continue
        out[f] = v

    def current(f: str) -> Any:
        if f in out:
            return out[f]
        return getattr(partial_of, f) if partial_of is not None else None

    total, largest = current("eldercare_floor_area"), current("largest_facility_area")
    if (
        "largest_facility_area" not in errors
        and total is not None
        and largest is not None
        and largest > total
    ):
        errors["largest_facility_area"] = _(
            "The largest single facility cannot exceed the total floor space."
        )
    if partial_of is None:
        for f in ("code", "name", "region_code", "area_type", "households", "residents"):
            if f not in data and f not in errors:
                errors[f] = _("This field is required.")
    code = current("region_code")
    if code and "region_code" not in errors and not Region.objects.filter(code=code).exists():
        errors["region_code"] = _("No such region is loaded.")
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def residential_project_create(*, actor: Any, data: Mapping[str, Any]) -> ResidentialProject:
    require_can_manage(actor, str(data.get("region_code") or ""))
    values = clean(data)
    if ResidentialProject.objects.filter(code=values["code"]).exists():
        raise ValidationError({"code": _("A project with this code exists already.")})
    project = ResidentialProject(**values)
    save_logged(project, actor=actor, fields=FIELDS, region_code=project.region_code)
    return project


@transaction.atomic
def residential_project_update(
    *, actor: Any, project: ResidentialProject, data: Mapping[str, Any]
) -> ResidentialProject:
    require_can_manage(actor, project.region_code)
    if "region_code" in data and data["region_code"] != project.region_code:
        require_can_manage(actor, str(data["region_code"] or ""))
    values = clean(data, partial_of=project)
    if "code" in values and values["code"] != project.code:
        if ResidentialProject.objects.filter(code=values["code"]).exclude(pk=project.pk).exists():
            raise ValidationError({"code": _("A project with this code exists already.")})
    save_logged(
        project, actor=actor, values=values, region_code=values.get("region_code", project.region_code)
    )
    return project


@transaction.atomic
def residential_projects_upsert(
    *, actor: Any, records: Iterable[Mapping[str, Any]], progress: Progress | None = None
) -> WriteResult:
    """Create or update by ``code``; each record is checked as by the single actions (scope,
    permission, content) and the whole batch is refused on the first error."""
    records = list(records)
    existing = {
        p.code: p for p in ResidentialProject.objects.filter(code__in=[r.get("code") for r in records])
    }
    result = WriteResult()
    entries: list[ChangeLog] = []
    for r in records:
        code = str(r.get("code") or "")
        project = existing.get(code)
        if project is None:
            require_can_manage(actor, str(r.get("region_code") or ""))
            values = clean(r)
            project = ResidentialProject(**values)
            project.full_clean()
            project.save()
            existing[code] = project
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.CREATE,
                    target=project,
                    changes=snapshot(project, FIELDS),
                    region_code=project.region_code,
                )
            )
            result.created += 1
        else:
            require_can_manage(actor, project.region_code)
            if r.get("region_code") and r["region_code"] != project.region_code:
                require_can_manage(actor, str(r["region_code"]))
            values = clean({k: v for k, v in r.items() if k in FIELDS}, partial_of=project)
            changes = diff_fields(project, values)
            if not changes:
                result.unchanged += 1
                continue
            for field, (_old, new) in changes.items():
                setattr(project, field, new)
            project.full_clean()
            project.save(update_fields=[*changes, "updated_at"])
            entries.append(
                build_entry(
                    actor=actor,
                    action=ChangeLog.Action.UPDATE,
                    target=project,
                    changes=changes,
                    region_code=project.region_code,
                )
            )
            result.updated += 1
        if progress:
            progress(1)
    log_many(entries)
    return result
