"""Stops: a death, a move out, a loss of eligibility cancel unsent items in the same transaction;
money paid for a later period becomes an overpayment with its posting."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from laoxiao.benefits.actions import stops
from laoxiao.benefits.models import Overpayment, PaymentBatch, PaymentItem
from laoxiao.benefits.tests.factories_accounts import make_batch, make_item
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.ledger.models import Posting
from laoxiao.people import lifecycle
from laoxiao.people.actions.children import child_death
from laoxiao.people.actions.elders import elder_death, elder_upsert
from laoxiao.people.actions.elders_bulk import elders_upsert_many
from laoxiao.people.tests.factories import make_child, make_elder

S = PaymentItem.Status
pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 20)


@pytest.fixture
def elder(city: Any, xiangshan_officer: Any) -> Any:
    with clock.frozen(TODAY):
        return make_elder(xiangshan_officer, seq=7, birth=dt.date(1940, 1, 5))


def _months(elder: Any, statuses: dict[int, str]) -> dict[int, PaymentItem]:
    out = {}
    for month, status in statuses.items():
        batch = make_batch(period=dt.date(2026, month, 1), status=PaymentBatch.Status.APPROVED)
        out[month] = make_item(batch, elder=elder, status=status)
    return out


def test_the_hook_is_registered() -> None:
    assert stops.people_ended in lifecycle.handlers()


def test_death_cancels_unsent_items_after_the_month_and_opens_overpayments(
    elder: Any, xiangshan_officer: Any
) -> None:
    items = _months(elder, {2: S.PAID, 3: S.PAID, 4: S.APPROVED, 5: S.READY, 6: S.HELD})
    with clock.frozen(TODAY):
        elder_death(actor=xiangshan_officer, elder=elder, died_on=dt.date(2026, 2, 17))
    got = {m: PaymentItem.objects.get(pk=i.pk) for m, i in items.items()}
    assert got[2].status == S.PAID  # the month of death stays paid
    assert not Overpayment.objects.filter(item=got[2]).exists()
    assert [got[m].status for m in (4, 5, 6)] == [S.CANCELLED] * 3
    assert got[5].status_reason == "death 2026-02-17"
    op = Overpayment.objects.get(item=got[3])
    assert (op.amount_fen, op.status, op.period) == (5000, Overpayment.Status.OPEN, dt.date(2026, 3, 1))
    assert Posting.objects.filter(key=f"overpayment:{op.pk}:open").count() == 1
    # only the APPROVED item was payable: one cancel posting, for it
    assert Posting.objects.filter(key=f"item:{got[4].pk}:cancel").count() == 1
    assert not Posting.objects.filter(key__in=[f"item:{got[m].pk}:cancel" for m in (5, 6)]).exists()
    assert ChangeLog.objects.filter(target_type="benefits.paymentitem", action="status").count() == 3
    # a second stop changes nothing
    before = (Posting.objects.count(), Overpayment.objects.count(), ChangeLog.objects.count())
    result = stops.benefits_stop(
        actor=xiangshan_officer, beneficiary_key=f"e{elder.pk}", ended_on=dt.date(2026, 2, 17), reason="death"
    )
    assert len(result) == 0
    assert (Posting.objects.count(), Overpayment.objects.count(), ChangeLog.objects.count()) == before


def test_a_rolled_back_death_cancels_nothing(elder: Any, xiangshan_officer: Any) -> None:
    items = _months(elder, {3: S.READY, 4: S.PAID})
    with clock.frozen(TODAY), pytest.raises(RuntimeError):
        with transaction.atomic():
            elder_death(actor=xiangshan_officer, elder=elder, died_on=dt.date(2026, 2, 1))
            assert PaymentItem.objects.get(pk=items[3].pk).status == S.CANCELLED  # same transaction
            raise RuntimeError("roll back")
    assert PaymentItem.objects.get(pk=items[3].pk).status == S.READY
    assert not Overpayment.objects.exists()
    assert not Posting.objects.filter(kind="overpayment").exists()


def test_a_sent_item_is_marked_and_its_overpayment_opens_once_paid(
    elder: Any, xiangshan_officer: Any
) -> None:
    items = _months(elder, {3: S.SENT})
    with clock.frozen(TODAY):
        elder_death(actor=xiangshan_officer, elder=elder, died_on=dt.date(2026, 2, 1))
    sent = PaymentItem.objects.get(pk=items[3].pk)
    assert sent.status == S.SENT and sent.status_reason.startswith(stops.STOP_MARK)
    assert not Overpayment.objects.exists()
    PaymentItem.objects.filter(pk=sent.pk).update(status=S.PAID)  # what reconciliation does
    paid = PaymentItem.objects.get(pk=sent.pk)
    ops = stops.overpayments_for_paid(actor=xiangshan_officer, items=[paid])
    assert [o.item_id for o in ops] == [paid.pk]
    assert stops.overpayments_for_paid(actor=xiangshan_officer, items=[paid]) == []


def test_moving_out_ends_from_the_month_it_happens_on_its_first_day(
    elder: Any, xiangshan_officer: Any
) -> None:
    items = _months(elder, {3: S.READY, 4: S.READY})
    with clock.frozen(TODAY):
        elder_upsert(
            actor=xiangshan_officer,
            data={"id_number": elder.id_number, "moved_out_on": dt.date(2026, 3, 1)},
        )
    assert PaymentItem.objects.get(pk=items[3].pk).status == S.CANCELLED  # not registered on 1 March
    assert PaymentItem.objects.get(pk=items[4].pk).status_reason == "moved_out 2026-02-28"


def test_a_child_death_stops_the_childcare_subsidy(city: Any, suixi_officer: Any) -> None:
    child = make_child(region_code="340621100001", birth=dt.date(2025, 6, 1))
    batch = make_batch("childcare_subsidy", dt.date(2026, 3, 1), region_code="340621000000")
    item = make_item(batch, child=child, amount_fen=30000)
    with clock.frozen(TODAY):
        child_death(actor=suixi_officer, child=child, died_on=dt.date(2026, 2, 3))
    assert PaymentItem.objects.get(pk=item.pk).status == S.CANCELLED


def test_yearly_periods_keep_the_year_of_the_end(elder: Any) -> None:
    batch = make_batch("inclusive_childcare_operating", dt.date(2026, 1, 1))
    this_year = make_item(batch, elder=elder)
    later = make_item(make_batch("inclusive_childcare_operating", dt.date(2027, 1, 1)), elder=elder)
    stops.stop_many(actor=None, ends={f"e{elder.pk}": dt.date(2026, 5, 1)}, reason="death")
    assert PaymentItem.objects.get(pk=this_year.pk).status == S.READY
    assert PaymentItem.objects.get(pk=later.pk).status == S.CANCELLED


def test_an_officer_stops_an_item_for_loss_of_eligibility(
    elder: Any, xiangshan_officer: Any, suixi_officer: Any
) -> None:
    items = _months(elder, {3: S.APPROVED, 4: S.PAID})
    with pytest.raises(NotFound):
        stops.benefits_stop_ineligible(actor=suixi_officer, item=items[3], reason="income above the line")
    stops.benefits_stop_ineligible(actor=xiangshan_officer, item=items[3], reason="income above the line")
    assert PaymentItem.objects.get(pk=items[3].pk).status == S.CANCELLED
    result = stops.benefits_stop_ineligible(
        actor=xiangshan_officer,
        beneficiary_key=f"e{elder.pk}",
        programme=items[4].programme,
        ended_on=dt.date(2026, 3, 31),
        reason="income above the line",
    )
    assert [o.item_id for o in result.overpayments] == [items[4].pk]


def test_a_bulk_registry_update_stops_the_dead_and_the_moved(city: Any, xiangshan_officer: Any) -> None:
    with clock.frozen(TODAY):
        dead = make_elder(xiangshan_officer, seq=11, birth=dt.date(1940, 1, 5))
        moved = make_elder(xiangshan_officer, seq=12, birth=dt.date(1940, 1, 5))
    batch = make_batch(period=dt.date(2026, 4, 1))
    a, b = make_item(batch, elder=dead), make_item(batch, elder=moved)
    with clock.frozen(TODAY):
        elders_upsert_many(
            actor=xiangshan_officer,
            records=[
                {"id_number": dead.id_number, "died_on": dt.date(2026, 3, 9)},
                {"id_number": moved.id_number, "moved_out_on": dt.date(2026, 3, 20)},
            ],
        )
    assert PaymentItem.objects.get(pk=a.pk).status_reason == "death 2026-03-09"
    assert PaymentItem.objects.get(pk=b.pk).status_reason == "moved_out 2026-03-19"
