"""Anti-fraud checks: each finds its planted case and not the clean ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.models import PaymentBatch, Programme
from laoxiao.benefits.selectors.checks import batch_checks
from laoxiao.benefits.tests.factories_accounts import SX_COUNTY, make_account, make_batch, make_item
from laoxiao.core import clock
from laoxiao.people.models import Child, Elder, InstitutionStay
from laoxiao.people.tests.factories import make_child, make_child_id, make_elder, make_provider

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def people(city: Any, xiangshan_officer: Any) -> dict[str, Elder]:
    with clock.frozen(dt.date(2026, 4, 1)):
        return {
            name: make_elder(xiangshan_officer, seq=seq, birth=dt.date(1940, 1, 5))
            for seq, name in enumerate(
                ["clean", "dead", "moved", "shared1", "shared2", "shared3", "shared4", "odd"], 1
            )
        }


def _found(result: Any, key: str) -> set[str]:
    return {f.beneficiary_key for f in result.by_key()[key].findings}


def test_every_check_finds_its_case_only(people: dict[str, Elder], xiangshan_officer: Any) -> None:
    Elder.objects.filter(pk=people["dead"].pk).update(died_on=dt.date(2026, 2, 27))
    Elder.objects.filter(pk=people["moved"].pk).update(moved_out_on=MARCH)
    batch = make_batch(period=MARCH)
    items = {n: make_item(batch, elder=e, amount_fen=5000) for n, e in people.items()}
    items["odd"].amount_fen = 9900
    items["odd"].save()
    for n in ("shared1", "shared2", "shared3", "shared4"):
        make_account(elder=people[n], number="6222000011112222")
    make_account(elder=people["clean"], number="6222000099998888")
    got = batch_checks(actor=xiangshan_officer, batch=batch)
    assert _found(got, "ended") == {items["dead"].beneficiary_key, items["moved"].beneficiary_key}
    assert _found(got, "shared_account") == {items[f"shared{i}"].beneficiary_key for i in range(1, 5)}
    # the calculator no longer pays the dead and the moved; the odd amount differs from the band's 50 yuan
    assert _found(got, "amount") == {items[n].beneficiary_key for n in ("dead", "moved", "odd")}
    assert _found(got, "duplicate_id") == set() and _found(got, "exclusive") == set()
    assert got.certainty == "?"


def test_three_on_one_account_is_within_the_rule(people: dict[str, Elder], xiangshan_officer: Any) -> None:
    batch = make_batch(period=MARCH)
    for n in ("shared1", "shared2", "shared3"):
        make_item(batch, elder=people[n])
        make_account(elder=people[n], number="6222000011112222")
    assert _found(batch_checks(actor=xiangshan_officer, batch=batch), "shared_account") == set()


def test_siblings_paid_to_one_guardian_are_related(city: Any, xiangshan_officer: Any) -> None:
    prog = "childcare_subsidy"
    batch = make_batch(prog, MARCH)
    for i in range(5):
        c = make_child(name=f"孩{i}", region_code="340603001001", birth=dt.date(2025, 1, 1))
        make_item(batch, child=c, amount_fen=30000)
        make_account(child=c, number="6222000011113333", name="王芳")
    health = make_user("xs_wj", ["health_county"], ["340603000000"])
    assert _found(batch_checks(actor=health, batch=batch), "shared_account") == set()
    assert batch_checks(actor=xiangshan_officer, batch=batch).checks == []  # another sector sees no checks


def test_the_same_id_number_in_two_counties(city: Any, suixi_officer: Any) -> None:
    number = make_child_id("340603", dt.date(2025, 1, 1), 3)
    here = make_child(region_code="340603001001", id_no=number, birth=dt.date(2025, 1, 1))
    there = make_child(region_code="340621100001", id_no=number, birth=dt.date(2025, 1, 1))
    other = make_child(region_code="340621100001", id_no=make_child_id("340621", dt.date(2025, 1, 1), 5))
    make_item(make_batch("childcare_subsidy", MARCH), child=here, amount_fen=30000)
    batch = make_batch("childcare_subsidy", MARCH, region_code=SX_COUNTY)
    dup = make_item(batch, child=there, amount_fen=30000)
    make_item(batch, child=other, amount_fen=30000)
    got = batch_checks(actor=suixi_officer, batch=batch)
    assert _found(got, "duplicate_id") == {dup.beneficiary_key}
    assert "340603" in got.by_key()["duplicate_id"].findings[0].reason
    assert Child.objects.count() == 3


def test_exclusive_programmes_and_an_institution_stay(
    people: dict[str, Elder], xiangshan_officer: Any
) -> None:
    Programme.objects.filter(code="care_subsidy").update(excludes=["service_subsidy"])
    service = make_batch("service_subsidy", MARCH)
    both = make_item(service, elder=people["clean"], amount_fen=10000)
    make_item(make_batch("care_subsidy", MARCH), elder=people["clean"], amount_fen=10000)
    inside = make_item(service, elder=people["dead"], amount_fen=10000)
    make_item(service, elder=people["moved"], amount_fen=10000)
    home = make_provider(uscc="52340603MA0000009X")
    InstitutionStay.objects.create(
        elder=people["dead"],
        region_code=people["dead"].region_code,
        provider=home,
        admitted_on=dt.date(2026, 1, 5),
    )
    InstitutionStay.objects.create(  # left before March: fine
        elder=people["moved"],
        region_code=people["moved"].region_code,
        provider=home,
        admitted_on=dt.date(2025, 1, 5),
        left_on=dt.date(2026, 2, 1),
    )
    got = batch_checks(actor=xiangshan_officer, batch=service)
    assert _found(got, "exclusive") == {both.beneficiary_key, inside.beneficiary_key}
    assert PaymentBatch.objects.count() == 2
