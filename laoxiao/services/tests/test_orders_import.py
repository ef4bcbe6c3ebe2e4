"""Import kind ``service-orders``: a good file, re-import changes nothing, one bad file writes
nothing and reports every bad cell, operators import for their own provider only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.core import clock
from laoxiao.people.tests.factories import make_elder_id, run_csv
from laoxiao.services.models import ServiceOrder
from laoxiao.services.tests.factories_orders import (
    NOW,
    make_grant,
    make_home_provider,
    make_operator,
    make_person,
)

HEAD = "provider_uscc,elder_id_number,service_item,scheduled_at,minutes,external_ref,note\n"


@pytest.fixture
def w(city: dict[str, Any], xiangshan_officer: Any) -> dict[str, Any]:
    with clock.frozen(NOW):
        elder = make_person(xiangshan_officer)
        provider = make_home_provider()
        make_grant(elder, 8000)
        return {"elder": elder, "provider": provider, "operator": make_operator(provider)}


def good_file(w: dict[str, Any]) -> str:
    u, idn = w["provider"].uscc, w["elder"].id_number
    return HEAD + (
        f"{u},{idn},hv_bath,2026-03-03T10:00:00+08:00,60,A-1,\n"
        f"{u},{idn},hv_bath,2026-03-05 10:00,60,A-2,第二次\n"
        f"{u},{idn},hv_cleaning,2026-03-06T09:00+08:00,90,A-3,\n"
    )


@pytest.mark.django_db
def test_a_good_file_and_reimport_changes_nothing(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        report = run_csv("service-orders", good_file(w), w["operator"])
        assert report.ok and report.written, report.as_dict()
        assert report.result.created == 3
        rows = {o.external_ref: o for o in ServiceOrder.objects.all()}
        assert rows["A-1"].gov_fen == 6000 and rows["A-2"].gov_fen == 2000 and rows["A-3"].gov_fen == 0
        assert all(o.channel == "import" and o.price_fen == o.gov_fen + o.self_fen for o in rows.values())
        again = run_csv("service-orders", good_file(w), w["operator"])
        assert again.ok and again.result.created == 0 and again.result.unchanged == 3
    assert ServiceOrder.objects.count() == 3


@pytest.mark.django_db
def test_a_bad_file_writes_nothing_and_reports_every_bad_cell(w: dict[str, Any]) -> None:
    u, idn = w["provider"].uscc, w["elder"].id_number
    unknown = make_elder_id(dt.date(1950, 1, 1), 77)
    text = good_file(w) + "".join(
        [
            f"{u},{unknown},hv_nope,2026-03-07T10:00+08:00,5,A-4,\n",
            f"{u},{idn},hv_bath,2026-03-07T10:00+08:00,30,A-1,\n",
            f"{u},{idn},hv_bath,yesterday,-1,A-5,\n",
        ]
    )
    with clock.frozen(NOW):
        report = run_csv("service-orders", text, w["operator"])
    assert not report.ok and not report.written
    bad = {(e.row, e.column) for e in report.errors}
    assert {(5, "elder_id_number"), (5, "service_item"), (7, "scheduled_at"), (7, "minutes")} <= bad
    assert (6, "minutes") in bad  # a bath takes at least 60 minutes
    assert (6, "provider_uscc") in bad  # A-1 twice in one file
    assert ServiceOrder.objects.count() == 0


@pytest.mark.django_db
def test_an_operator_imports_for_their_own_provider_only(w: dict[str, Any]) -> None:
    other = make_home_provider(2)
    text = HEAD + f"{other.uscc},{w['elder'].id_number},hv_bath,2026-03-03T10:00+08:00,60,B-1,\n"
    with clock.frozen(NOW):
        report = run_csv("service-orders", text, w["operator"])
    assert not report.ok and [e.column for e in report.errors] == ["provider_uscc"]
    assert ServiceOrder.objects.count() == 0
