"""The programmes pages, the officers' lists and the eligibility panel on a person's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from laoxiao.benefits.tests import factories_eligibility as f
from laoxiao.core import clock


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def rules(city: Any) -> None:
    f.prog("elderly_allowance")


def test_programme_list_and_detail_mark_unconfirmed_versions(
    client: Any, rules: None, xiangshan_officer: Any
) -> None:
    client.force_login(xiangshan_officer)
    html = client.get("/benefits/programmes/").content.decode()
    assert 'id="programme-elderly_allowance"' in html and "programme-childcare_subsidy" not in html
    assert "certainty-unconfirmed" in html
    page = client.get("/benefits/programmes/consumption_voucher/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "coverage_versions" in body and "gansu_2026" in body and "certainty-S" in body
    assert client.get("/benefits/programmes/childcare_subsidy/").status_code == 404


def test_officer_lists_pages(client: Any, rules: None, xiangshan_officer: Any) -> None:
    new = f.elder(birth=dt.date(1946, 3, 1))
    client.force_login(xiangshan_officer)
    q = {"programme": "elderly_allowance", "region": "340603000000", "period": "2026-03"}
    html = client.get("/benefits/eligibility/new-without-account/", q).content.decode()
    assert f'id="row-e{new.pk}"' in html and "50.00" in html
    html = client.get("/benefits/eligibility/paid-not-eligible/", q).content.decode()
    assert 'id="officer-list"' in html
    assert (
        client.get("/benefits/eligibility/paid-not-eligible/", {**q, "region": "340621000000"}).status_code
        == 404
    )
    assert client.get("/benefits/eligibility/nope/").status_code == 404


def test_elder_page_has_the_eligibility_panel(client: Any, rules: None, xiangshan_officer: Any) -> None:
    today = clock.today()
    person = f.elder(birth=dt.date(today.year - 85, 1, 1))
    client.force_login(xiangshan_officer)
    html = client.get(f"/people/elders/{person.pk}/").content.decode()
    assert 'id="benefits-eligibility"' in html
    assert 'id="eligibility-elderly_allowance" class="eligible"' in html
    assert 'id="eligibility-service_subsidy" class="not-eligible"' in html


def test_child_page_has_the_eligibility_panel(client: Any, rules: None, suixi_officer: Any) -> None:
    today = clock.today()
    kid = f.child(birth=dt.date(today.year - 1, 1, 1), region=f.SX1)
    client.force_login(suixi_officer)
    html = client.get(f"/people/children/{kid.pk}/").content.decode()
    assert 'id="eligibility-childcare_subsidy" class="eligible"' in html
    assert "300.00" in html
