"""The credit rating: each part, the thresholds, the tiers, and a rule change."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from laoxiao.core.models import ChangeLog, RuleVersion
from laoxiao.core.rules import rule
from laoxiao.providers.models import FilingDocument
from laoxiao.supervision import credit
from laoxiao.supervision.actions import credit_compute, credit_compute_all
from laoxiao.supervision.models import CreditRating
from laoxiao.supervision.tests import factories as f

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 6, 30)


def parts(result: credit.CreditResult) -> dict[str, dict[str, Any]]:
    return {p["code"]: p for p in result.parts}


def test_a_provider_without_records_scores_full_marks(xs_home: Any) -> None:
    r = credit.compute(xs_home, ON)
    assert (r.score, r.level, r.tier, r.inspections_per_year) == (100, "A", "low", 1)
    assert set(parts(r)) == {
        "inspections",
        "complaints",
        "incidents",
        "rectifications",
        "risk_signals",
        "filing",
        "documents",
    }
    assert all(p["points"] == 0 for p in r.parts)
    assert r.rule_version == {"supervision.credit_rules": "2000-01-01", "supervision.tiers": "2000-01-01"}


def test_inspection_results_of_the_last_12_months(xs_home: Any) -> None:
    f.make_inspection(xs_home, dt.date(2025, 3, 1), "rectify")
    f.make_inspection(xs_home, dt.date(2024, 9, 1), "fail")
    f.make_inspection(xs_home, dt.date(2025, 1, 1), "pass")
    f.make_inspection(xs_home, dt.date(2024, 6, 30), "fail")  # exactly 12 months before: outside
    p = parts(credit.compute(xs_home, ON))["inspections"]
    assert p["points"] == -20
    assert sorted(rec["points"] for rec in p["records"]) == [-15, -5, 0]


def test_substantiated_complaints_count_up_to_the_cap(xs_home: Any) -> None:
    for day in range(1, 6):
        f.make_complaint(xs_home, dt.date(2025, 5, day), substantiated=True)
    f.make_complaint(xs_home, dt.date(2025, 5, 10), substantiated=False)
    f.make_complaint(xs_home, dt.date(2025, 5, 11))  # not yet decided
    f.make_complaint(xs_home, dt.date(2024, 1, 1), substantiated=True)  # too old
    p = parts(credit.compute(xs_home, ON))["complaints"]
    assert len(p["records"]) == 5 and p["points"] == -20  # 5 × -5 capped at -20


def test_incidents_by_severity_and_late_reports(xs_home: Any) -> None:
    f.make_incident(xs_home, dt.date(2025, 2, 1), "minor")
    f.make_incident(xs_home, dt.date(2025, 2, 2), "minor", late=True)
    f.make_incident(xs_home, dt.date(2025, 2, 3), "serious")
    f.make_incident(xs_home, dt.date(2025, 2, 4), "major")
    f.make_incident(xs_home, dt.date(2025, 2, 5), "critical")
    p = parts(credit.compute(xs_home, ON))["incidents"]
    assert p["points"] == 0 - 5 - 5 - 15 - 30
    r = credit.compute(xs_home, ON)
    assert r.score == 45 and r.level == "D" and r.tier == "key" and r.inspections_per_year == 12


def test_rectification_orders_open_past_deadline_on_the_rating_date(xs_home: Any) -> None:
    insp = f.make_inspection(xs_home, dt.date(2025, 1, 10), "rectify")
    f.make_order(insp, dt.date(2025, 2, 10))  # open, overdue
    f.make_order(insp, dt.date(2025, 8, 10))  # open, not yet due
    f.make_order(insp, dt.date(2025, 2, 10), status="done", followed_up_on=dt.date(2025, 2, 5))
    f.make_order(
        insp, dt.date(2025, 2, 10), status="done", followed_up_on=dt.date(2025, 7, 1)
    )  # late, done after ON
    p = parts(credit.compute(xs_home, ON))["rectifications"]
    assert p["points"] == -20 and len(p["records"]) == 2
    assert parts(credit.compute(xs_home, dt.date(2025, 7, 2)))["rectifications"]["points"] == -10


def test_risk_signals_by_status(xs_home: Any) -> None:
    f.make_risk_signal(xs_home, dt.date(2025, 1, 1), "open")
    f.make_risk_signal(xs_home, dt.date(2023, 1, 1), "verified")  # still counts: not dismissed
    f.make_risk_signal(xs_home, dt.date(2025, 1, 1), "dismissed")
    p = parts(credit.compute(xs_home, ON))["risk_signals"]
    assert p["points"] == -30 and len(p["records"]) == 2


def test_filing_status_and_expired_documents(xs_home: Any) -> None:
    xs_home.filing_status = "suspended"
    xs_home.save()
    for kind in ("licence", "premises", "fire", "food"):
        FilingDocument.objects.create(
            provider=xs_home, region_code=xs_home.region_code, kind=kind, expires_on=dt.date(2025, 1, 1)
        )
    FilingDocument.objects.create(
        provider=xs_home, region_code=xs_home.region_code, kind="health", expires_on=dt.date(2026, 1, 1)
    )
    p = parts(credit.compute(xs_home, ON))
    assert p["filing"]["points"] == -20
    assert p["documents"]["points"] == -15 and len(p["documents"]["records"]) == 4
    assert credit.compute(xs_home, ON).score == 65


@pytest.mark.parametrize(
    ("score", "level"),
    [(100, "A"), (90, "A"), (89, "B"), (75, "B"), (74, "C"), (60, "C"), (59, "D"), (0, "D")],
)
def test_level_thresholds(db: Any, score: int, level: str) -> None:
    assert credit.level_for(score, rule("supervision.credit_rules", on=ON)["levels"]) == level


def test_tiers_follow_the_level(xs_home: Any) -> None:
    tiers = rule("supervision.tiers", on=ON)
    assert {k: (v["tier"], v["inspections_per_year"]) for k, v in tiers.items()} == {
        "A": ("low", 1),
        "B": ("normal", 2),
        "C": ("close", 4),
        "D": ("key", 12),
    }
    f.make_inspection(xs_home, dt.date(2025, 3, 1), "fail")  # 85 → B
    r = credit.compute(xs_home, ON)
    assert (r.score, r.level, r.tier, r.inspections_per_year) == (85, "B", "normal", 2)
    f.make_inspection(xs_home, dt.date(2025, 4, 1), "fail")  # 70 → C
    r = credit.compute(xs_home, ON)
    assert (r.score, r.level, r.tier, r.inspections_per_year) == (70, "C", "close", 4)


def test_a_new_rule_version_changes_the_result_from_its_date(xs_home: Any) -> None:
    f.make_inspection(xs_home, dt.date(2024, 11, 1), "rectify")
    data = rule("supervision.credit_rules", on=ON)
    data["parts"]["inspections"]["points"]["rectify"] = -30
    RuleVersion.objects.create(key="supervision.credit_rules", effective_from=dt.date(2025, 1, 1), data=data)
    before = credit.compute(xs_home, dt.date(2024, 12, 31))
    after = credit.compute(xs_home, dt.date(2025, 1, 1))
    assert (before.score, before.level) == (95, "A")
    assert (after.score, after.level) == (70, "C")
    assert after.rule_version["supervision.credit_rules"] == "2025-01-01"


def test_credit_compute_stores_once_a_day_and_logs(xs_home: Any, xiangshan_officer: Any) -> None:
    rating = credit_compute(actor=xiangshan_officer, provider=xs_home, on=ON)
    assert rating.level == "A" and rating.region_code == xs_home.region_code
    f.make_inspection(xs_home, dt.date(2025, 6, 1), "fail")
    again = credit_compute(actor=xiangshan_officer, provider=xs_home, on=ON)
    assert again.pk == rating.pk and again.score == 85
    assert CreditRating.objects.count() == 1
    logs = ChangeLog.objects.filter(target_type="supervision.creditrating").order_by("id")
    assert [entry.action for entry in logs] == ["create", "update"]
    assert logs[1].changes["score"] == [100, 85]


def test_credit_compute_all_and_the_command(
    xs_home: Any, sx_home: Any, xs_nursery: Any, xiangshan_officer: Any
) -> None:
    f.make_provider("草稿机构", region_code="340603001001", filing_status="draft")
    assert credit_compute_all(actor=xiangshan_officer, on=ON) == 1  # civil affairs of 相山区: xs_home only
    out = StringIO()
    call_command("credit", "compute", "--on", "2025-06-30", stdout=out)
    assert "rated 3 providers" in out.getvalue()  # the draft provider is not rated
    assert CreditRating.objects.filter(computed_on=ON).count() == 3
