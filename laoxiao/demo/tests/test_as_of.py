"""The demo city lives in the present: built as of a day, its records stop on that day and its work
lists are current (``build_demo_city(as_of=...)``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Max, Min

from laoxiao.core import clock
from laoxiao.demo import people as dp
from laoxiao.demo.generator import build_demo_city
from laoxiao.people.models import (
    AbilityAssessment,
    Child,
    ChildHealthCheck,
    Elder,
    HealthCheck,
    NewbornVisit,
    Vaccination,
    WelfareVisit,
)
from laoxiao.people.selectors.children import child_followups
from laoxiao.people.selectors.elders import visit_worklist
from laoxiao.providers.models import FilingEvent, MedicalAgreement, Provider, StaffMember
from laoxiao.regions.models import PopulationFigure
from laoxiao.supervision.models import Complaint, Incident, Inspection, RiskSignal

SCALE = 0.01
SEED = 3
CITY = "340600000000"


def _years_before(day: dt.date, years: int) -> dt.date:
    return dp.years_before(day, years)


DATED = [
    (WelfareVisit, "visited_on"),
    (HealthCheck, "checked_on"),
    (AbilityAssessment, "assessed_on"),
    (NewbornVisit, "visited_on"),
    (ChildHealthCheck, "checked_on"),
    (Vaccination, "given_on"),
    (Elder, "birth_date"),
    (Child, "birth_date"),
    (Provider, "opened_on"),
    (Provider, "filed_on"),
    (StaffMember, "hired_on"),
    (MedicalAgreement, "signed_on"),
    (Inspection, "date"),
    (Complaint, "received_on"),
    (RiskSignal, "detected_on"),
]


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("as_of", [dt.date(2025, 6, 30), dt.date(2026, 3, 11)])
def test_the_demo_city_is_built_as_of_a_day(as_of: dt.date) -> None:
    with transaction.atomic():
        ctx = build_demo_city(SEED, SCALE, as_of=as_of)
        assert ctx.as_of == as_of and ctx.years == tuple(range(2020, as_of.year + 1))
        assert PopulationFigure.objects.filter(region_id=CITY, year=as_of.year).exists()
        # nothing is dated after as_of
        for model, field in DATED:
            latest = model.objects.aggregate(m=Max(field))["m"]
            assert latest is not None or model is RiskSignal, (model, field)  # 3 × 0.01 rounds to none
            assert latest is None or latest <= as_of, (model.__name__, field, latest)
        assert max(Incident.objects.values_list("occurred_at", flat=True)).date() <= as_of
        assert max(FilingEvent.objects.values_list("on_date", flat=True)) <= as_of
        # follow-up records cover the last 24 months, with records in this year and the year before
        start = dp.window_start(as_of)
        for model, field in ((WelfareVisit, "visited_on"), (HealthCheck, "checked_on")):
            assert model.objects.aggregate(m=Min(field))["m"] >= start
            for year in (as_of.year - 1, as_of.year):
                assert model.objects.filter(**{f"{field}__year": year}).exists(), (model.__name__, year)
        for year in (as_of.year - 1, as_of.year):
            assert Vaccination.objects.filter(given_on__year=year).exists(), year
        # supervision: this year's round of inspections
        assert Inspection.objects.filter(date__gt=as_of - dt.timedelta(days=365)).exists()
        # ages on as_of: older people 60+, children under 3
        assert Elder.objects.filter(birth_date__gt=_years_before(as_of, 60)).count() == 0
        assert Elder.objects.filter(birth_date__gt=_years_before(as_of, 61)).exists()  # some just 60
        assert not Child.objects.filter(birth_date__lte=_years_before(as_of, 3)).exists()
        assert Child.objects.filter(birth_date__gt=as_of - dt.timedelta(days=30)).exists()
        # this month's visit work list: not empty, partly done
        with clock.frozen(as_of):
            rows = visit_worklist(actor=ctx.actor, region_code=CITY, month=as_of)
        done = sum(1 for r in rows if r.visited)
        assert rows and 0 < done < len(rows)
        # vaccinations due within the 7 days from as_of, not given yet
        fus = child_followups(children=Child.objects.all(), on=as_of)
        soon = [
            v
            for fu in fus.values()
            for v in fu.vaccines
            if as_of <= v.due_on <= as_of + dt.timedelta(days=7) and v.given_on is None
        ]
        assert soon
        transaction.set_rollback(True)
