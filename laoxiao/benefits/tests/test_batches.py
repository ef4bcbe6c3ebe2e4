"""Payment batches: open once, build in chunks (repeatable), approve by another, send, follow up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from laoxiao.benefits.actions import batches as actions
from laoxiao.benefits.models import BatchChunk, PaymentAccount, PaymentBatch, PaymentItem
from laoxiao.benefits.tests.factories_batches import (
    PERIOD,
    allowance,
    expected,
    fail_items,
    make_accounts,
    make_elders,
    users,
)
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.ledger.models import Posting

S = PaymentItem.Status


class Stop(Exception):
    """The build stopped half-way (a crash, as the build sees it)."""


@pytest.fixture
def setup(city: dict[str, Any]) -> dict[str, Any]:
    elders = make_elders(120)
    make_accounts(elders, every=3)  # two of three without an account: held
    return {**users(city), "elders": elders, "programme": allowance()}


def _built(setup: dict[str, Any], region: str = "340600000000") -> PaymentBatch:
    batch = actions.batch_open(
        actor=setup["maker"], programme=setup["programme"], period=PERIOD, region_code=region
    )
    return actions.batch_build(batch=batch)


def _items(batch: PaymentBatch) -> list[tuple[Any, ...]]:
    return list(
        PaymentItem.objects.filter(batch=batch)
        .order_by("beneficiary_key")
        .values_list("beneficiary_key", "amount_fen", "status", "account_id", "code")
    )


@override_settings(LAOXIAO_BENEFIT_CHUNK_SIZE=7)
def test_the_build_pays_every_eligible_person_once_in_chunks(setup: dict[str, Any]) -> None:
    want = expected(setup["programme"])
    assert 30 < len(want) < 120  # some too young, every band
    batch = _built(setup)
    assert (batch.status, batch.build_status) == ("ready", "built")
    got = {k: a for k, a, *_ in _items(batch)}
    assert got == want
    assert batch.items_count == len(want) and batch.total_fen == sum(want.values())
    assert (
        batch.chunks_total == batch.chunks_done == BatchChunk.objects.filter(batch=batch, done=True).count()
    )
    assert batch.chunks_total == -(-len(want) // 7) or batch.chunks_total >= len(want) // 7
    held = PaymentItem.objects.filter(batch=batch, status=S.HELD)
    assert held.count() == batch.held_count > 0
    assert set(held.values_list("status_reason", flat=True)) == {"no payment account"}
    assert not held.exclude(account=None).exists()
    assert not PaymentItem.objects.filter(batch=batch, status=S.READY, account=None).exists()
    assert ChangeLog.objects.filter(target_type="benefits.paymentbatch", target_id=str(batch.pk)).count() == 2


def test_open_twice_answers_the_same_batch_and_rerunning_a_built_batch_changes_nothing(
    setup: dict[str, Any],
) -> None:
    batch = _built(setup)
    before = _items(batch)
    again = actions.batch_open(
        actor=setup["checker"], programme=setup["programme"], period=dt.date(2026, 3, 17), region_code=""
    )
    assert again.pk == batch.pk
    rebuilt = actions.batch_build(batch=again)
    assert _items(rebuilt) == before
    assert (rebuilt.items_count, rebuilt.total_fen) == (batch.items_count, batch.total_fen)


def test_a_half_built_batch_resumes_with_the_same_items(setup: dict[str, Any]) -> None:
    with override_settings(LAOXIAO_BENEFIT_CHUNK_SIZE=10):
        batch = actions.batch_open(
            actor=setup["maker"], programme=setup["programme"], period=PERIOD, region_code=""
        )
        calls = []

        def stop(done: int, total: int) -> None:
            calls.append(done)
            if done == 2:
                raise Stop

        with pytest.raises(Stop):
            actions.batch_build(batch=batch, progress=stop)
        half = PaymentBatch.objects.get(pk=batch.pk)
        assert (half.status, half.build_status, half.chunks_done) == ("draft", "building", 2)
        assert half.items_count == PaymentItem.objects.filter(batch=batch).count() > 0
    with override_settings(LAOXIAO_BENEFIT_CHUNK_SIZE=3):  # the ranges were fixed when planned
        done = actions.batch_build(batch=batch, owner="someone-else")
    assert done.chunks_total == half.chunks_total
    assert {k: a for k, a, *_ in _items(done)} == expected(setup["programme"])


def test_a_county_batch_then_the_city_batch_pays_nobody_twice(setup: dict[str, Any]) -> None:
    county = _built(setup, "340603000000")
    assert county.items_count and all(k for k, *_ in _items(county))
    city = _built(setup)
    want = expected(setup["programme"])
    assert city.skipped_count == county.items_count
    assert city.items_count + county.items_count == len(want)
    keys = [k for k, *_ in _items(city)] + [k for k, *_ in _items(county)]
    assert sorted(keys) == sorted(want)


def test_the_database_refuses_a_second_live_item_for_a_period(setup: dict[str, Any]) -> None:
    batch = _built(setup, "340603000000")
    item = PaymentItem.objects.filter(batch=batch).first()
    assert item is not None
    other = PaymentBatch.objects.create(
        programme=setup["programme"], period=PERIOD, region_code="340600000000"
    )
    item.pk, item.code, item.batch = None, "dup-1", other
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_open_checks_the_region_and_the_sector(setup: dict[str, Any]) -> None:
    with pytest.raises(NotFound):
        actions.batch_open(
            actor=setup["xs_officer"], programme=setup["programme"], period=PERIOD, region_code="340621000000"
        )
    with pytest.raises(PermissionDenied):  # a health officer does not work in elder care
        actions.batch_open(
            actor=setup["health"], programme=setup["programme"], period=PERIOD, region_code="340603000000"
        )
    with pytest.raises(ValidationError):  # a township is not a batch's region
        actions.batch_open(
            actor=setup["maker"], programme=setup["programme"], period=PERIOD, region_code="340603001000"
        )
    own = actions.batch_open(
        actor=setup["xs_officer"], programme=setup["programme"], period=PERIOD, region_code="340603000000"
    )
    assert own.region_code == "340603000000" and own.created_by == setup["xs_officer"]


def test_the_maker_cannot_approve_and_a_double_approval_changes_nothing(setup: dict[str, Any]) -> None:
    batch = _built(setup)
    with pytest.raises(PermissionDenied):
        actions.batch_approve(actor=setup["maker"], batch=batch)
    with pytest.raises(PermissionDenied):  # a county officer cannot approve the city's batch (not found)
        try:
            actions.batch_approve(actor=setup["xs_officer"], batch=batch)
        except NotFound as exc:
            raise PermissionDenied from exc
    approved = actions.batch_approve(actor=setup["checker"], batch=batch)
    assert approved.status == "approved" and approved.approved_by == setup["checker"]
    assert len(approved.signature) == 64 and actions.batch_signature_ok(approved)
    held = PaymentItem.objects.filter(batch=batch, status=S.HELD).count()
    assert held == batch.held_count
    assert PaymentItem.objects.filter(batch=batch, status=S.APPROVED).count() == batch.items_count - held
    postings = Posting.objects.count()
    logs = ChangeLog.objects.count()
    at = approved.approved_at
    again = actions.batch_approve(actor=setup["checker"], batch=batch)
    assert (again.status, again.approved_at, again.signature) == ("approved", at, approved.signature)
    assert Posting.objects.count() == postings and ChangeLog.objects.count() == logs
    assert postings >= 1


def test_a_county_officer_approves_a_county_batch_made_by_the_city(setup: dict[str, Any]) -> None:
    batch = _built(setup, "340603000000")
    with pytest.raises(PermissionDenied):
        actions.batch_approve(actor=setup["health"], batch=batch)  # another sector
    done = actions.batch_approve(actor=setup["xs_officer"], batch=batch)
    assert done.status == "approved"


def test_send_refuses_an_edit_after_the_approval_and_sends_once(setup: dict[str, Any]) -> None:
    batch = actions.batch_approve(actor=setup["checker"], batch=_built(setup))
    item = PaymentItem.objects.filter(batch=batch, status=S.APPROVED).first()
    assert item is not None
    PaymentItem.objects.filter(pk=item.pk).update(amount_fen=item.amount_fen + 1)
    with pytest.raises(ValidationError):
        actions.batch_send(actor=setup["checker"], batch=batch)
    PaymentItem.objects.filter(pk=item.pk).update(amount_fen=item.amount_fen)
    with override_settings():
        sent = actions.batch_send(actor=setup["checker"], batch=batch)
    assert sent.status == "sent" and sent.sent_at is not None
    assert not PaymentItem.objects.filter(batch=batch, status=S.APPROVED).exists()
    n_sent = PaymentItem.objects.filter(batch=batch, status=S.SENT).count()
    assert n_sent == batch.items_count - batch.held_count
    at = sent.sent_at
    assert actions.batch_send(actor=setup["checker"], batch=batch).sent_at == at


def test_the_follow_up_holds_exactly_the_failed_items(setup: dict[str, Any]) -> None:
    batch = actions.batch_approve(actor=setup["checker"], batch=_built(setup))
    with pytest.raises(ValidationError):
        actions.batch_follow_up(actor=setup["maker"], batch=batch)  # not sent yet
    batch = actions.batch_send(actor=setup["checker"], batch=batch)
    fail_items(batch, 5)
    # the bank's five failures and the items held (no account) when the batch was sent
    failed = list(PaymentItem.objects.filter(batch=batch, status=S.FAILED).order_by("pk"))
    assert len(failed) == 5 + batch.held_count
    follow = actions.batch_follow_up(actor=setup["maker"], batch=batch)
    assert (follow.kind, follow.follow_up_of_id, follow.status) == ("follow_up", batch.pk, "ready")
    items = list(PaymentItem.objects.filter(batch=follow).order_by("source_id"))
    assert [i.source_id for i in items] == [f.pk for f in failed]
    for new, old in zip(items, failed, strict=True):
        assert (new.beneficiary_key, new.amount_fen, new.period) == (
            old.beneficiary_key,
            old.amount_fen,
            old.period,
        )
        assert new.code != old.code
    assert follow.items_count == len(failed) and follow.total_fen == sum(f.amount_fen for f in failed)
    again = actions.batch_follow_up(actor=setup["maker"], batch=batch)
    assert again.pk == follow.pk and PaymentItem.objects.filter(batch=follow).count() == len(failed)
    with pytest.raises(PermissionDenied):
        actions.batch_approve(actor=setup["maker"], batch=follow)
    assert actions.batch_approve(actor=setup["checker"], batch=follow).status == "approved"


def test_the_follow_up_reads_the_account_again(setup: dict[str, Any]) -> None:
    batch = actions.batch_send(
        actor=setup["checker"], batch=actions.batch_approve(actor=setup["checker"], batch=_built(setup))
    )
    (failed,) = fail_items(batch, 1)
    PaymentAccount.objects.filter(beneficiary_key=failed.beneficiary_key).update(active=False)
    follow = actions.batch_follow_up(actor=setup["maker"], batch=batch)
    item = PaymentItem.objects.get(batch=follow, source=failed)
    assert (item.status, item.account_id, item.status_reason) == ("held", None, "no payment account")


def test_what_is_held_when_sent_is_not_paid_and_the_follow_up_pays_it_once_an_account_is_given(
    setup: dict[str, Any],
) -> None:
    batch = actions.batch_approve(actor=setup["checker"], batch=_built(setup))
    held = list(PaymentItem.objects.filter(batch=batch, status=S.HELD).order_by("pk"))
    assert held
    batch = actions.batch_send(actor=setup["checker"], batch=batch)
    assert not PaymentItem.objects.filter(batch=batch, status__in=[S.HELD, S.APPROVED]).exists()
    again = {i.pk: i for i in PaymentItem.objects.filter(pk__in=[h.pk for h in held])}
    assert {i.status for i in again.values()} == {"failed"}
    assert {i.status_reason for i in again.values()} == {"not sent, held: no payment account"}
    given = held[0]
    account = PaymentAccount.objects.create(
        beneficiary_key=given.beneficiary_key,
        elder_id=given.elder_id,
        region_code=given.region_code,
        bank_code="ICBC",
        account_number="622202123456789012",
        account_name="账户",
    )
    follow = actions.batch_follow_up(actor=setup["maker"], batch=batch)
    paid_again = PaymentItem.objects.get(batch=follow, source=given)
    assert (paid_again.status, paid_again.account_id) == ("ready", account.pk)
    still = PaymentItem.objects.filter(batch=follow).exclude(pk=paid_again.pk)
    assert set(still.values_list("status", flat=True)) <= {"held"}


def test_cancel_a_ready_batch_and_open_the_period_again(setup: dict[str, Any]) -> None:
    batch = _built(setup)
    with pytest.raises(ValidationError):
        actions.batch_cancel(actor=setup["maker"], batch=batch, reason="")
    done = actions.batch_cancel(actor=setup["maker"], batch=batch, reason="wrong rule version")
    assert done.status == "cancelled"
    assert set(PaymentItem.objects.filter(batch=batch).values_list("status", flat=True)) == {"cancelled"}
    fresh = _built(setup)
    assert fresh.pk != batch.pk and fresh.items_count == batch.items_count
