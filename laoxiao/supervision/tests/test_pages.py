"""Pages: login, scoping (404 outside, lists omit), the forms, the credit explanation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings

from laoxiao.core import clock
from laoxiao.supervision import actions
from laoxiao.supervision.models import Alert, Complaint, Incident, Inspection, RiskSignal
from laoxiao.supervision.tests import factories as f

pytestmark = pytest.mark.django_db

LISTS = [
    "/supervision/",
    "/supervision/due/",
    "/supervision/inspections/",
    "/supervision/rectifications/",
    "/supervision/complaints/",
    "/supervision/incidents/",
    "/supervision/risk-signals/",
    "/supervision/alerts/?status=",
]


def english(client: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def records(xs_home: Any, sx_home: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    today = clock.today()
    for key, inst in (("xs", xs_home), ("sx", sx_home)):
        ins = f.make_inspection(inst, today - dt.timedelta(days=60), "rectify")
        f.make_order(ins, today - dt.timedelta(days=30))
        out[f"{key}_inspection"] = ins
        out[f"{key}_complaint"] = f.make_complaint(inst, dt.date(2025, 5, 1))
        out[f"{key}_incident"] = f.make_incident(
            inst, clock.today() - dt.timedelta(days=3), "major", late=True
        )
        signal = f.make_risk_signal(inst, dt.date(2025, 5, 1))
        out[f"{key}_signal"] = signal
        out[f"{key}_alert"] = Alert.objects.create(
            provider=inst,
            region_code=inst.region_code[:6] + "000000",
            kind="risk_signal",
            risk_signal=signal,
            message=f"alert {inst.name}",
        )
    return out


@pytest.mark.parametrize("url", LISTS)
def test_anonymous_users_are_sent_to_sign_in(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", LISTS)
def test_lists_show_own_district_and_omit_others(
    client: Any, xiangshan_officer: Any, records: Any, url: str
) -> None:
    client.force_login(xiangshan_officer)
    html = client.get(url).content.decode()
    assert "濉溪敬老院" not in html
    if url not in ("/supervision/due/",):
        assert "相山康养院" in html


def test_detail_pages_answer_404_outside_the_actors_regions(
    client: Any, xiangshan_officer: Any, records: Any
) -> None:
    client.force_login(xiangshan_officer)
    sx = records
    for url in (
        f"/supervision/provider/{sx['sx_inspection'].provider.uscc}/",
        f"/supervision/provider/{sx['sx_inspection'].provider.uscc}/credit/",
        f"/supervision/inspections/{sx['sx_inspection'].pk}/",
        f"/supervision/complaints/{sx['sx_complaint'].pk}/",
        f"/supervision/incidents/{sx['sx_incident'].pk}/",
        f"/supervision/risk-signals/{sx['sx_signal'].pk}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/supervision/provider/{sx['xs_inspection'].provider.uscc}/",
        f"/supervision/inspections/{sx['xs_inspection'].pk}/",
        f"/supervision/complaints/{sx['xs_complaint'].pk}/",
        f"/supervision/incidents/{sx['xs_incident'].pk}/",
        f"/supervision/risk-signals/{sx['xs_signal'].pk}/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.post(f"/supervision/alerts/{sx['sx_alert'].pk}/acknowledge").status_code == 404


def test_the_provider_page_explains_the_credit_rating(
    client: Any, xiangshan_officer: Any, xs_home: Any, records: Any
) -> None:
    english(client)
    client.force_login(xiangshan_officer)
    response = client.post(f"/supervision/provider/{xs_home.uscc}/credit/compute")
    assert response.status_code == 302
    html = client.get(f"/supervision/provider/{xs_home.uscc}/credit/").content.decode()
    for text in (
        "Inspection results in the last 12 months",
        "Rectification orders open past their deadline",
        "Illegal fund-raising risk signals",
        (clock.today() - dt.timedelta(days=60)).isoformat(),  # the inspection behind the deduction
        "supervision.credit_rules",
    ):
        assert text in html, text
    page = client.get(f"/supervision/provider/{xs_home.uscc}/").content.decode()
    assert "Incidents in the last 12 months" in page and "Grade ratings" in page


def test_record_an_inspection_through_the_form(client: Any, xiangshan_officer: Any, xs_home: Any) -> None:
    client.force_login(xiangshan_officer)
    form = client.get(f"/supervision/inspections/new/?provider={xs_home.uscc}").content.decode()
    assert 'name="finding_E01"' in form and 'name="finding_E16"' in form
    fragment = client.get(
        f"/supervision/inspections/checklist?provider={xs_home.uscc}", HTTP_HX_REQUEST="true"
    )
    assert 'name="finding_E08"' in fragment.content.decode()
    response = client.post(
        "/supervision/inspections/new/",
        {
            "provider": xs_home.uscc,
            "date": "2025-03-03",
            "kind": "random",
            "inspectors": "王, 李",
            "result": "rectify",
            "summary": "",
            "finding_E01": "ok",
            "finding_E07": "major",
            "note_E07": "no grab bars",
            "order_item_0": "E07",
            "order_requirement_0": "install grab bars",
            "order_deadline_0": "2025-04-03",
        },
    )
    assert response.status_code == 302
    ins = Inspection.objects.get()
    assert {i.code for i in ins.items.all()} == {"E01", "E07"}
    assert ins.orders.get().item.code == "E07"
    assert client.get(response["Location"]).status_code == 200


def test_the_inspection_form_shows_action_errors(client: Any, xiangshan_officer: Any, xs_home: Any) -> None:
    english(client)
    client.force_login(xiangshan_officer)
    response = client.post(
        "/supervision/inspections/new/",
        {
            "provider": xs_home.uscc,
            "date": "2025-03-03",
            "kind": "routine",
            "inspectors": "王",
            "result": "rectify",
        },
    )
    assert response.status_code == 200
    assert "at least one order" in response.content.decode()
    assert not Inspection.objects.exists()


def test_the_provider_select_lists_only_supervised_providers(
    client: Any, xs_health: Any, xs_home: Any, xs_nursery: Any
) -> None:
    client.force_login(xs_health)
    html = client.get("/supervision/complaints/new/").content.decode()
    assert xs_nursery.uscc in html and xs_home.uscc not in html
    assert client.get(f"/supervision/provider/{xs_home.uscc}/").status_code == 404


def test_complaint_incident_and_risk_forms(client: Any, xiangshan_officer: Any, xs_home: Any) -> None:
    client.force_login(xiangshan_officer)
    r = client.post(
        "/supervision/complaints/new/",
        {
            "provider": xs_home.uscc,
            "received_on": "2025-03-03",
            "source": "hotline_12345",
            "category": "food",
            "description": "cold",
        },
    )
    assert r.status_code == 302
    c = Complaint.objects.get()
    r = client.post(
        f"/supervision/complaints/{c.pk}/",
        {"action": "resolved", "note": "", "outcome": "fixed", "substantiated": "true"},
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == "resolved" and c.substantiated is True
    r = client.post(
        "/supervision/incidents/new/",
        {
            "provider": xs_home.uscc,
            "occurred_at": "2025-03-03T08:00",
            "reported_at": "2025-03-03T12:00",
            "kind": "scald",
            "severity": "major",
            "description": "hot water",
        },
    )
    assert r.status_code == 302 and Incident.objects.get().reported_late
    r = client.post(
        "/supervision/risk-signals/new/",
        {
            "provider": xs_home.uscc,
            "kind": "prepaid_cards",
            "detected_on": "2025-03-03",
            "amount": "20000",
            "description": "cards",
        },
    )
    assert r.status_code == 302 and RiskSignal.objects.count() == 1 and Alert.objects.count() == 1


def test_acknowledge_an_alert_with_htmx(client: Any, xiangshan_officer: Any, records: Any) -> None:
    client.force_login(xiangshan_officer)
    alert = records["xs_alert"]
    r = client.post(f"/supervision/alerts/{alert.pk}/acknowledge", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and f'id="alert-{alert.pk}"' in r.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == xiangshan_officer


def test_grade_and_demonstration_forms(client: Any, xiangshan_officer: Any, xs_home: Any) -> None:
    client.force_login(xiangshan_officer)
    r = client.post(
        f"/supervision/provider/{xs_home.uscc}/grades",
        {"grade": "4", "rated_on": "2024-05-01", "body": "市民政局"},
    )
    assert r.status_code == 302 and xs_home.grade_ratings.get().grade == 4
    r = client.post(
        f"/supervision/provider/{xs_home.uscc}/demonstration",
        {"granted": "1", "decided_on": "2024-06-01", "body": "市民政局"},
    )
    assert r.status_code == 302
    xs_home.refresh_from_db()
    assert xs_home.is_demonstration
    grade = xs_home.grade_ratings.get()
    assert client.post(f"/supervision/grades/{grade.pk}/revoke").status_code == 302
    grade.refresh_from_db()
    assert grade.revoked


def test_follow_up_a_rectification_order(client: Any, xiangshan_officer: Any, records: Any) -> None:
    client.force_login(xiangshan_officer)
    order = records["xs_inspection"].orders.get()
    r = client.post(
        f"/supervision/rectifications/{order.pk}/follow-up",
        {"on": clock.today().isoformat(), "done": "1", "note": "ok"},
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == "done"


def test_dashboard_for_the_county_office(client: Any, xiangshan_officer: Any, records: Any) -> None:
    english(client)
    client.force_login(xiangshan_officer)
    actions.credit_compute(
        actor=xiangshan_officer, provider=records["xs_inspection"].provider, on=clock.today()
    )
    html = client.get("/supervision/").content.decode()
    assert "Overdue rectification orders" in html and "Credit levels" in html and "alert 相山康养院" in html
    assert "alert 濉溪敬老院" not in html
