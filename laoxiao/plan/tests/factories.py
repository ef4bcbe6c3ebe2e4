"""Builders of the plan's tests: the small city's regions (conftest ``city``: 淮北市 → 相山区
(340603) → 东街道 → 1社区 (XS1), 2社区 (XS2); 濉溪县 (340621) → 濉溪镇 → 1社区 (SX1), 2社区 (SX2)) and
the records the computed indicators count (older people, visits, providers, staff, children)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from laoxiao.people.models import (
    AbilityAssessment,
    Child,
    ChildHealthCheck,
    Elder,
    ElderCategory,
    HealthCheck,
    Vaccination,
    WelfareVisit,
)
from laoxiao.people.tests.factories import make_elder_id as id_number
from laoxiao.plan.calculators import MEASURE_KEYS, region_prefix
from laoxiao.plan.models import Indicator, IndicatorValue, PlanTask
from laoxiao.providers.models import Certificate, ChildcareClass, Provider, StaffMember
from laoxiao.providers.tests.factories import make_id_number, make_uscc
from laoxiao.regions.models import PopulationFigure, Region

SEED_PLAN = "huaibei-2021-2025"
D = dt.date
CITY, XS, SX = "340600000000", "340603000000", "340621000000"
XST, SXT = "340603001000", "340621100000"
XS1, XS2, SX1, SX2 = "340603001001", "340603001002", "340621100001", "340621100002"
COMMUNITIES = (XS1, XS2, SX1, SX2)
_seq = itertools.count(1)
BORN = D(1945, 5, 6)
SINCE = D(2020, 1, 1)
FILED = D(2020, 6, 1)


# --- records -------------------------------------------------------------------------------------


def make_elder(region: str, birth: dt.date = BORN, living: str = "with_family", **kw: Any) -> Elder:
    n = next(_seq)
    return Elder.objects.create(
        name=f"老人{n}",
        sex="M",
        birth_date=birth,
        region_id=region,
        region_code=region,
        id_number=id_number(birth, n, county=region[:6]),
        living_arrangement=living,
        **kw,
    )


def make_assessment(e: Elder, on: dt.date, level: str) -> None:
    AbilityAssessment.objects.create(
        elder=e,
        region_code=e.region_code,
        assessed_on=on,
        reason="first",
        items={},
        self_care=0,
        mobility=0,
        mental=0,
        perception=0,
        total=0,
        preliminary_level=level,
        level=level,
    )


def make_category(e: Elder, cat: str, mode: str = "", start: dt.date = SINCE, **kw: Any) -> None:
    ElderCategory.objects.create(
        elder=e, region_code=e.region_code, category=cat, support_mode=mode, valid_from=start, **kw
    )


def make_poor_elder(region: str, mode: str, level: str, **kw: Any) -> Elder:
    e = make_elder(region, **kw)
    make_category(e, "extreme_poverty", mode)
    make_assessment(e, D(2021, 3, 1), level)
    return e


def make_visit(e: Elder, on: dt.date) -> None:
    WelfareVisit.objects.create(elder=e, region_code=e.region_code, visited_on=on, mode="home")


def make_health_check(e: Elder, on: dt.date, complete: bool = True) -> None:
    HealthCheck.objects.create(elder=e, region_code=e.region_code, checked_on=on, complete=complete)


def make_filed_provider(
    kind: str, region: str, status: str = "filed", filed_on: dt.date | None = FILED, **kw: Any
):  # type: ignore[no-untyped-def]
    return Provider.objects.create(
        uscc=make_uscc(),
        name=f"{kind}-{region}-{next(_seq)}",
        kind=kind,
        ownership="private",
        supply_tier="market",
        region_id=region,
        region_code=region,
        filing_status=status,
        filed_on=filed_on,
        **kw,
    )


def make_staff(
    inst: Provider,
    role: str,
    *,
    hired: dt.date | None = SINCE,
    left: dt.date | None = None,
    cert: tuple[dt.date | None, dt.date | None] | None = (SINCE, None),
) -> StaffMember:
    n = next(_seq)
    member = StaffMember.objects.create(
        provider=inst,
        region_code=inst.region_code,
        name=f"员工{n}",
        id_number=make_id_number(county=inst.region_code[:6], seq=n),
        role=role,
        hired_on=hired,
        left_on=left,
    )
    if cert is not None:
        Certificate.objects.create(
            staff=member, region_code=inst.region_code, kind="证", issued_on=cert[0], expires_on=cert[1]
        )
    return member


def make_classes(inst: Provider, *capacities: int) -> None:
    for i, cap in enumerate(capacities):
        ChildcareClass.objects.create(
            provider=inst,
            region_code=inst.region_code,
            name=f"班{i}",
            class_type="toddler",
            capacity=cap,
            carers=3,
        )


def make_child(region: str, birth: dt.date, discharge: dt.date | None = None, **kw: Any) -> Child:
    n = next(_seq)
    return Child.objects.create(
        name=f"小{n}",
        sex="F",
        birth_date=birth,
        discharge_date=discharge,
        region_id=region,
        region_code=region,
        birth_certificate_number=f"Q{n:09d}",
        **kw,
    )


def make_vaccination(c: Child, vaccine: str, dose: int, on: dt.date) -> None:
    Vaccination.objects.create(child=c, region_code=c.region_code, vaccine=vaccine, dose=dose, given_on=on)


def make_child_check(c: Child, point: str, on: dt.date) -> None:
    ChildHealthCheck.objects.create(child=c, region_code=c.region_code, age_point=point, checked_on=on)


def make_population_figures(city: dict[str, Any]) -> dict[str, Any]:
    """Population figures above the communities (make_city writes the communities': 1000 × i
    residents, 200 × i aged 60+, 150 × i aged 65+, i = 1, 2)."""
    for code in (XST, XS, SXT, SX, CITY):
        rows = PopulationFigure.objects.filter(
            year=2021, region_code__in=COMMUNITIES, region_code__startswith=region_prefix(code)
        )
        PopulationFigure.objects.create(
            region=Region.objects.get(code=code),
            region_code=code,
            year=2021,
            population=sum(r.population for r in rows),
            age_60_plus=sum(r.age_60_plus or 0 for r in rows),
            age_65_plus=sum(r.age_65_plus or 0 for r in rows),
        )
    return city


def make_stored_value(
    code: str, region: str, period: str, value: Any, num: Any = None, den: Any = None, reason: str = ""
) -> None:
    """A computed value as the engine stores it."""
    IndicatorValue.objects.create(
        measure_id=MEASURE_KEYS[code],
        region_code=region,
        period=period,
        value=None if value is None else Decimal(str(value)),
        numerator=None if num is None else Decimal(str(num)),
        denominator=None if den is None else Decimal(str(den)),
        reason=reason,
        computed_at=timezone.now(),
    )


def task_of(code: str) -> PlanTask:
    """The seed plan's task ``code`` (T01–T37)."""
    return PlanTask.objects.get(plan_id=SEED_PLAN, code=code)


def indicator_of(code: str) -> Indicator:
    """The seed plan's indicator ``code`` (E01–E16, C01–C10)."""
    return Indicator.objects.select_related("measure", "responsible_unit").get(plan_id=SEED_PLAN, code=code)
