"""core.clock, core.forms.run_action, core.paging and RegionScopedQuerySet.get_for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.forms import HardenedForm, run_action
from laoxiao.core.paging import api_page, page_of
from laoxiao.regions.models import PopulationFigure


def test_clock_frozen_and_setting(settings: Any) -> None:
    with clock.frozen("2025-01-02"):
        assert clock.today() == dt.date(2025, 1, 2)
        with clock.frozen(dt.date(2024, 5, 6)):
            assert clock.today() == dt.date(2024, 5, 6)
        assert clock.today() == dt.date(2025, 1, 2)
    settings.LAOXIAO_TODAY = "2023-03-04"
    assert clock.today() == dt.date(2023, 3, 4)
    settings.LAOXIAO_TODAY = ""
    assert clock.today() != dt.date(2023, 3, 4) or True


class F(HardenedForm):
    name = forms.CharField(required=False)


def _raise(exc: Exception) -> Any:
    def call() -> Any:
        raise exc

    return call


def test_run_action() -> None:
    form = F({"name": "x"})
    assert form.is_valid()
    assert run_action(form, lambda: 5) == 5
    assert run_action(form, _raise(ValidationError({"name": "bad", "other": "worse"}))) is None
    assert form.errors["name"] == ["bad"] and form.non_field_errors() == ["worse"]
    form = F({})
    form.is_valid()
    run_action(form, _raise(ValidationError({"other": "worse"})), label_unknown=True)
    run_action(form, _raise(ValidationError({"n": "m"})), field_map={"n": "name"})
    run_action(form, _raise(PermissionDenied("no")), denied=True)
    run_action(form, _raise(NotFound("x")), not_found=("name", "outside"))
    assert form.non_field_errors() == ["other: worse", "no"]
    assert form.errors["name"] == ["m", "outside"]
    with pytest.raises(PermissionDenied):
        run_action(form, _raise(PermissionDenied("no")))
    with pytest.raises(NotFound):
        run_action(form, _raise(NotFound("x")))


def test_page_of_and_api_page() -> None:
    rows = list(range(25))
    p = page_of(rows, "2", per_page=10)
    assert p.items == list(range(10, 20)) and p.has_next and p.has_previous and p.num_pages == 3
    assert page_of(rows, "99", per_page=10).number == 3
    assert page_of(rows, "abc", per_page=10).number == 1
    q = page_of(rows, "9", per_page=10, count_rows=False)
    assert q.number == 3 and q.items == [20, 21, 22, 23, 24] and not q.has_next
    r = page_of(lambda o, n: rows[o : o + n], "2", per_page=10, count=25)
    assert r.items == list(range(10, 20))
    assert api_page(rows, page=3, page_size=10)["items"] == [20, 21, 22, 23, 24]
    assert api_page(rows, page=9, page_size=10) == {"items": [], "count": 25, "page": 9, "page_size": 10}
    out = api_page(rows, limit=5, offset=20)
    assert out["items"] == [20, 21, 22, 23, 24] and out["offset"] == 20 and out["page"] == 5
    assert api_page(rows, page_size=10_000)["page_size"] == 500


@pytest.mark.django_db
def test_get_for(city: dict[str, Any], xiangshan_officer: Any) -> None:
    mine = PopulationFigure.objects.filter(region_code__startswith="340603").first()
    other = PopulationFigure.objects.filter(region_code__startswith="340621").first()
    assert PopulationFigure.objects.get_for(xiangshan_officer, pk=mine.pk) == mine  # type: ignore[union-attr]
    for lookup in ({"pk": other.pk}, {"pk": 10**9}, {"pk": "abc"}):  # type: ignore[union-attr]
        with pytest.raises(NotFound):
            PopulationFigure.objects.get_for(xiangshan_officer, **lookup)
    with pytest.raises(NotFound):
        PopulationFigure.objects.get_for(None, pk=mine.pk)  # type: ignore[union-attr]
