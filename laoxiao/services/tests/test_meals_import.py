"""The ``meal-records`` import: a good file, every bad cell reported and nothing written, a
re-import changes nothing, a meal over the daily cap is written without subsidy (not an error)."""

from __future__ import annotations

from typing import Any

import pytest

from laoxiao.core.models import ChangeLog
from laoxiao.people.tests.factories import run_csv
from laoxiao.services.models import MealRecord
from laoxiao.services.tests.factories_meals import make_diner, make_meal_point, make_operator, make_person

HEAD = "provider_uscc,elder_id_number,served_on,slot,mode,verified_by,price,external_ref\n"


@pytest.fixture(autouse=True)
def _today(settings: Any) -> None:
    settings.LAOXIAO_TODAY = "2025-06-30"


@pytest.fixture
def setup(xiangshan_officer: Any) -> dict[str, Any]:
    point = make_meal_point()
    elder = make_person(xiangshan_officer, age=85)
    make_diner(elder, point)
    return {"point": point, "elder": elder}


def _line(
    s: dict[str, Any], ref: str, *, slot: str = "lunch", day: str = "2025-06-10", price: str = "12.50"
) -> str:
    return f"{s['point'].uscc},{s['elder'].id_number},{day},{slot},dine_in,face,{price},{ref}\n"


@pytest.mark.django_db
def test_good_file_and_reimport(xiangshan_officer: Any, setup: dict[str, Any]) -> None:
    text = (
        HEAD + _line(setup, "A1") + _line(setup, "A2", slot="dinner") + _line(setup, "A3", day="2025-06-11")
    )
    report = run_csv("meal-records", text, xiangshan_officer)
    assert report.ok and report.written and report.result.created == 3, report.errors
    meals = {m.external_ref: m for m in MealRecord.objects.all()}
    assert (meals["A1"].price_fen, meals["A1"].subsidy_fen, meals["A1"].paid_fen) == (1250, 300, 950)
    assert meals["A2"].subsidy_fen == 0 and meals["A2"].paid_fen == 1250  # over the cap: no subsidy
    assert meals["A3"].subsidy_fen == 300
    log = ChangeLog.objects.filter(target_type="services.mealrecord").get()
    assert "3" in log.note  # the capped meal is named by its row number (row 3)
    again = run_csv("meal-records", text, xiangshan_officer)
    assert again.ok and again.result.created == 0 and again.result.unchanged == 3
    assert MealRecord.objects.count() == 3


@pytest.mark.django_db
def test_bad_cells_all_reported_nothing_written(xiangshan_officer: Any, setup: dict[str, Any]) -> None:
    bad = (
        HEAD
        + _line(setup, "B1")
        + _line(setup, "B2", slot="supper")
        + _line(setup, "B3", price="12.345")
        + _line(setup, "B4", day="2025-07-30")
        + f"91340603MA0000000X,{setup['elder'].id_number},2025-06-10,lunch,dine_in,face,10.00,B5\n"
        + f"{setup['point'].uscc},340603194501010000,2025-06-10,lunch,dine_in,face,10.00,B6\n"
        + _line(setup, "B1", slot="dinner")
    )
    report = run_csv("meal-records", bad, xiangshan_officer)
    assert not report.written
    cells = {(e.row, e.column) for e in report.errors}
    assert {
        (3, "slot"),
        (4, "price"),
        (5, "served_on"),
        (6, "provider_uscc"),
        (7, "elder_id_number"),
    } <= cells
    assert any(e.row == 8 for e in report.errors)  # the same till reference twice
    assert MealRecord.objects.count() == 0


@pytest.mark.django_db
def test_operator_imports_own_point_only(xiangshan_officer: Any, setup: dict[str, Any]) -> None:
    op = make_operator(setup["point"])
    assert run_csv("meal-records", HEAD + _line(setup, "C1"), op).result.created == 1
    other = make_operator(make_meal_point(), name="other_op")
    report = run_csv("meal-records", HEAD + _line(setup, "C2"), other)
    assert not report.written and {e.column for e in report.errors} >= {"provider_uscc"}
