"""A plan's life: a draft is edited, put in force (it supersedes the version it replaces), closed;
a plan in force is frozen and changes by a new version with a reason; only city administrators
write; every change is logged. By the actions, the API and the pages."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import run_import
from laoxiao.plan.actions import plans as actions
from laoxiao.plan.models import Indicator, Plan
from laoxiao.plan.selectors.values import indicator_values
from laoxiao.plan.tests.factories import make_stored_value
from laoxiao.plan.tests.test_plan_import import workbook

pytestmark = pytest.mark.django_db
CODE = "test-2022-2025"
API = "/api/v1/plan/plans"


@pytest.fixture
def draft(city: Any, admin_user: Any, tmp_path: Path) -> Plan:
    report = run_import("plan", workbook(tmp_path / "p.xlsx"), actor=admin_user)
    assert report.ok, report.errors
    return Plan.objects.get(code=CODE)


def _ind(code: str, plan: str = CODE) -> Indicator:
    return Indicator.objects.get(plan_id=plan, code=code)


def test_a_draft_is_edited_and_each_change_logged(draft: Plan, admin_user: Any) -> None:
    actions.plan_update(admin_user, draft, {"name": "新名称", "last_year": 2026})
    draft.refresh_from_db()
    assert (draft.name, draft.last_year) == ("新名称", 2026)
    actions.indicator_update(admin_user, _ind("B1"), {"target": "55", "comparator": "≥", "baseline": ""})
    b1 = _ind("B1")
    assert (b1.target, b1.comparator, b1.baseline) == (Decimal(55), "gte", None)
    logged = ChangeLog.objects.get(target_type="plan.indicator", target_id=str(b1.pk), action="update")
    assert logged.changes["target"] == ["50.0000", "55"]
    assert ChangeLog.objects.filter(target_type="plan.plan", target_id=CODE, action="update").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"target": "多"}, "target"),
        ({"target": ""}, "target"),
        ({"comparator": "about"}, "comparator"),
        ({"responsible_unit": "nowhere"}, "responsible_unit"),
        ({"measure": "x"}, "measure"),
    ],
)
def test_bad_edits_name_the_field_and_change_nothing(
    draft: Plan, admin_user: Any, data: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.indicator_update(admin_user, _ind("B1"), data)
    assert field in exc.value.message_dict
    assert _ind("B1").target == Decimal(50)


def test_only_city_administrators_edit(draft: Plan, xiangshan_officer: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.indicator_update(xiangshan_officer, _ind("B1"), {"target": "1"})
    with pytest.raises(PermissionDenied):
        actions.plan_put_in_force(xiangshan_officer, draft)
    assert _ind("B1").target == Decimal(50)


def test_a_plan_in_force_is_frozen_and_changes_by_a_new_version(draft: Plan, admin_user: Any) -> None:
    actions.plan_put_in_force(admin_user, draft)
    draft.refresh_from_db()
    assert draft.status == Plan.Status.IN_FORCE
    with pytest.raises(ValidationError) as exc:
        actions.indicator_update(admin_user, _ind("B1"), {"target": "60"})
    assert "新建版本" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):
        actions.plan_update(admin_user, draft, {"name": "x"})
    with pytest.raises(ValidationError):
        actions.plan_new_version(admin_user, draft, "  ")  # a reason is required
    draft.tasks.get(code="T1").indicators.add(_ind("B1"))  # a task linked to an indicator
    new = actions.plan_new_version(admin_user, draft, "目标调整")
    assert (new.code, new.version, new.replaces_id, new.status) == (f"{CODE}-v2", 2, CODE, "draft")
    assert new.reason == "目标调整"
    assert [i.code for i in new.indicators.all()] == ["B1", "V1", "S1", "R1"]
    assert _ind("R1", new.code).measure_id == _ind("R1").measure_id  # same measure, same values
    assert [u.code for u in new.tasks.get(code="T1").ordered_units] == ["civil_affairs", "health_commission"]
    old_links = sorted(i.code for i in draft.tasks.get(code="T1").indicators.all())
    new_links = new.tasks.get(code="T1").indicators.all()
    assert old_links == ["B1"] and [i.code for i in new_links] == old_links
    assert {i.plan_id for i in new_links} == {new.code}  # linked to the copy, not to the old row
    log = ChangeLog.objects.get(target_type="plan.plan", target_id=new.code, action="create")
    assert log.changes["reason"] == [None, "目标调整"]
    actions.indicator_update(admin_user, _ind("B1", new.code), {"target": "60"})
    actions.plan_put_in_force(admin_user, new)
    draft.refresh_from_db()
    assert draft.status == Plan.Status.SUPERSEDED and _ind("B1").target == Decimal(50)
    v3 = actions.plan_new_version(admin_user, Plan.objects.get(code=new.code), "再调整")
    assert v3.code == f"{CODE}-v3"
    with pytest.raises(ValidationError):
        actions.plan_close(admin_user, v3)  # a draft is not closed
    actions.plan_close(admin_user, new)
    assert Plan.objects.get(code=new.code).status == Plan.Status.CLOSED


def test_the_api(draft: Plan, admin_user: Any, xiangshan_officer: Any, client: Client) -> None:
    client.force_login(xiangshan_officer)
    assert client.post(f"{API}/{CODE}/in-force").status_code == 403
    client.force_login(admin_user)
    url = f"{API}/{CODE}/indicators/B1"
    response = client.patch(
        url, json.dumps({"target": 57.5, "comparator": "gt"}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["target"] == 57.5 and response.json()["comparator"] == "gt"
    response = client.patch(url, json.dumps({"target": "x"}), content_type="application/json")
    assert response.status_code == 422
    response = client.patch(url, json.dumps({"comparator": "about"}), content_type="application/json")
    assert response.status_code == 422 and "comparator" in response.content.decode()
    assert (
        client.patch(f"{API}/{CODE}/indicators/ZZ", "{}", content_type="application/json").status_code == 404
    )
    assert client.post(f"{API}/nowhere/in-force").status_code == 404
    assert client.post(f"{API}/{CODE}/versions", "{}", content_type="application/json").status_code == 422
    assert client.post(f"{API}/{CODE}/in-force").json()["status"] == "in_force"
    response = client.patch(url, json.dumps({"target": 1}), content_type="application/json")
    assert response.status_code == 422  # frozen
    assert _ind("B1").target == Decimal("57.5")
    response = client.post(
        f"{API}/{CODE}/versions", json.dumps({"reason": "调整"}), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["code"] == f"{CODE}-v2"
    assert client.post(f"{API}/{CODE}/close").json()["status"] == "closed"


def test_the_pages(draft: Plan, admin_user: Any, client: Client) -> None:
    client.force_login(admin_user)
    html = client.get("/plan/plans/").content.decode()
    assert f'id="plan-{CODE}" data-status="draft"' in html and "huaibei-2021-2025" in html
    assert 'href="/plan/plans/"' in client.get("/").content.decode()  # in the navigation
    html = client.get(f"/plan/plans/{CODE}/").content.decode()
    assert 'name="target"' in html and "in-force" in html
    response = client.post(
        f"/plan/plans/{CODE}/indicators/B1/", {"target": "51", "comparator": "gte", "baseline": "48"}
    )
    assert response.status_code == 302 and _ind("B1").target == Decimal(51)
    client.post(f"/plan/plans/{CODE}/indicators/B1/", {"target": "abc"})
    assert _ind("B1").target == Decimal(51)
    client.post(f"/plan/plans/{CODE}/in-force/")
    assert Plan.objects.get(code=CODE).status == "in_force"
    html = client.get(f"/plan/plans/{CODE}/").content.decode()
    assert 'name="target"' not in html and 'name="reason"' in html
    response = client.post(f"/plan/plans/{CODE}/indicators/B1/", {"target": "99"}, follow=True)
    assert _ind("B1").target == Decimal(51) and "新建版本" in response.content.decode()
    response = client.post(f"/plan/plans/{CODE}/version/", {"reason": "调整目标"})
    assert response.status_code == 302 and response["Location"].endswith(f"/plan/plans/{CODE}-v2/")


def test_the_plans_page_loads_a_file_and_reports_errors(
    city: Any, admin_user: Any, client: Client, tmp_path: Path
) -> None:
    client.force_login(admin_user)
    bad = [["B1", "名", "%", 2021, "x", 2025, 50, "≥", "E06", "", ""]]
    with workbook(tmp_path / "bad.xlsx", indicators=bad).open("rb") as fh:
        html = client.post("/plan/plans/", {"file": fh}).content.decode()
    assert "indicators:baseline" in html and not Plan.objects.filter(code=CODE).exists()
    with workbook(tmp_path / "good.xlsx").open("rb") as fh:
        response = client.post("/plan/plans/", {"file": fh})
    assert response.status_code == 200 and Plan.objects.get(code=CODE).status == "draft"


def test_an_officer_sees_the_plans_but_cannot_load_one(
    draft: Plan, xiangshan_officer: Any, client: Client, tmp_path: Path
) -> None:
    client.force_login(xiangshan_officer)
    html = client.get("/plan/plans/").content.decode()
    assert CODE in html and 'type="file"' not in html
    with workbook(tmp_path / "p.xlsx").open("rb") as fh:
        assert client.post("/plan/plans/", {"file": fh}).status_code == 403
    assert client.post(f"/plan/plans/{CODE}/in-force/").status_code == 302
    assert Plan.objects.get(code=CODE).status == "draft"


def test_the_seed_plan_still_gives_its_values(draft: Plan, admin_user: Any) -> None:
    make_stored_value("E06", "340600000000", "2022", 50, 50, 100)
    actions.plan_put_in_force(admin_user, draft)
    seed = Plan.objects.get(code="huaibei-2021-2025")
    rows = {
        r.indicator.code: r for r in indicator_values(region_code="340600000000", period="2022", plan=seed)
    }
    assert rows["E06"].value == Decimal(50) and rows["E06"].status.code == "behind"
    mine = {
        r.indicator.code: r for r in indicator_values(region_code="340600000000", period="2022", plan=draft)
    }
    assert mine["B1"].value == Decimal(50) and mine["B1"].status.code == "achieved"
    assert seed.status == Plan.Status.IN_FORCE and seed.indicators.count() == 26
