"""Provider reads: figures (slots, vacancies), filters, ratings, the map rows, reviews, certificates,
and the public (filed-only) reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from laoxiao.core import clock
from laoxiao.people.models import Child
from laoxiao.providers import selectors
from laoxiao.providers.models import ChildcareClass, Price, Provider
from laoxiao.providers.tests.factories import CONTACT_PHONE, make_provider, make_staff, world
from laoxiao.supervision.models import CreditRating, GradeRating


def _child(n: int, provider: Provider, **extra: Any) -> Any:
    return Child.objects.create(
        id_number=f"34060320230101{n:03d}X"[:18],
        name=f"孩子{n}",
        sex="M",
        birth_date=dt.date(2023, 1, 1),
        region_id=provider.region_code,
        region_code=provider.region_code,
        provider=provider,
        **extra,
    )


def _grade(p: Provider, grade: int, **extra: Any) -> GradeRating:
    values = {"rated_on": dt.date(2024, 6, 1), "body": "市民政局", **extra}
    return GradeRating.objects.create(provider=p, region_code=p.region_code, grade=grade, **values)


def _credit(p: Provider, level: str, on: dt.date = dt.date(2024, 12, 31)) -> CreditRating:
    return CreditRating.objects.create(
        provider=p,
        region_code=p.region_code,
        computed_on=on,
        score={"A": 95, "B": 80, "C": 65, "D": 40}[level],
        level=level,
        tier="normal",
        inspections_per_year=2,
    )


@pytest.fixture
def providers(city: dict[str, Any]) -> dict[str, Provider]:
    return world(city)


def test_vacancies_of_elder_care_are_beds_minus_occupied(admin_user: Any, providers: Any) -> None:
    p = selectors.provider_get(actor=admin_user, uscc=providers["xs_elder"].uscc)
    assert (p.beds, p.occupied_beds, p.vacancies) == (100, 60, 40)


def test_childcare_slots_and_vacancies_count_classes_and_enrolled_children(
    admin_user: Any, providers: Any
) -> None:
    cc = providers["xs_child"]
    ChildcareClass.objects.create(
        provider=cc, region_code=cc.region_code, name="托小1", class_type="toddler", capacity=15, carers=3
    )
    ChildcareClass.objects.create(
        provider=cc,
        region_code=cc.region_code,
        name="托大1",
        class_type="older_toddler",
        capacity=20,
        carers=3,
    )
    for n in range(5):
        _child(n, cc)
    _child(9, cc, moved_out_on=dt.date(2024, 1, 1))  # gone: does not take a slot
    p = selectors.provider_get(actor=admin_user, uscc=cc.uscc)
    assert (p.slots, p.enrolled_children, p.vacancies) == (35, 5, 30)


def test_vacancies_never_go_below_zero(admin_user: Any, providers: Any) -> None:
    cc = providers["sx_child"]
    for n in range(3):
        _child(20 + n, cc)  # no class: 0 slots, 3 children
    assert selectors.provider_get(actor=admin_user, uscc=cc.uscc).vacancies == 0


def _usccs(qs: Any) -> set[str]:
    return {p.uscc for p in qs}


def test_list_filters(admin_user: Any, providers: Any) -> None:
    p = providers
    Provider.objects.filter(pk=p["sx_elder"].pk).update(occupied_beds=100, supply_tier="inclusive")
    Provider.objects.filter(pk=p["xs_child"].pk).update(inclusive_slots=10)
    lst = selectors.provider_list
    assert _usccs(lst(actor=admin_user, kind="childcare_centre")) == {p["xs_child"].uscc, p["sx_child"].uscc}
    assert _usccs(lst(actor=admin_user, county="340621")) == {p["sx_elder"].uscc, p["sx_child"].uscc}
    assert _usccs(lst(actor=admin_user, region="340603001002")) == {p["xs_child"].uscc}
    assert _usccs(lst(actor=admin_user, region="340603001000")) == {
        p["xs_elder"].uscc,
        p["xs_child"].uscc,
        p["xs_draft"].uscc,
    }
    assert _usccs(lst(actor=admin_user, filing_status="draft")) == {p["xs_draft"].uscc}
    assert _usccs(lst(actor=admin_user, supply_tier="inclusive")) == {p["sx_elder"].uscc}
    assert _usccs(lst(actor=admin_user, inclusive=True)) == {p["sx_elder"].uscc, p["xs_child"].uscc}
    assert p["sx_elder"].uscc not in _usccs(lst(actor=admin_user, has_vacancy=True))
    assert p["xs_elder"].uscc in _usccs(lst(actor=admin_user, has_vacancy=True))
    assert p["sx_elder"].uscc in _usccs(lst(actor=admin_user, has_vacancy=False))
    assert _usccs(lst(actor=admin_user, q="草稿")) == {p["xs_draft"].uscc}
    assert _usccs(lst(actor=admin_user, q=p["sx_child"].uscc)) == {p["sx_child"].uscc}


def test_grade_and_credit_level_are_the_ones_in_force(admin_user: Any, providers: Any) -> None:
    p = providers["xs_elder"]
    _grade(p, 2, rated_on=dt.date(2022, 1, 1))
    _grade(p, 4)
    _grade(p, 5, rated_on=dt.date(2024, 7, 1), revoked=True, revoked_on=dt.date(2024, 8, 1))
    _credit(p, "C", dt.date(2023, 12, 31))
    _credit(p, "A")
    got = selectors.provider_get(actor=admin_user, uscc=p.uscc)
    assert (got.grade, got.credit_level) == (4, "A")
    assert _usccs(selectors.provider_list(actor=admin_user, grade="4")) == {p.uscc}
    assert _usccs(selectors.provider_list(actor=admin_user, grade="5")) == set()
    assert _usccs(selectors.provider_list(actor=admin_user, credit_level="A")) == {p.uscc}
    assert _usccs(selectors.provider_list(actor=admin_user, credit_level="C")) == set()
    rows = {r["uscc"]: r for r in selectors.map_points(actor=admin_user, credit_level="A")}
    assert rows[p.uscc]["grade"] == 4 and rows[p.uscc]["credit_level"] == "A"


def test_map_points_are_compact_and_skip_providers_without_a_location(
    admin_user: Any, providers: Any
) -> None:
    Provider.objects.filter(pk=providers["sx_child"].pk).update(lon=None, lat=None)
    rows = selectors.map_points(actor=admin_user)
    assert providers["sx_child"].uscc not in {r["uscc"] for r in rows}
    row = next(r for r in rows if r["uscc"] == providers["xs_elder"].uscc)
    assert set(row) >= {
        "uscc",
        "name",
        "kind",
        "lon",
        "lat",
        "beds",
        "vacancies",
        "slots",
        "inclusive",
        "grade",
        "credit_level",
    }
    assert "contact_phone" not in row and "address" not in row


def test_map_points_for_300_providers_take_a_bounded_number_of_queries(
    admin_user: Any, city: Any, django_assert_max_num_queries: Any
) -> None:
    kinds = [
        Provider.Kind.ELDERCARE_HOME,
        Provider.Kind.COMMUNITY_CENTRE,
        Provider.Kind.CHILDCARE_CENTRE,
    ]
    regions = ["340603001001", "340603001002", "340621100001", "340621100002"]
    for n in range(300):
        p = make_provider(100 + n, region=regions[n % 4], kind=kinds[n % 3])
        if n % 3 == 2:
            ChildcareClass.objects.create(
                provider=p,
                region_code=p.region_code,
                name="托小",
                class_type="toddler",
                capacity=15,
                carers=3,
            )
        if n % 5 == 0:
            _credit(p, "B")
            _grade(p, 3)
    admin_user.region_prefixes()  # as a request would have it
    with django_assert_max_num_queries(4):
        rows = selectors.map_points(actor=admin_user)
    assert len(rows) == 300
    assert sum(1 for r in rows if r["credit_level"] == "B") == 60
    assert {r["slots"] for r in rows if r["kind"] == "childcare_centre"} == {15}


def test_public_reads_show_filed_providers_only(providers: Any) -> None:
    seen = _usccs(selectors.public_list())
    assert seen == {providers[k].uscc for k in ("xs_elder", "xs_child", "sx_elder", "sx_child")}
    assert providers["xs_draft"].uscc not in {r["uscc"] for r in selectors.public_map_points()}
    with pytest.raises(selectors.NotFound):
        selectors.public_get(providers["xs_draft"].uscc)
    assert selectors.public_get(providers["xs_elder"].uscc).name == providers["xs_elder"].name


def test_public_reads_do_not_load_the_contact_phone(providers: Any) -> None:
    p = selectors.public_get(providers["xs_elder"].uscc)
    assert "contact_phone" in p.get_deferred_fields()
    for row in selectors.public_list():
        assert "contact_phone" in row.get_deferred_fields()
    assert CONTACT_PHONE not in str(selectors.public_map_points())


def test_current_prices_pick_the_line_in_force(providers: Any, admin_user: Any) -> None:
    p = providers["xs_elder"]
    today = clock.today()
    for price, start in (
        ("2000", dt.date(2023, 1, 1)),
        ("2200", dt.date(2024, 1, 1)),
        ("9999", today + dt.timedelta(days=30)),
    ):
        Price.objects.create(
            provider=p,
            region_code=p.region_code,
            item_id="bed_shared_month",
            price=Decimal(price),
            effective_from=start,
        )
    (line,) = selectors.public_prices(p, on=today)
    assert line.price == Decimal("2200")
    assert len(selectors.prices(actor=admin_user, provider=p)) == 3


def test_expiring_certificates_of_the_actors_providers(xiangshan_officer: Any, providers: Any) -> None:
    make_staff(providers["xs_elder"], name="甲")
    make_staff(providers["sx_elder"], name="乙", id_number="340621198001011234")
    rows = list(selectors.expiring_certificates_list(actor=xiangshan_officer, on=clock.today()))
    assert [c.staff.name for c in rows] == ["甲"]


def test_overdue_reviews_for_the_reviewing_office(
    xiangshan_officer: Any, suixi_officer: Any, providers: Any
) -> None:
    submitted = dt.date(2024, 3, 1)
    late = make_provider(
        50, region="340603001001", status="submitted", submitted_on=submitted, name="迟审养老院"
    )
    make_provider(
        51, region="340621100001", status="submitted", submitted_on=submitted, kind="childcare_centre"
    )
    on_time = make_provider(52, region="340603001002", status="submitted", submitted_on=dt.date(2024, 3, 28))
    rows = selectors.overdue_reviews(actor=xiangshan_officer, on=dt.date(2024, 3, 29))
    assert [r["provider"].uscc for r in rows] == [late.uscc]
    assert rows[0]["deadlines"]["overdue"] is True
    assert on_time.uscc not in {r["provider"].uscc for r in rows}
    health = selectors.overdue_reviews(actor=suixi_officer, on=dt.date(2024, 3, 29))
    assert [r["provider"].name for r in health] == ["测试机构51"]
