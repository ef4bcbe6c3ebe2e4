"""The demo city's people (``laoxiao.demo.people``), built once at a small scale."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import transaction
from stdnum.cn import ric

from laoxiao.core.idnumbers import parse_id_number
from laoxiao.core.models import ChangeLog
from laoxiao.demo import people as dp
from laoxiao.demo.generator import build_demo_city
from laoxiao.demo.kernel import COUNTIES, scaled
from laoxiao.people.actions.elders import ScoringCache
from laoxiao.people.assessment import score
from laoxiao.people.models import (
    AbilityAssessment,
    Child,
    ChildHealthCheck,
    Elder,
    Guardian,
    HealthCheck,
    NewbornVisit,
    Vaccination,
    WelfareVisit,
)
from laoxiao.people.selectors.children import child_rules
from laoxiao.regions.models import PopulationFigure

SCALE = 0.005
SEED = 5
REF = dt.date(2021, 12, 31)
COUNTY_CODES = {c.code6 for c in COUNTIES}


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            ctx = build_demo_city(SEED, SCALE, as_of=REF)
            yield ctx
            transaction.set_rollback(True)


def figures() -> dict[str, PopulationFigure]:
    return {f.region_id: f for f in PopulationFigure.objects.filter(year=2021, region__level="community")}


def per_region(qs) -> Counter[str]:
    return Counter(qs.values_list("region_code", flat=True))


def born_by(years: int) -> dt.date:
    return dt.date(REF.year - years, 12, 31)


@pytest.mark.django_db
def test_counts_match_the_figures_in_every_community(city):
    figs = figures()
    assert sum(f.age_60_plus for f in figs.values()) == scaled(324_394, SCALE)
    elders = Elder.objects.all()
    assert per_region(elders) == Counter({c: f.age_60_plus for c, f in figs.items() if f.age_60_plus})
    assert per_region(elders.filter(birth_date__lte=born_by(65))) == Counter(
        {c: f.age_65_plus for c, f in figs.items() if f.age_65_plus}
    )
    assert per_region(elders.filter(birth_date__lte=born_by(80))) == Counter(
        {c: f.age_80_plus for c, f in figs.items() if f.age_80_plus}
    )
    assert not elders.filter(birth_date__gt=born_by(60)).exists()
    assert elders.filter(birth_date__lte=born_by(65)).count() == scaled(264_889, SCALE)
    children = Child.objects.all()
    assert per_region(children) == Counter({c: f.age_0_2 for c, f in figs.items() if f.age_0_2})
    assert children.count() == scaled(62_902, SCALE)
    assert children.filter(birth_date__year=2021).count() == scaled(17_258, SCALE)
    assert not children.filter(birth_date__lt=dt.date(2019, 1, 1)).exists()
    assert not children.filter(birth_date__gt=REF).exists()
    assert Guardian.objects.count() == children.count()


@pytest.mark.django_db
def test_id_numbers_are_valid_unique_and_match_the_person(city):
    seen: set[str] = set()
    for e in Elder.objects.all():
        info = parse_id_number(e.id_number, extra_codes=COUNTY_CODES)
        assert info.division_code == e.region_code[:6]
        assert (info.birth_date, info.sex) == (e.birth_date, e.sex)
        assert e.id_number not in seen
        seen.add(e.id_number)
        assert e.name and e.address.startswith("淮北市")
    with_id = 0
    certs: set[str] = set()
    for c in Child.objects.all():
        assert c.birth_certificate_number and c.birth_certificate_number not in certs
        certs.add(c.birth_certificate_number)
        assert 2 <= (c.discharge_date - c.birth_date).days <= 5
        if c.id_number:
            with_id += 1
            info = parse_id_number(c.id_number, extra_codes=COUNTY_CODES)
            assert (info.birth_date, info.sex, info.division_code) == (c.birth_date, c.sex, c.region_code[:6])
            assert c.id_number not in seen
            seen.add(c.id_number)
    assert with_id / Child.objects.count() > 0.85
    for g in Guardian.objects.all():
        info = parse_id_number(g.id_number, extra_codes=COUNTY_CODES)
        assert g.id_number not in seen
        seen.add(g.id_number)
        assert info.sex == ("F" if g.relation == "母亲" else "M")
        assert g.phone


def test_id_numbers_helper_agrees_with_stdnum():
    county = np.array([340602, 340621, 340621, 340621], dtype=np.int64)
    birth = np.array(["1950-02-28", "1948-02-29", "1948-02-29", "1948-02-29"], dtype="datetime64[D]")
    male = np.array([True, True, False, True])
    ids = dp.id_numbers(county, birth, male)
    assert len(set(ids)) == 4
    for number, is_male in zip(ids, male, strict=True):
        assert ric.calc_check_digit(number) == number[17]
        assert (int(number[16]) % 2 == 1) == is_male
    assert ids[1][6:14] == "19480229"


@pytest.mark.django_db
def test_same_seed_same_people(city):
    comms = dp.communities(city)
    first = dp.plan_elders(city, comms)
    again = dp.plan_elders(city, comms)
    assert first.id_number[:50] == again.id_number[:50] and first.name[:50] == again.name[:50]
    stored = list(Elder.objects.order_by("pk")[:20])
    assert [e.id_number for e in stored] == first.id_number[:20]
    other = dp.plan_elders(dataclass_replace(city, seed=SEED + 1), comms)
    assert other.id_number[:20] != first.id_number[:20]
    kids = dp.plan_children(city, comms)
    assert [c.birth_certificate_number for c in Child.objects.order_by("pk")[:20]] == kids.cert[:20]


def dataclass_replace(ctx, **changes):
    import dataclasses

    return dataclasses.replace(ctx, **changes)


@pytest.mark.django_db
def test_assessments_are_scored_consistently_and_shares_are_plausible(city):
    n = Elder.objects.count()
    assessed = AbilityAssessment.objects.all()
    assert 0.10 <= assessed.count() / n <= 0.22
    disabled = assessed.filter(level__in=dp.DISABLED_LEVELS).count()
    assert 0.15 <= disabled / assessed.count() <= 0.38
    cache = ScoringCache()
    for a in assessed[:200]:
        result = score(
            a.items,
            rules=cache.rules(a.assessed_on),
            dementia=a.dementia,
            psychiatric=a.psychiatric,
            risk_events_30d=a.risk_events_30d,
        )
        assert (result.total, result.level, result.domains["self_care"]) == (a.total, a.level, a.self_care)
        assert dp.window_start(REF) <= a.assessed_on <= REF and a.assessed_on >= a.elder.birth_date.replace(
            year=a.elder.birth_date.year + 60
        )


@pytest.mark.django_db
def test_visits_and_health_checks_are_near_the_baselines(city):
    visits = WelfareVisit.objects.all()
    assert visits.exists()
    assert not visits.exclude(visited_on__range=(dp.window_start(REF), REF)).exists()  # the last 24 months
    assert visits.filter(visited_on__year=2020).exists()
    per_month = Counter(
        (v.elder_id, v.visited_on.year, v.visited_on.month) for v in visits.only("elder_id", "visited_on")
    )
    assert max(per_month.values()) == 1
    listed = Elder.objects.filter(living_arrangement__in=["alone", "empty_nest", "left_behind"])
    december = (
        visits.filter(visited_on__year=2021, visited_on__month=12, elder__in=listed)
        .values("elder")
        .distinct()
        .count()
    )
    assert 0.95 <= december / listed.count() <= 1.0
    assert set(visits.values_list("mode", flat=True)) == {"home", "phone", "video"}
    aged_65 = Elder.objects.filter(birth_date__lte=born_by(65)).count()
    checks = HealthCheck.objects.all()
    assert 0.5 <= checks.filter(checked_on__year=2021).count() / aged_65 <= 0.7  # a whole year
    for c in checks.select_related("elder")[:300]:
        assert dp.window_start(REF) <= c.checked_on <= REF
        assert c.checked_on >= dt.date(c.elder.birth_date.year + 65, 1, 1)
    summary = city.summary["people"]
    assert 0.97 <= summary["visit_rate"] <= 1.0
    assert summary["elders_65_plus"] == aged_65


@pytest.mark.django_db
def test_child_follow_up_is_near_the_baselines(city):
    rules = child_rules()
    children = list(Child.objects.all())
    on_time = due = 0
    visits = {v.child_id: v.visited_on for v in NewbornVisit.objects.all()}
    for c in children:
        if c.birth_date.year == 2021 and c.discharge_date + dt.timedelta(days=7) <= REF:
            due += 1
            v = visits.get(c.pk)
            on_time += v is not None and v <= c.discharge_date + dt.timedelta(days=7)
    assert 0.85 <= on_time / due <= 1.0
    given = {(v.child_id, v.vaccine, v.dose): v.given_on for v in Vaccination.objects.all()}
    due_doses = given_doses = 0
    for c in children:
        for dose in rules.vaccine_schedule(c.birth_date, REF):
            when = dose.due_on(c.birth_date)
            if dt.date(2021, 1, 1) <= when <= REF:
                due_doses += 1
                given_doses += (c.pk, dose.vaccine, dose.dose) in given
            key = (c.pk, dose.vaccine, dose.dose)
            if key in given:
                assert c.birth_date <= given[key] <= REF
                assert given[key] >= when
    assert 0.9 <= given_doses / due_doses <= 0.98
    checks = ChildHealthCheck.objects.all()
    assert checks.exists() and not checks.filter(checked_on__gt=REF).exists()
    summary = city.summary["people"]
    assert 0.78 <= summary["child_check_rate"] <= 0.92


@pytest.mark.django_db
def test_demo_people_are_logged_as_one_summary_per_community(city):
    rows = ChangeLog.objects.filter(target_type="people.elder", note=dp.LOG_NOTE)
    assert sum(r.changes["rows"][1] for r in rows) == Elder.objects.count()
    assert rows.count() == Elder.objects.values("region_code").distinct().count()
    visits = ChangeLog.objects.filter(target_type="people.welfarevisit", note=dp.LOG_NOTE)
    assert sum(r.changes["rows"][1] for r in visits) == WelfareVisit.objects.count()
    assert ChangeLog.objects.filter(target_type="people.vaccination").exclude(target_id="").count() == 0


@pytest.mark.django_db
def test_running_again_changes_no_people(city):
    counts = (Elder.objects.count(), Child.objects.count(), WelfareVisit.objects.count())
    out = StringIO()
    call_command("demo-city", scale=SCALE, seed=SEED, as_of=REF.isoformat(), if_empty=True, stdout=out)
    assert "regions exist already" in out.getvalue()
    ctx = build_demo_city(SEED, SCALE, as_of=REF)
    assert (Elder.objects.count(), Child.objects.count(), WelfareVisit.objects.count()) == counts
    assert "exist already" in str(ctx.summary["people"])


@pytest.mark.django_db
def test_skip_people_runs_no_people_step(city):
    ctx = build_demo_city(SEED, SCALE, skip=dp.STEP_NAMES, as_of=REF)
    assert "people" not in ctx.summary
    counts = (Elder.objects.count(), Child.objects.count())
    out = StringIO()
    call_command("demo-city", scale=SCALE, seed=SEED, as_of=REF.isoformat(), skip_people=True, stdout=out)
    assert "人员 people" not in out.getvalue()
    assert (Elder.objects.count(), Child.objects.count()) == counts
