"""The cockpit card of money paid (a ``core.cards`` card the plan's cockpit shows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.benefits.actions import postings
from laoxiao.benefits.cockpit_cards import paid_card
from laoxiao.benefits.tests.factories_ledger import sent_batch
from laoxiao.core import clock
from laoxiao.core.cards import CARDS, cards_for
from laoxiao.people.tests.factories import make_elder

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(admin_user: Any) -> None:
    xs = [make_elder(admin_user, seq=i, birth=dt.date(1940, 2, i)) for i in (1, 2)]
    sx = [make_elder(admin_user, seq=3, birth=dt.date(1940, 2, 3), region="340621100001")]
    for elders, amounts, region in ((xs, [100_00, 50_00], "340603000000"), (sx, [70_00], "340621000000")):
        _batch, items = sent_batch(admin_user, elders, amounts, region_code=region)
        postings.post_items_paid(items, f"recon:{region}", admin_user)


def test_the_card_is_registered_and_sums_by_programme_and_county(paid: None, admin_user: Any) -> None:
    assert "benefits-paid" in CARDS
    card = paid_card(actor=admin_user, region_code="340600000000", year=2026)
    assert card is not None and card["total"] == 220_00
    [p] = card["programmes"]
    assert [(c["code"], c["paid"]) for c in p["counties"]] == [
        ("340603000000", 150_00),
        ("340621000000", 70_00),
    ]
    county = paid_card(actor=admin_user, region_code="340621000000", year=2026)
    assert county is not None and county["total"] == 70_00
    assert paid_card(actor=admin_user, region_code="340600000000", year=2025) is None


def test_the_cockpit_shows_the_card_to_who_sees_the_money(
    client: Any, paid: None, admin_user: Any, suixi_officer: Any
) -> None:
    client.force_login(admin_user)
    with clock.frozen("2026-12-04"):
        html = client.get("/plan/cockpit/").content.decode()
    assert 'id="card-benefits-paid"' in html and "220.00" in html
    assert (
        cards_for(actor=suixi_officer, region_code="340600000000", year=2026) == []
    )  # health: no elder money
