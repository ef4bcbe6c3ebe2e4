"""The demo city's month of service (``laoxiao.demo.services`` and its parts), built at a small scale."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from laoxiao.core.rules import rule
from laoxiao.demo import services_care as ds
from laoxiao.demo.generator import build_demo_city
from laoxiao.people.models import Elder
from laoxiao.providers.models import ChildcareClass
from laoxiao.services import verification as ver
from laoxiao.services.models import (
    Alarm,
    CareBedContract,
    CarePlan,
    ChildcareBooking,
    ChildcareSlot,
    Device,
    Diner,
    Entitlement,
    HomeAdaptation,
    MealRecord,
    RespiteBooking,
    ServiceClaim,
    ServiceOrder,
    ServiceVisit,
)

SCALE = 0.01
SEED = 5
REF = dt.date(2021, 12, 31)
SKIP = ("tasks", "residential", "benefits", "indicators", "reported", "plan-life")


def _snapshot() -> dict[str, list[tuple]]:
    def elder_key(qs, *fields):
        return sorted(qs.values_list("elder__id_number_hash", *fields))

    return {
        "orders": elder_key(ServiceOrder.objects, "item_id", "scheduled_at", "status", "gov_fen", "rating"),
        "visits": elder_key(
            ServiceVisit.objects, "check_in_at", "minutes", "status", "flags", "integrity_hash"
        ),
        "meals": elder_key(MealRecord.objects, "served_on", "slot", "subsidy_fen"),
        "entitlements": elder_key(Entitlement.objects, "group", "monthly_fen"),
    }


@pytest.fixture(scope="module")
def demo_month(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            ctx = build_demo_city(SEED, SCALE, as_of=REF, skip=SKIP)
            snap = _snapshot()
            yield ctx, snap
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_kind_of_record_is_written(demo_month):
    ctx, _snap = demo_month
    for model in (
        Entitlement,
        CarePlan,
        ServiceOrder,
        ServiceVisit,
        Diner,
        MealRecord,
        CareBedContract,
        HomeAdaptation,
        Device,
        Alarm,
        RespiteBooking,
    ):
        assert model.objects.exists(), model.__name__
    if ChildcareClass.objects.exists():  # none at this scale; see the childcare test below
        assert ChildcareSlot.objects.exists()
    channels = set(ServiceOrder.objects.values_list("channel", flat=True))
    assert {"family", "care_plan"} <= channels
    states = Counter(ServiceOrder.objects.values_list("status", flat=True))
    assert states["confirmed"] > states["done"] > 0
    assert states["cancelled"] > 0
    assert 1 <= states["disputed"] <= 2
    assert ServiceOrder.objects.filter(status="confirmed", rating__isnull=False).exists()
    alarm_states = set(Alarm.objects.values_list("status", flat=True))
    assert {"open", "acknowledged", "on_site", "closed"} <= alarm_states
    assert Alarm.objects.filter(escalation_level__gte=1).count() == 1
    assert ctx.summary["seconds"]["services"] < 30


@pytest.mark.django_db
def test_every_elder_has_a_home_inside_the_city(demo_month):
    assert not Elder.objects.filter(home_lon__isnull=True).exists()
    lo = Elder.objects.order_by("home_lon").values_list("home_lon", flat=True).first()
    hi = Elder.objects.order_by("-home_lon").values_list("home_lon", flat=True).first()
    assert 116.0 < lo < hi < 117.6


@pytest.mark.django_db
def test_about_three_percent_of_visits_are_flagged(demo_month):
    done = ServiceVisit.objects.exclude(status="open")
    held = done.filter(status="held").count()
    assert done.count() > 200
    assert 0.015 <= held / done.count() <= 0.06
    flags = Counter(f for fl in done.filter(status="held").values_list("flags", flat=True) for f in fl)
    assert {"distance", "too_short", "backfilled"} <= set(flags)
    assert not done.filter(status="verified").exclude(flags=[]).exists()


@pytest.mark.django_db
def test_the_flags_are_the_check_engines(demo_month):
    """Every closed visit checked again from the stored rows gives the stored flags."""
    visits = list(ServiceVisit.objects.exclude(status="open").select_related("item", "elder"))
    vins = [
        ver.VisitIn(
            worker_id=v.worker_id,
            elder_id=v.elder_id,
            item_code=v.item_id,
            method=v.method,
            check_in_at=v.check_in_at,
            check_out_at=v.check_out_at,
            recorded_at=v.recorded_at,
            check_in_lon=v.check_in_lon,
            check_in_lat=v.check_in_lat,
            check_in_accuracy_m=v.check_in_accuracy_m,
            check_out_lon=v.check_out_lon,
            check_out_lat=v.check_out_lat,
            check_out_accuracy_m=v.check_out_accuracy_m,
            key=v.pk,
        )
        for v in visits
    ]
    facts = ver.Facts()
    for v in visits:
        facts.people[v.elder_id] = ver.Person(home_lon=v.elder.home_lon, home_lat=v.elder.home_lat)
        facts.items[v.item_id] = ver.Item(
            min_minutes=v.item.min_minutes, certificate_kind=v.item.certificate_kind, name=v.item.name
        )
    from laoxiao.providers.models import Certificate, StaffMember

    workers = {v.worker_id for v in visits}
    for pk, hired, left in StaffMember.objects.filter(pk__in=workers).values_list(
        "pk", "hired_on", "left_on"
    ):
        facts.workers[pk] = ver.Worker(hired_on=hired, left_on=left)
    for sid, kind, issued, expires in Certificate.objects.filter(staff_id__in=workers).values_list(
        "staff_id", "kind", "issued_on", "expires_on"
    ):
        facts.workers[sid].certificates.append((kind, issued, expires))
    limits = ver.Limits.from_rule(rule("services.visit_checks", on=REF))
    results, _ = ver.check_batch(
        vins, facts, lambda d: limits, local_day_of=lambda m: timezone.localtime(m).date()
    )
    for v, vin, r in zip(visits, vins, results, strict=True):
        assert sorted(r.flags) == sorted(v.flags), v.pk
        assert v.status == ("held" if r.flags else "verified")
        assert v.integrity_hash == ver.integrity_hash(vin)


@pytest.mark.django_db
def test_subsidised_meals_follow_the_rule(demo_month):
    subsidised = MealRecord.objects.filter(subsidy_fen__gt=0)
    keys = list(subsidised.values_list("elder_id", "served_on"))
    assert keys and len(keys) == len(set(keys))  # at most one subsidised meal a day
    data = rule("services.meal_subsidy", on=REF)
    top = max([b["fen"] for b in data["age_bands"]] + list(data["categories"].values()))
    assert subsidised.filter(subsidy_fen__gt=top).count() == 0
    assert not MealRecord.objects.filter(slot="dinner", subsidy_fen__gt=0).exists()


@pytest.mark.django_db
def test_childcare_slots_are_not_overbooked(demo_month):
    for slot in ChildcareSlot.objects.all():
        live = slot.bookings.exclude(status="cancelled").count()
        assert live == slot.booked <= slot.places


@pytest.mark.django_db
def test_orders_split_their_price_within_the_entitlement(demo_month):
    entitled = dict(Entitlement.objects.values_list("elder_id", "monthly_fen"))
    used: Counter[int] = Counter()
    for elder_id, gov in ServiceOrder.objects.values_list("elder_id", "gov_fen"):
        used[elder_id] += gov
    assert used and all(gov <= entitled.get(e, 0) for e, gov in used.items())


@pytest.mark.django_db
def test_the_month_is_the_same_from_the_same_seed(demo_month):
    _ctx, snap = demo_month
    with transaction.atomic():
        sid = transaction.savepoint()
        ServiceClaim.objects.all().delete()  # the month ends with its claims (lines protect visits)
        ServiceVisit.objects.all().delete()
        for model in (MealRecord, Diner, ChildcareBooking, ChildcareSlot, RespiteBooking):
            model.objects.all().delete()
        Alarm.objects.all().delete()
        from laoxiao.services.models import DeviceEvent

        DeviceEvent.objects.all().delete()
        Device.objects.all().delete()
        HomeAdaptation.objects.all().delete()
        CareBedContract.objects.all().delete()
        ServiceOrder.objects.all().delete()
        CarePlan.objects.all().delete()
        Entitlement.objects.all().delete()
        ctx = build_demo_city(SEED, SCALE, as_of=REF, skip=(*SKIP, *_before_services()))
        assert ctx.summary["services"]["orders"] > 0
        assert _snapshot() == snap
        transaction.savepoint_rollback(sid)


def _before_services() -> list[str]:
    from laoxiao.demo.generator import STEPS

    names = [s.name for s in STEPS]
    return names[: names.index("services")]


def test_meal_subsidy_takes_the_highest_and_never_more_than_the_price():
    data = {
        "age_bands": [
            {"min_age": 60, "max_age": 69, "fen": 100},
            {"min_age": 80, "max_age": None, "fen": 300},
        ],
        "categories": {"dibao": 300},
    }
    assert ds.meal_subsidy(data, 65, {}, 1000)[0] == 100
    assert ds.meal_subsidy(data, 65, {"dibao": ""}, 1000)[0] == 300
    assert ds.meal_subsidy(data, 85, {}, 200)[0] == 200
    assert ds.meal_subsidy(data, 59, {}, 1000)[0] == 0


@pytest.mark.django_db
def test_the_person_page_shows_the_services_section(demo_month, client):
    from django.urls import reverse

    from laoxiao.accounts.tests.factories import make_user

    admin_user = make_user("demo_admin", ["city_admin"], ["340600000000"])
    visit = ServiceVisit.objects.filter(status="held").order_by("pk").first()
    client.force_login(admin_user)
    page = client.get(reverse("people-elder-detail", args=[visit.elder_id]))
    assert page.status_code == 200
    html = page.content.decode()
    for part in ('id="services"', 'id="services-orders"', 'id="services-visits"', 'id="services-meals"'):
        assert part in html
    assert f"flag-{visit.flags[0]}" in html
    bed = CareBedContract.objects.order_by("pk").first()
    page = client.get(reverse("people-elder-detail", args=[bed.elder_id]))
    assert 'id="services-care-bed"' in page.content.decode()
    alarm = Alarm.objects.order_by("pk").first()
    page = client.get(reverse("people-elder-detail", args=[alarm.elder_id]))
    assert 'id="services-alarms"' in page.content.decode()


@pytest.mark.django_db
def test_another_countys_officer_sees_no_services_of_the_person(demo_month, client):
    from laoxiao.accounts.tests.factories import make_user
    from laoxiao.services.selectors.person import person_services

    visit = ServiceVisit.objects.order_by("pk").first()
    elder = visit.elder
    other = next(c for c in ("340602", "340603", "340604", "340621") if not elder.region_code.startswith(c))
    officer = make_user("other_county", ["civil_affairs_county"], [other.ljust(12, "0")])
    s = person_services(actor=officer, elder=elder, on=REF)
    assert s.empty and not s.visits
    own = make_user("own_county", ["civil_affairs_county"], [elder.region_code[:6].ljust(12, "0")])
    assert person_services(actor=own, elder=elder, on=REF).visits
