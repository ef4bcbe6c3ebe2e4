"""The ``service-visits`` import: flags are results, impossible rows are errors (all reported,
nothing written), a re-import changes nothing, operators import for their own provider."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.core import clock
from laoxiao.people.tests.factories import run_csv
from laoxiao.services.models import ServiceVisit
from laoxiao.services.tests.factories_visits import (
    HOME_LAT,
    HOME_LON,
    M_LAT,
    at,
    make_home_provider,
    make_operator,
    make_person,
    make_worker,
)

HEADER = (
    "provider_uscc,worker_id_number,elder_id_number,service_item,check_in_at,check_in_lon,check_in_lat,"
    "check_out_at,check_out_lon,check_out_lat,method\n"
)
DAY = dt.date(2026, 11, 10)


@pytest.fixture
def w(city: dict[str, Any]) -> dict[str, Any]:
    provider = make_home_provider()
    return {
        "provider": provider,
        "op": make_operator(provider),
        "worker": make_worker(provider),
        "elder": make_person(),
        "elder2": make_person(2),
    }


def line(
    w: dict[str, Any],
    *,
    elder: str = "elder",
    cin: str = "2026-11-10T09:00:00+08:00",
    cout: str = "2026-11-10T10:00:00+08:00",
    lat: float = HOME_LAT,
    method: str = "app_gps",
    item: str = "hv_bath",
    uscc: str | None = None,
    worker: str | None = None,
) -> str:
    return (
        f"{uscc or w['provider'].uscc},{worker or w['worker'].id_number},{w[elder].id_number},{item},"
        f"{cin},{HOME_LON},{lat},{cout},{HOME_LON},{lat},{method}\n"
    )


def good_file(w: dict[str, Any]) -> str:
    return HEADER + "".join(
        [
            line(w),  # verified
            line(w, elder="elder2", cin="2026-11-10 11:00", cout="2026-11-10 11:20"),  # local time; too short
            line(
                w,
                elder="elder2",
                cin="2026-11-10T14:00:00+08:00",
                cout="2026-11-10T15:00:00+08:00",
                lat=HOME_LAT + 500 * M_LAT,
            ),  # too far
            line(
                w,
                cin="2026-11-10T16:00:00+08:00",
                cout="2026-11-10T16:40:00+08:00",
                item="hv_walk",
                method="刷卡",
            ),  # card, by its Chinese label: verified
        ]
    )


def test_a_good_file_writes_visits_with_their_flags(w: dict[str, Any]) -> None:
    with clock.frozen(at(DAY, 20)):
        report = run_csv("service-visits", good_file(w), w["op"])
    assert report.ok, report.errors
    assert report.result.created == 4
    assert report.summary["verified"] == 2 and report.summary["held"] == 2
    assert report.summary["flag_too_short"] == 1 and report.summary["flag_distance"] == 1
    local = ServiceVisit.objects.get(check_in_at=at(DAY, 11))
    assert local.flags == ["too_short"] and local.source == ServiceVisit.Source.IMPORT
    assert ServiceVisit.objects.get(check_in_at=at(DAY, 16)).method == "card"


def test_re_importing_changes_nothing(w: dict[str, Any]) -> None:
    with clock.frozen(at(DAY, 20)):
        run_csv("service-visits", good_file(w), w["op"])
        before = list(ServiceVisit.objects.order_by("pk").values("pk", "status", "flags", "recorded_at"))
        again = run_csv("service-visits", good_file(w), w["op"])
    assert again.ok and again.result.created == 0 and again.result.unchanged == 4
    assert list(ServiceVisit.objects.order_by("pk").values("pk", "status", "flags", "recorded_at")) == before


def test_impossible_rows_are_all_reported_and_nothing_is_written(w: dict[str, Any]) -> None:
    text = HEADER + "".join(
        [
            line(w),  # fine
            line(w, uscc="91340603MA0000999X"),  # unknown provider
            line(w, worker="340603198801019999"),  # unknown worker
            line(w, cin="2026-11-10T12:00:00+08:00", cout="2026-11-10T11:00:00+08:00"),  # out before in
            line(w, lat=95.0),  # latitude out of range
            line(w, method="telepathy"),  # bad method
            line(w, item="hv_nothing"),  # unknown item
            line(w, cin="yesterday"),  # not a time
        ]
    )
    with clock.frozen(at(DAY, 20)):
        report = run_csv("service-visits", text, w["op"])
    assert not report.ok and not report.written
    cells = {(e.row, e.column) for e in report.errors}
    assert {
        (3, "provider_uscc"),
        (4, "worker_id_number"),
        (5, "check_out_at"),
        (6, "check_in_lat"),
        (6, "check_out_lat"),
        (7, "method"),
        (8, "service_item"),
        (9, "check_in_at"),
    } <= cells
    assert not any(r == 2 for r, _c in cells)
    assert not ServiceVisit.objects.exists()


def test_an_unknown_person_is_an_error(w: dict[str, Any]) -> None:
    text = HEADER + line(w).replace(w["elder"].id_number, "340603194505060000")
    report = run_csv("service-visits", text, w["op"])
    assert {(e.row, e.column) for e in report.errors} == {(2, "elder_id_number")}


def test_an_operator_imports_only_for_their_own_provider(w: dict[str, Any]) -> None:
    other = make_home_provider(13)
    op2 = make_operator(other, "op2")
    report = run_csv("service-visits", good_file(w), op2)
    assert not report.ok
    assert {e.column for e in report.errors} >= {"provider_uscc"}
    assert not ServiceVisit.objects.exists()


def test_an_officer_of_another_county_does_not_find_the_provider(
    w: dict[str, Any], sx_civil_importer: Any
) -> None:
    report = run_csv("service-visits", good_file(w), sx_civil_importer)
    assert not report.ok and {e.column for e in report.errors} == {"provider_uscc"}


@pytest.fixture
def sx_civil_importer(city: dict[str, Any]) -> Any:
    from laoxiao.accounts.tests.factories import make_user

    return make_user("sx_imp", ["civil_affairs_county"], ["340621000000"])
