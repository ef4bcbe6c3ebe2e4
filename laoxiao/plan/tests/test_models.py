from __future__ import annotations

from decimal import Decimal

import pytest

from laoxiao.plan.models import Indicator, plain_number


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("50.8300"), "50.83"), (Decimal("60.0000"), "60"), (Decimal("1000"), "1000"), (0.56, "0.56")],
)
def test_plain_number(value, text):
    assert plain_number(value) == text


def test_baseline_and_target_as_shown():
    ind = Indicator(baseline=None, target=Decimal("90.0000"), comparator="gt")
    assert ind.baseline_text == "—"
    assert ind.target_text == "> 90"
    ind = Indicator(baseline=Decimal("50.8300"), target=Decimal("60"), comparator="gte")
    assert (ind.baseline_text, ind.target_text) == ("50.83", "≥ 60")
