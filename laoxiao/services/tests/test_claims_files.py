"""The ``service-claims`` export (export only) and ``laoxiao services claims``."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from laoxiao.core.models import ChangeLog
from laoxiao.imports.base import run_import
from laoxiao.imports.exporters import export_table
from laoxiao.services.importers.claims import yuan
from laoxiao.services.models import Callback, ClaimLine, ServiceClaim
from laoxiao.services.tests.factories_claims import (
    PERIOD,
    claims_world,
    make_entitlement,
    make_visit,
    sx_civil_officer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(city: dict[str, Any], admin_user: Any) -> dict[str, Any]:
    world = claims_world(admin_user)
    make_entitlement(world["a"], 10_050)
    make_visit(world["xs"], world["a"], gov_fen=6025, minutes=40)
    make_visit(world["xs"], world["a"], day=PERIOD.replace(day=5), gov_fen=6025, minutes=20)
    make_visit(world["xs"], world["a"], status="held")
    make_visit(world["sx"], world["c"], gov_fen=3000)
    return world


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("services", *args, stdout=out)
    return out.getvalue()


def test_yuan() -> None:
    assert [yuan(0), yuan(5), yuan(12345), yuan(100)] == ["0.00", "0.05", "123.45", "1.00"]


def test_export_rows_in_yuan_and_scoped(w: dict[str, Any], xiangshan_officer: Any) -> None:
    _run("claims", "--period", "2026-03")
    header, rows = export_table("service-claims", actor=xiangshan_officer)
    assert header == [
        "provider_uscc",
        "period",
        "visits",
        "verified",
        "flagged",
        "minutes",
        "amount_claimed",
        "amount_payable",
    ]
    assert rows == [[w["xs"].uscc, "2026-03", 3, 2, 1, 60, "120.50", "100.50"]]
    _h, sx_rows = export_table("service-claims", actor=sx_civil_officer())
    assert [r[0] for r in sx_rows] == [w["sx"].uscc]


def test_the_kind_refuses_an_import(w: dict[str, Any], admin_user: Any) -> None:
    text = "provider_uscc,period,visits,verified,flagged,minutes,amount_claimed,amount_payable\nX,2026-03,1,1,0,1,1.00,1.00\n"
    report = run_import("service-claims", io.BytesIO(text.encode()), actor=admin_user, filename="c.csv")
    assert not report.ok and not report.written
    assert report.errors[0].row == 1
    assert not ServiceClaim.objects.exists()


def test_the_command_twice_changes_nothing(w: dict[str, Any]) -> None:
    out = _run("claims", "--period", "2026-03")
    assert "created" in out
    state = (
        list(ServiceClaim.objects.values().order_by("pk")),
        list(ClaimLine.objects.values().order_by("pk")),
        list(Callback.objects.values().order_by("pk")),
        ChangeLog.objects.count(),
    )
    assert len(state[0]) == 2
    _run("claims", "--period", "2026-03")
    assert state == (
        list(ServiceClaim.objects.values().order_by("pk")),
        list(ClaimLine.objects.values().order_by("pk")),
        list(Callback.objects.values().order_by("pk")),
        ChangeLog.objects.count(),
    )


def test_the_command_for_one_provider(w: dict[str, Any]) -> None:
    _run("claims", "--period", "2026-03", "--provider", w["sx"].uscc)
    assert list(ServiceClaim.objects.values_list("provider_id", flat=True)) == [w["sx"].pk]


def test_the_command_refuses_a_bad_period_or_provider(w: dict[str, Any]) -> None:
    with pytest.raises(CommandError):
        _run("claims", "--period", "2026/03")
    with pytest.raises(CommandError):
        _run("claims", "--period", "2026-03", "--provider", "NOPE")
    assert not ServiceClaim.objects.exists()
