"""The ledger's rules held by the database on PostgreSQL (balanced at commit, append-only) and by
the action everywhere (an unbalanced posting is refused before anything is written)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from laoxiao.ledger.actions import Unbalanced, account_get_or_create, posting_create
from laoxiao.ledger.models import Entry, Posting, Unit

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database's own rules are PostgreSQL triggers"
)


def _accounts() -> tuple[int, int]:
    a = account_get_or_create(code="member:t:a", kind="member", region_code="340603000000", unit=Unit.MINUTE)
    b = account_get_or_create(code="pool:t", kind="pool", region_code="340603000000", unit=Unit.MINUTE)
    return a.pk, b.pk


def _raw_posting(key: str, amounts: list[int], accounts: tuple[int, int]) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO ledger_posting (key, kind, unit, region_code, memo, created_at)"
            " VALUES (%s, 'raw', 'minute', '340603000000', '', now()) RETURNING id",
            [key],
        )
        pid = cur.fetchone()[0]
        for account, amount in zip(accounts, amounts, strict=False):
            cur.execute(
                "INSERT INTO ledger_entry (posting_id, account_id, amount) VALUES (%s, %s, %s)",
                [pid, account, amount],
            )


@pytest.mark.django_db
def test_the_action_refuses_an_unbalanced_posting_and_writes_nothing() -> None:
    a, b = (
        account_get_or_create(code=c, kind="member", region_code="340603000000", unit=Unit.MINUTE)
        for c in ("member:t:x", "member:t:y")
    )
    with pytest.raises(Unbalanced):
        posting_create(key="u1", kind="t", lines=[(a, 30), (b, -29)], region_code="340603000000")
    with pytest.raises(Unbalanced):
        posting_create(key="u2", kind="t", lines=[(a, 0)], region_code="340603000000")
    fen = account_get_or_create(code="budget:t:340603000000:2026", kind="budget", region_code="340603000000")
    with pytest.raises(Unbalanced):  # minutes never balance fen
        posting_create(key="u3", kind="t", lines=[(a, 30), (fen, -30)], region_code="340603000000")
    assert not Posting.objects.exists() and not Entry.objects.exists()
    # the generic ledger in minutes (a time bank): a balanced posting of minutes is written
    p = posting_create(key="u4", kind="t", lines=[(a, 30), (b, -30)], region_code="340603000000")
    assert p.unit == Unit.MINUTE


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_raw_unbalanced_insert_fails_at_commit_and_a_balanced_one_commits() -> None:
    accounts = _accounts()
    with transaction.atomic():
        _raw_posting("raw-ok", [45, -45], accounts)
    assert Posting.objects.filter(key="raw-ok").exists()
    with pytest.raises(IntegrityError, match="does not sum to zero"):
        with transaction.atomic():
            _raw_posting("raw-bad", [45, -44], accounts)
            # inside the transaction nothing is checked yet (deferred): the rows are there
            assert Entry.objects.filter(posting__key="raw-bad").count() == 2
    with pytest.raises(IntegrityError, match="has no entries"):
        with transaction.atomic():
            _raw_posting("raw-empty", [], accounts)
    assert not Posting.objects.filter(key__in=["raw-bad", "raw-empty"]).exists()


@postgres_only
@pytest.mark.django_db
def test_entries_and_postings_cannot_be_updated_or_deleted() -> None:
    a, b = (
        account_get_or_create(code=c, kind="member", region_code="340603000000", unit=Unit.MINUTE)
        for c in ("member:t:p", "member:t:q")
    )
    p = posting_create(key="ao", kind="t", lines=[(a, 60), (b, -60)], region_code="340603000000")
    attempts = [
        lambda: Entry.objects.filter(posting=p).update(amount=1),
        lambda: Entry.objects.filter(posting=p, amount=60).delete(),
        lambda: Posting.objects.filter(pk=p.pk).update(memo="edited"),
        lambda: connection.cursor().execute("DELETE FROM ledger_posting WHERE id = %s", [p.pk]),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                attempt()
    assert sorted(Entry.objects.filter(posting=p).values_list("amount", flat=True)) == [-60, 60]
    assert Posting.objects.get(pk=p.pk).memo == ""
