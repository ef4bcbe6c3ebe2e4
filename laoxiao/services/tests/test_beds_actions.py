"""Family care beds (issue 13 part 7): eligibility, one active bed, the county office, adaptations
and devices, the monthly check with its short flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.services.actions import beds as actions
from laoxiao.services.models import CareBedContract, CareBedMonth, Device
from laoxiao.services.tests.factories_meals import (
    make_assessment,
    make_home,
    make_operator,
    make_person,
    make_vendor,
    make_visit,
)

SIGNED = dt.date(2025, 4, 1)


@pytest.fixture(autouse=True)
def _today(settings: Any) -> None:
    settings.LAOXIAO_TODAY = "2025-06-30"


@pytest.fixture
def home(city: Any) -> Any:
    return make_home()


def _open(actor: Any, elder: Any, home: Any, assessment: Any, **kw: Any) -> CareBedContract:
    return actions.care_bed_open(
        actor=actor, elder=elder, provider=home, assessment=assessment, signed_on=SIGNED, **kw
    )


@pytest.mark.django_db
def test_open_by_the_county_office(xiangshan_officer: Any, home: Any) -> None:
    elder = make_person(xiangshan_officer)
    a = make_assessment(elder, "severe")
    bed = _open(xiangshan_officer, elder, home, a, number="JC-1")
    assert bed.county_code == "340603000000" and bed.status == "active"
    assert ChangeLog.objects.filter(target_type="services.carebedcontract", target_id=str(bed.pk)).exists()


@pytest.mark.django_db
def test_eligibility_refusals(xiangshan_officer: Any, home: Any) -> None:
    elder = make_person(xiangshan_officer)
    mild = make_assessment(elder, "mild")
    with pytest.raises(ValidationError) as err:
        _open(xiangshan_officer, elder, home, mild)
    assert "assessment" in err.value.message_dict
    other = make_person(xiangshan_officer)
    theirs = make_assessment(other, "severe")
    with pytest.raises(ValidationError) as err:
        _open(xiangshan_officer, elder, home, theirs)
    assert "assessment" in err.value.message_dict
    # an older moderate assessment is not the latest: the later mild one is
    old = make_assessment(other, "moderate", on=dt.date(2025, 1, 1))
    make_assessment(other, "mild", on=dt.date(2025, 3, 15))
    with pytest.raises(ValidationError):
        _open(xiangshan_officer, other, home, old)
    assert CareBedContract.objects.count() == 0


@pytest.mark.django_db
def test_one_active_bed_per_person(xiangshan_officer: Any, home: Any) -> None:
    elder = make_person(xiangshan_officer)
    a = make_assessment(elder, "moderate")
    bed = _open(xiangshan_officer, elder, home, a)
    with pytest.raises(ValidationError) as err:
        _open(xiangshan_officer, elder, make_home(), a)
    assert "elder" in err.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        CareBedContract.objects.create(
            elder=elder,
            region_code=elder.region_code,
            provider=home,
            county_code="340603000000",
            assessment=a,
            signed_on=SIGNED,
        )
    actions.care_bed_end(
        actor=xiangshan_officer, contract=bed, reason="moved in with family", ended_on=dt.date(2025, 5, 1)
    )
    assert _open(xiangshan_officer, elder, home, a).pk != bed.pk


@pytest.mark.django_db
def test_only_the_county_office_signs(xiangshan_officer: Any, home: Any) -> None:
    elder = make_person(xiangshan_officer)
    a = make_assessment(elder, "total")
    town = make_user("xs_town3", ["civil_affairs_township"], ["340603001000"])
    with pytest.raises(PermissionDenied):
        _open(town, elder, home, a)
    with pytest.raises(NotFound):
        _open(make_user("sx_mz4", ["civil_affairs_county"], ["340621000000"]), elder, home, a)
    with pytest.raises(NotFound):
        _open(make_operator(home), elder, home, a)


@pytest.mark.django_db
def test_adaptations_and_devices(xiangshan_officer: Any, home: Any) -> None:
    elder = make_person(xiangshan_officer)
    bed = _open(xiangshan_officer, elder, home, make_assessment(elder, "severe"))
    op = make_operator(home)
    ad = actions.care_bed_adaptation_add(
        actor=op, contract=bed, item="bath_grab_bar", done_on=dt.date(2025, 4, 10), cost_fen=45000
    )
    assert ad.region_code == elder.region_code
    for item in ("bath_grab_bar", "no_such_item"):
        with pytest.raises(ValidationError) as err:
            actions.care_bed_adaptation_add(
                actor=op, contract=bed, item=item, done_on=dt.date(2025, 4, 10), cost_fen=1
            )
        assert "item" in err.value.message_dict
    device = actions.care_bed_device_add(
        actor=op,
        contract=bed,
        vendor=make_vendor(),
        serial="SN-1",
        kind=Device.Kind.values[0],
        installed_on=dt.date(2025, 4, 12),
    )
    assert device.contract == bed and device.elder == elder
    with pytest.raises(ValidationError) as err:
        actions.care_bed_device_add(
            actor=op,
            contract=bed,
            vendor=make_vendor(),
            serial="SN-1",
            kind=Device.Kind.values[0],
            installed_on=dt.date(2025, 4, 12),
        )
    assert "serial" in err.value.message_dict
    stranger = make_operator(make_home(), name="stranger")
    with pytest.raises((NotFound, PermissionDenied)):
        actions.care_bed_adaptation_add(
            actor=stranger, contract=bed, item="bed_rail", done_on=dt.date(2025, 4, 10), cost_fen=1
        )


@pytest.mark.django_db
def test_monthly_check_short_flag_and_idempotent(xiangshan_officer: Any, home: Any) -> None:
    elder = make_person(xiangshan_officer)
    bed = _open(xiangshan_officer, elder, home, make_assessment(elder, "severe"))
    other = make_person(xiangshan_officer)
    bed2 = _open(xiangshan_officer, other, home, make_assessment(other, "severe"))
    for d in (3, 10, 17, 24):
        make_visit(elder, home, dt.date(2025, 5, d))
    for d in (3, 10, 17):
        make_visit(other, home, dt.date(2025, 5, d))
    make_visit(other, home, dt.date(2025, 5, 24), status="held")  # not counted
    make_visit(other, make_home(), dt.date(2025, 5, 25))  # another provider: not counted
    months = {m.contract_id: m for m in actions.care_beds_check_month(period=dt.date(2025, 5, 1))}
    assert (months[bed.pk].visits, months[bed.pk].required, months[bed.pk].short) == (4, 4, False)
    assert (months[bed2.pk].visits, months[bed2.pk].short) == (3, True)
    logs = ChangeLog.objects.count()
    actions.care_beds_check_month(period=dt.date(2025, 5, 1))
    assert CareBedMonth.objects.count() == 2 and ChangeLog.objects.count() == logs
    # a month before the signing has no check
    assert actions.care_beds_check_month(period=dt.date(2025, 3, 1)) == []
