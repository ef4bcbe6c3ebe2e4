"""Writes: scope and sector checks, validation, derived flags, alerts, grades and demonstration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.supervision import actions, selectors
from laoxiao.supervision.models import Alert, ComplaintStep, RectificationOrder, RiskSignal
from laoxiao.supervision.tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 30)


def record_inspection(actor: Any, inst: Any, **extra: Any) -> Any:
    values: dict[str, Any] = {
        "date": dt.date(2025, 3, 3),
        "kind": "routine",
        "inspectors": "王, 李",
        "result": "pass",
        "items": [{"code": "E01", "finding": "ok"}],
    }
    values.update(extra)
    return actions.inspection_record(actor=actor, provider=inst, **values)


# --- scope and sector --------------------------------------------------------------------------


def test_an_officer_of_suixi_cannot_act_on_a_xiangshan_provider(
    suixi_officer: Any, xs_nursery: Any, sx_nursery: Any
) -> None:
    with pytest.raises(NotFound):
        actions.complaint_receive(
            actor=suixi_officer,
            provider=xs_nursery,
            received_on=TODAY,
            source="phone",
            category="fees",
            description="x",
        )
    ok = actions.complaint_receive(
        actor=suixi_officer,
        provider=sx_nursery,
        received_on=TODAY,
        source="phone",
        category="fees",
        description="x",
    )
    assert ok.region_code == sx_nursery.region_code


def test_a_civil_affairs_officer_cannot_act_in_another_county(xiangshan_officer: Any, sx_home: Any) -> None:
    with pytest.raises(NotFound):
        record_inspection(xiangshan_officer, sx_home)


def test_a_health_officer_cannot_record_an_elder_care_inspection(
    xs_health: Any, xs_home: Any, xs_nursery: Any
) -> None:
    with pytest.raises(NotFound):
        record_inspection(xs_health, xs_home)
    ins = record_inspection(xs_health, xs_nursery, items=[{"code": "C05", "finding": "minor"}])
    assert ins.items.get().text.startswith("Surveillance video")


def test_nobody_without_regions_can_act(nobody: Any, xs_home: Any) -> None:
    with pytest.raises(NotFound):
        record_inspection(nobody, xs_home)


def test_a_provider_operator_reports_own_incidents_but_does_not_supervise(xs_home: Any, sx_home: Any) -> None:
    operator = make_user("op", ["provider_operator"], [], provider=xs_home)
    incident = actions.incident_report(
        actor=operator,
        provider=xs_home,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        kind="fall",
        severity="minor",
        description="slipped in the bathroom",
    )
    assert not incident.reported_late
    with pytest.raises(PermissionDenied):
        actions.complaint_receive(
            actor=operator,
            provider=xs_home,
            received_on=TODAY,
            source="phone",
            category="fees",
            description="x",
        )
    with pytest.raises(NotFound):
        actions.incident_report(
            actor=operator,
            provider=sx_home,
            occurred_at=timezone.now(),
            kind="fall",
            severity="minor",
            description="x",
        )


# --- inspections -------------------------------------------------------------------------------


def test_checklists_by_kind_and_sector(xs_home: Any, xs_nursery: Any) -> None:
    home = actions.checklist_for(xs_home)
    assert [i["code"] for i in home][:3] == ["E01", "E02", "E03"] and len(home) == 16
    assert any("5 years" in i["text"] for i in home) and any("rounds" in i["text"] for i in home)
    centre = f.make_provider("社区中心", kind="community_centre")
    assert actions.checklist_for(centre)[0]["code"] == "S01"
    nursery = actions.checklist_for(xs_nursery)
    assert any("90 days" in i["text"] for i in nursery) and any("2 hours" in i["text"] for i in nursery)


def test_inspection_with_items_and_orders_is_logged(xiangshan_officer: Any, xs_home: Any) -> None:
    ins = record_inspection(
        xiangshan_officer,
        xs_home,
        result="rectify",
        items=[
            {"code": "E07", "finding": "major", "note": "no grab bars"},
            {"code": "X1", "finding": "minor", "text": "Kitchen hygiene"},
        ],
        orders=[{"requirement": "install grab bars", "deadline": dt.date(2025, 4, 3), "item_code": "E07"}],
    )
    assert ins.region_code == "340603001001" and ins.checklist_from == dt.date(2000, 1, 1)
    assert {i.code: i.finding for i in ins.items.all()} == {"E07": "major", "X1": "minor"}
    order = ins.orders.get()
    assert order.item is not None and order.item.code == "E07" and order.status == "open"
    log = ChangeLog.objects.get(target_type="supervision.inspection")
    assert log.changes["orders"] == [None, 1] and log.actor == xiangshan_officer


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"items": [{"code": "ZZ", "finding": "ok"}]}, "items.0.text"),
        ({"items": [{"code": "E01", "finding": "awful"}]}, "items.0.finding"),
        ({"result": "rectify"}, "orders"),
        ({"orders": [{"requirement": "x", "deadline": dt.date(2025, 1, 1)}]}, "orders.0.deadline"),
        ({"kind": "surprise"}, "kind"),
        ({"date": dt.date(2999, 1, 1)}, "date"),
        ({"inspectors": "  "}, "inspectors"),
    ],
)
def test_inspection_validation(
    xiangshan_officer: Any, xs_home: Any, extra: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        record_inspection(xiangshan_officer, xs_home, **extra)
    assert field in exc.value.message_dict


def test_rectification_orders_become_overdue_and_are_followed_up(
    xiangshan_officer: Any, xs_home: Any
) -> None:
    ins = record_inspection(
        xiangshan_officer,
        xs_home,
        result="rectify",
        orders=[{"requirement": "fire drill", "deadline": dt.date(2025, 4, 1)}],
    )
    order = ins.orders.get()
    assert order.status_on(dt.date(2025, 4, 1)) == "open"
    assert order.status_on(dt.date(2025, 4, 2)) == "overdue"
    overdue = selectors.rectification_list(actor=xiangshan_officer, status="overdue", on=dt.date(2025, 4, 2))
    assert list(overdue) == [order]
    actions.rectification_follow_up(
        actor=xiangshan_officer, order=order, on=dt.date(2025, 4, 5), done=True, note="ok"
    )
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.DONE and order.status_on(dt.date(2025, 5, 1)) == "done"
    assert not selectors.rectification_list(actor=xiangshan_officer, status="overdue", on=dt.date(2025, 4, 2))


# --- complaints --------------------------------------------------------------------------------


def test_complaint_deadline_is_15_working_days(xiangshan_officer: Any, xs_home: Any) -> None:
    c = actions.complaint_receive(
        actor=xiangshan_officer,
        provider=xs_home,
        received_on=dt.date(2025, 3, 3),  # a Monday
        source="hotline_12345",
        category="food",
        description="cold meals",
    )
    assert c.deadline == dt.date(2025, 3, 24)
    assert actions.add_working_days(dt.date(2025, 3, 7), 1) == dt.date(2025, 3, 10)  # Friday → Monday
    assert [s.action for s in c.steps.all()] == ["received"]


def test_complaint_steps_move_the_status(xiangshan_officer: Any, xs_home: Any) -> None:
    c = actions.complaint_receive(
        actor=xiangshan_officer,
        provider=xs_home,
        received_on=TODAY,
        source="visit",
        category="abuse",
        description="x",
    )
    actions.complaint_step_add(actor=xiangshan_officer, complaint=c, action="assigned", note="to 东街道")
    assert c.status == "in_progress"
    with pytest.raises(ValidationError) as exc:
        actions.complaint_step_add(actor=xiangshan_officer, complaint=c, action="closed")
    assert "action" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.complaint_step_add(actor=xiangshan_officer, complaint=c, action="resolved", outcome="apology")
    assert "substantiated" in exc.value.message_dict
    actions.complaint_step_add(
        actor=xiangshan_officer, complaint=c, action="resolved", outcome="carer dismissed", substantiated=True
    )
    c.refresh_from_db()
    assert (c.status, c.substantiated, c.outcome) == ("resolved", True, "carer dismissed")
    assert c.resolved_on is not None
    actions.complaint_step_add(actor=xiangshan_officer, complaint=c, action="closed")
    assert c.status == "closed"
    assert ComplaintStep.objects.filter(complaint=c).count() == 4


# --- incidents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "hours", "late"),
    [("major", 3, True), ("major", 1, False), ("minor", 3, False), ("minor", 25, True)],
)
def test_late_incident_reports_are_flagged(
    xiangshan_officer: Any, xs_home: Any, severity: str, hours: int, late: bool
) -> None:
    at = timezone.make_aware(dt.datetime(2025, 5, 1, 8, 0))
    incident = actions.incident_report(
        actor=xiangshan_officer,
        provider=xs_home,
        occurred_at=at,
        reported_at=at + dt.timedelta(hours=hours),
        kind="choking",
        severity=severity,
        description="x",
    )
    assert incident.reported_late is late
    assert incident.report_limit_hours == (2 if severity == "major" else 24)


def test_an_incident_cannot_be_reported_before_it_occurred(xiangshan_officer: Any, xs_home: Any) -> None:
    at = timezone.make_aware(dt.datetime(2025, 5, 1, 8, 0))
    with pytest.raises(ValidationError) as exc:
        actions.incident_report(
            actor=xiangshan_officer,
            provider=xs_home,
            occurred_at=at,
            reported_at=at - dt.timedelta(hours=1),
            kind="fall",
            severity="minor",
            description="x",
        )
    assert "reported_at" in exc.value.message_dict


def test_closing_an_incident(xiangshan_officer: Any, xs_home: Any) -> None:
    inc = f.make_incident(xs_home, dt.date(2025, 5, 1))
    actions.incident_close(
        actor=xiangshan_officer, incident=inc, handling="hospital, family told", closed_on=dt.date(2025, 5, 3)
    )
    inc.refresh_from_db()
    assert inc.closed_on == dt.date(2025, 5, 3)


# --- risk signals and alerts -------------------------------------------------------------------


def test_a_risk_signal_alerts_the_providers_county_office(
    xiangshan_officer: Any, xs_township: Any, sx_civil: Any, xs_home: Any, admin_user: Any
) -> None:
    signal = actions.risk_signal_record(
        actor=xs_township,
        provider=xs_home,
        kind="promised_returns",
        detected_on=TODAY,
        amount=Decimal("500000"),
        description="promises 12% a year on deposits",
    )
    alert = Alert.objects.get(risk_signal=signal)
    assert alert.region_code == "340603000000" and alert.provider == xs_home
    assert "相山康养院" in alert.message
    assert list(selectors.alert_list(actor=xiangshan_officer)) == [alert]  # the county office
    assert list(selectors.alert_list(actor=admin_user)) == [alert]  # the city
    assert not selectors.alert_list(actor=xs_township).exists()  # a township does not get county alerts
    assert not selectors.alert_list(actor=sx_civil).exists()  # another county does not
    with pytest.raises(NotFound):
        actions.alert_acknowledge(actor=sx_civil, alert=alert)
    actions.alert_acknowledge(actor=xiangshan_officer, alert=alert)
    alert.refresh_from_db()
    assert alert.acknowledged_by == xiangshan_officer and alert.acknowledged_at is not None
    assert not selectors.alert_list(actor=xiangshan_officer, status="open").exists()


def test_alerts_of_a_childcare_provider_go_to_the_health_office(
    suixi_officer: Any, sx_civil: Any, sx_nursery: Any
) -> None:
    actions.risk_signal_record(
        actor=suixi_officer, provider=sx_nursery, kind="memberships", detected_on=TODAY, description="x"
    )
    assert selectors.alert_list(actor=suixi_officer).count() == 1
    assert selectors.alert_list(actor=sx_civil).count() == 0  # civil affairs: elder care only


def test_provider_operators_do_not_see_risk_signals_or_alerts(xiangshan_officer: Any, xs_home: Any) -> None:
    actions.risk_signal_record(
        actor=xiangshan_officer,
        provider=xs_home,
        kind="large_deposits",
        detected_on=TODAY,
        description="x",
    )
    operator = make_user("op", ["provider_operator"], [], provider=xs_home)
    assert not selectors.risk_signal_list(actor=operator).exists()
    assert not selectors.alert_list(actor=operator).exists()


def test_risk_signal_status(xiangshan_officer: Any, xs_home: Any) -> None:
    s = f.make_risk_signal(xs_home, TODAY)
    actions.risk_signal_set_status(
        actor=xiangshan_officer, signal=s, status="referred", note="to public security"
    )
    s.refresh_from_db()
    assert s.status == RiskSignal.Status.REFERRED
    with pytest.raises(ValidationError):
        actions.risk_signal_set_status(actor=xiangshan_officer, signal=s, status="forgotten")


# --- grades and demonstration ------------------------------------------------------------------


def test_grade_history_and_the_grade_in_force(
    xiangshan_officer: Any, xs_home: Any, xs_nursery: Any, admin_user: Any
) -> None:
    g3 = actions.grade_record(
        actor=xiangshan_officer,
        provider=xs_home,
        grade=3,
        rated_on=dt.date(2022, 5, 1),
        body="淮北市民政局",
    )
    g4 = actions.grade_record(
        actor=xiangshan_officer,
        provider=xs_home,
        grade=4,
        rated_on=dt.date(2024, 5, 1),
        body="淮北市民政局",
        valid_until=dt.date(2027, 4, 30),
    )
    assert selectors.latest_grade(xs_home, on=dt.date(2025, 1, 1)) == g4
    assert selectors.latest_grade(xs_home, on=dt.date(2023, 1, 1)) == g3
    assert selectors.latest_grade(xs_home, on=dt.date(2028, 1, 1)) == g3  # 4 expired; 3 had no end
    actions.grade_revoke(actor=xiangshan_officer, rating=g4, on=dt.date(2025, 2, 1), note="fire violation")
    assert selectors.latest_grade(xs_home, on=dt.date(2025, 3, 1)) == g3
    assert [
        g.grade for g in selectors.provider_records(actor=xiangshan_officer, provider=xs_home)["grades"]
    ] == [4, 3]
    with pytest.raises(ValidationError):
        actions.grade_record(actor=admin_user, provider=xs_nursery, grade=3, rated_on=TODAY, body="x")
    with pytest.raises(ValidationError):
        actions.grade_record(actor=xiangshan_officer, provider=xs_home, grade=6, rated_on=TODAY, body="x")


def test_demonstration_decisions_set_the_flag(suixi_officer: Any, sx_nursery: Any) -> None:
    actions.demonstration_decide(
        actor=suixi_officer,
        provider=sx_nursery,
        granted=True,
        decided_on=dt.date(2024, 1, 10),
        body="市卫健委",
    )
    sx_nursery.refresh_from_db()
    assert sx_nursery.is_demonstration
    log = ChangeLog.objects.get(target_type="providers.provider")
    assert log.changes == {"is_demonstration": [False, True]}
    # an older decision recorded later does not override the latest
    actions.demonstration_decide(
        actor=suixi_officer,
        provider=sx_nursery,
        granted=False,
        decided_on=dt.date(2023, 1, 10),
        body="市卫健委",
    )
    sx_nursery.refresh_from_db()
    assert sx_nursery.is_demonstration
    actions.demonstration_decide(
        actor=suixi_officer,
        provider=sx_nursery,
        granted=False,
        decided_on=dt.date(2025, 1, 10),
        body="市卫健委",
    )
    sx_nursery.refresh_from_db()
    assert not sx_nursery.is_demonstration
    assert sx_nursery.demonstration_decisions.count() == 3
