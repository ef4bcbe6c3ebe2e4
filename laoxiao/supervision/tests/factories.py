"""Providers and supervision records built directly (no import pipeline)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from laoxiao.providers.models import Provider
from laoxiao.providers.tests.factories import make_uscc
from laoxiao.regions.models import Region
from laoxiao.supervision.models import (
    Complaint,
    Incident,
    Inspection,
    RectificationOrder,
    RiskSignal,
)


def make_provider(
    name: str, *, kind: str = "eldercare_home", region_code: str = "340603001001", **extra: Any
) -> Provider:
    values: dict[str, Any] = {
        "uscc": make_uscc(county=region_code[:6]),
        "ownership": "private",
        "supply_tier": "inclusive",
        "filing_status": "filed",
        "filed_on": dt.date(2020, 1, 1),
    }
    values.update(extra)
    return Provider.objects.create(
        name=name, kind=kind, region=Region.objects.get(code=region_code), region_code=region_code, **values
    )


def make_inspection(inst: Provider, date: dt.date, result: str = "pass", kind: str = "routine") -> Inspection:
    return Inspection.objects.create(
        provider=inst, region_code=inst.region_code, date=date, kind=kind, inspectors="A, B", result=result
    )


def make_order(insp: Inspection, deadline: dt.date, status: str = "open", **extra: Any) -> RectificationOrder:
    return RectificationOrder.objects.create(
        inspection=insp, requirement="fix the handrails", deadline=deadline, status=status, **extra
    )


def make_complaint(
    inst: Provider, received_on: dt.date, substantiated: bool | None = None, **extra: Any
) -> Complaint:
    values: dict[str, Any] = {"source": "hotline_12345", "category": "service_quality", "status": "open"}
    values.update(extra)
    return Complaint.objects.create(
        provider=inst,
        region_code=inst.region_code,
        received_on=received_on,
        description="cold meals",
        deadline=received_on + dt.timedelta(days=21),
        substantiated=substantiated,
        **values,
    )


def make_incident(
    inst: Provider, on: dt.date, severity: str = "minor", late: bool = False, kind: str = "fall"
) -> Incident:
    at = timezone.make_aware(dt.datetime(on.year, on.month, on.day, 10, 0))
    return Incident.objects.create(
        provider=inst,
        region_code=inst.region_code,
        occurred_at=at,
        reported_at=at + dt.timedelta(hours=30 if late else 1),
        reported_late=late,
        kind=kind,
        severity=severity,
        description="resident fell",
    )


def make_risk_signal(inst: Provider, on: dt.date, status: str = "open") -> RiskSignal:
    return RiskSignal.objects.create(
        provider=inst,
        region_code=inst.region_code,
        kind="prepaid_cards",
        detected_on=on,
        description="sells 10-year cards",
        status=status,
    )
