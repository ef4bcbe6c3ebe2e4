"""Reads: the inspection-due list, the dashboard, scoping of lists, and the functions other apps call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.core.errors import NotFound
from laoxiao.supervision import actions, selectors
from laoxiao.supervision.models import CreditRating
from laoxiao.supervision.tests import factories as f

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 6, 30)


def due(actor: Any, on: dt.date = ON) -> dict[str, selectors.InspectionDue]:
    return {d.provider.name: d for d in selectors.inspections_due(actor=actor, on=on)}


def test_elder_care_homes_are_due_once_a_year(xiangshan_officer: Any, xs_home: Any, xs_nursery: Any) -> None:
    never = due(xiangshan_officer)
    assert set(never) == {"相山康养院"} and never["相山康养院"].overdue  # never inspected since filing
    f.make_inspection(xs_home, dt.date(2024, 5, 1))
    assert due(xiangshan_officer)["相山康养院"].due_on == dt.date(2025, 5, 1)
    f.make_inspection(xs_home, dt.date(2025, 2, 1))
    assert "相山康养院" not in due(xiangshan_officer)
    soon = due(xiangshan_officer, dt.date(2026, 1, 10))["相山康养院"]  # within 30 days of 2026-02-01
    assert soon.due_on == dt.date(2026, 2, 1) and not soon.overdue


def test_the_credit_tier_raises_the_frequency(suixi_officer: Any, sx_nursery: Any) -> None:
    assert not due(suixi_officer)  # childcare: no yearly minimum, no rating
    f.make_inspection(sx_nursery, dt.date(2025, 5, 10), "fail")
    CreditRating.objects.create(
        provider=sx_nursery,
        region_code=sx_nursery.region_code,
        computed_on=dt.date(2025, 5, 15),
        score=50,
        level="D",
        tier="key",
        inspections_per_year=12,
    )
    row = due(suixi_officer)["濉溪托育中心"]
    assert row.per_year == 12 and row.due_on == dt.date(2025, 6, 10) and row.overdue


def test_the_due_list_is_scoped(
    xiangshan_officer: Any, suixi_officer: Any, sx_civil: Any, xs_home: Any, sx_home: Any
) -> None:
    assert set(due(xiangshan_officer)) == {"相山康养院"}
    assert set(due(sx_civil)) == {"濉溪敬老院"}
    assert not due(suixi_officer)  # health: elder-care homes are not theirs


def test_lists_and_details_are_scoped(
    xiangshan_officer: Any, suixi_officer: Any, xs_home: Any, sx_nursery: Any
) -> None:
    a = f.make_inspection(xs_home, dt.date(2025, 1, 1))
    b = f.make_inspection(sx_nursery, dt.date(2025, 1, 2))
    ca = f.make_complaint(xs_home, dt.date(2025, 1, 1))
    ia = f.make_incident(xs_home, dt.date(2025, 1, 1))
    assert list(selectors.inspection_list(actor=xiangshan_officer)) == [a]
    assert list(selectors.inspection_list(actor=suixi_officer)) == [b]
    with pytest.raises(NotFound):
        selectors.inspection_get(actor=suixi_officer, pk=a.pk)
    with pytest.raises(NotFound):
        selectors.complaint_get(actor=suixi_officer, pk=ca.pk)
    with pytest.raises(NotFound):
        selectors.incident_get(actor=suixi_officer, pk=ia.pk)
    with pytest.raises(NotFound):
        selectors.provider_get(actor=suixi_officer, uscc=xs_home.uscc)
    assert not selectors.complaint_list(actor=suixi_officer).exists()
    assert list(selectors.inspection_list(actor=xiangshan_officer, provider=xs_home.uscc.lower())) == [a]
    assert not selectors.inspection_list(actor=xiangshan_officer, date_from=dt.date(2025, 2, 1)).exists()


def test_dashboard_counts(xiangshan_officer: Any, xs_home: Any, sx_home: Any) -> None:
    ins = f.make_inspection(xs_home, dt.date(2025, 3, 1), "rectify")
    f.make_order(ins, dt.date(2025, 4, 1))
    f.make_complaint(xs_home, dt.date(2025, 5, 1))  # deadline 05-22, still open
    f.make_complaint(xs_home, dt.date(2025, 5, 1), status="resolved")
    f.make_incident(xs_home, dt.date(2025, 5, 1), "major", late=True)
    f.make_complaint(sx_home, dt.date(2025, 5, 1))  # another county
    actions.risk_signal_record(
        actor=xiangshan_officer, provider=xs_home, kind="prepaid_cards", detected_on=ON, description="x"
    )
    actions.credit_compute(actor=xiangshan_officer, provider=xs_home, on=ON)
    d = selectors.dashboard(actor=xiangshan_officer, on=ON)
    assert d["overdue_orders_count"] == 1
    assert d["late_complaints_count"] == 1
    assert d["late_incidents_count"] == 1
    assert d["open_alerts_count"] == 1 and d["open_risk_signals_count"] == 1
    rating = CreditRating.objects.get()
    assert (rating.score, rating.level) == (55, "D")  # -5 rectify, -20 late major, -10 order, -10 signal
    assert d["credit"] == {"A": 0, "B": 0, "C": 0, "D": 1}
    # inspected in March, but level D asks for monthly inspections
    assert d["due_overdue"] == 1 and d["due"][0].per_year == 12 and d["due"][0].due_on == dt.date(2025, 4, 1)


def test_functions_for_other_apps(xiangshan_officer: Any, xs_home: Any) -> None:
    assert selectors.public_supervision(xs_home) == {
        "grade": None,
        "grade_rated_on": None,
        "grade_body": "",
        "credit_level": None,
        "credit_computed_on": None,
        "latest_inspection_date": None,
        "latest_inspection_result": None,
        "latest_inspection_result_label": None,
    }
    f.make_inspection(xs_home, dt.date(2024, 3, 1), "fail")
    latest = f.make_inspection(xs_home, dt.date(2025, 3, 1), "pass")
    grade = actions.grade_record(
        actor=xiangshan_officer, provider=xs_home, grade=4, rated_on=dt.date(2024, 1, 1), body="市民政局"
    )
    f.make_risk_signal(xs_home, ON)
    rating = actions.credit_compute(actor=xiangshan_officer, provider=xs_home, on=ON)
    assert selectors.latest_inspection(xs_home) == latest
    assert selectors.latest_grade(xs_home) == grade
    assert selectors.latest_credit(xs_home) == rating
    public = selectors.public_supervision(xs_home)
    assert public["grade"] == 4 and public["credit_level"] == rating.level
    assert (
        public["latest_inspection_date"] == dt.date(2025, 3, 1)
        and public["latest_inspection_result"] == "pass"
    )
    assert "risk" not in str(public)
    assert selectors.public_supervision_many([xs_home]) == {xs_home.pk: public}
    summary = selectors.supervision_summary(xs_home, on=ON)
    assert summary["grade"] == 4 and summary["open_risk_signals"] == 1
    assert summary["credit_level"] == rating.level and summary["tier"] == rating.tier
