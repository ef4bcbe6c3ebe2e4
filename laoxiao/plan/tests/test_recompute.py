"""Recomputing indicator values on demand: the action, the API and the cockpit's button."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.core.models import ChangeLog
from laoxiao.plan.actions.values import indicator_values_recompute
from laoxiao.plan.models import IndicatorValue
from laoxiao.providers.models import Provider
from laoxiao.providers.tests.factories import provider

pytestmark = pytest.mark.django_db
COUNTY = "340603000000"


def _home(code: str, name: str, beds: int, nursing: int) -> Provider:
    return provider(region=code, status="filed", name=name, beds=beds, nursing_beds=nursing)


def test_recompute_stores_the_subtree_and_logs_once(admin_user: Any) -> None:
    _home("340603001001", "甲院", 100, 60)
    done = indicator_values_recompute(actor=admin_user, period="2021", region_code=COUNTY)
    e06 = IndicatorValue.objects.get(measure__alias="E06", region_code=COUNTY, period="2021")
    assert e06.value == 60 and done.values == IndicatorValue.objects.filter(period="2021").count()
    assert not IndicatorValue.objects.filter(region_code__startswith="340621").exists()  # not below
    assert done.regions == 4  # the county, its township and two communities (the conftest city)
    row = ChangeLog.objects.get(note__startswith="indicator values recomputed")
    assert row.actor == admin_user and row.region_code == COUNTY
    _home("340603001002", "乙院", 100, 0)  # the records change; recomputing follows them
    indicator_values_recompute(actor=admin_user, period="2021", region_code=COUNTY)
    assert IndicatorValue.objects.get(measure__alias="E06", region_code=COUNTY, period="2021").value == 30


def test_recompute_is_for_city_administrators_and_checks_input(
    admin_user: Any, xiangshan_officer: Any
) -> None:
    with pytest.raises(PermissionDenied):
        indicator_values_recompute(actor=xiangshan_officer, period="2021", region_code=COUNTY)
    with pytest.raises(ValidationError) as exc:
        indicator_values_recompute(actor=admin_user, period="2021-13", region_code=COUNTY)
    assert "period" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        indicator_values_recompute(actor=admin_user, period="2021", region_code="999999999999")
    assert "region" in exc.value.message_dict
    assert not IndicatorValue.objects.exists()


def test_api_and_cockpit_button(
    client: Any, admin_user: Any, xiangshan_officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The API and the button queue a job and answer at once; the job stores the values."""
    _home("340603001001", "甲院", 100, 60)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = client.post(
            "/api/v1/indicators/compute",
            {"period": "2021", "region": COUNTY},
            content_type="application/json",
        )
    assert (
        r.status_code == 202 and r.json()["status"] == "queued" and r.json()["kind"] == "indicators.compute"
    )
    assert not IndicatorValue.objects.exists()  # nothing computed in the request
    assert len(queued) == 1
    queued[0]()  # the engine runs the job (the immediate backend in tests)
    job = client.get(f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["status"] == "done" and job["result"]["regions"] == 4 and job["result"]["values"] > 0
    assert IndicatorValue.objects.get(measure__alias="E06", region_code=COUNTY, period="2021").value == 60
    bad = client.post(
        "/api/v1/indicators/compute", {"period": "20x1", "region": COUNTY}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"
    page = client.get(f"/plan/cockpit/{COUNTY}/?period=2021")
    assert 'id="recompute"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/plan/cockpit/{COUNTY}/recompute/", {"period": "2021"})
    assert r.status_code == 302 and r["Location"].startswith("/jobs/")
    page = client.get(r["Location"])
    assert page.status_code == 200 and 'data-status="done"' in page.content.decode()
    assert client.post("/plan/cockpit/999999999999/recompute/", {"period": "2021"}).status_code == 404
    client.force_login(xiangshan_officer)
    assert 'id="recompute"' not in client.get(f"/plan/cockpit/{COUNTY}/").content.decode()
    assert client.post(f"/plan/cockpit/{COUNTY}/recompute/", {"period": "2021"}).status_code == 403
    forbidden = client.post(
        "/api/v1/indicators/compute", {"period": "2021", "region": COUNTY}, content_type="application/json"
    )
    assert forbidden.status_code == 403
