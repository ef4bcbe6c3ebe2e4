"""The demo city's money (``laoxiao.demo.benefits``), built at a small scale as of a day in 2026."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Sum

from laoxiao.benefits.models import Application, Overpayment, PaymentAccount, PaymentBatch, PaymentItem
from laoxiao.benefits.selectors.checks import batch_checks
from laoxiao.demo.generator import build_demo_city
from laoxiao.ledger.models import Entry

SCALE = 0.01
SEED = 5
AS_OF = dt.date(2026, 6, 15)
SKIP = ("supervision", "tasks", "residential", "indicators", "reported", "plan-life")


@pytest.fixture(scope="module")
def demo_money(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            ctx = build_demo_city(SEED, SCALE, as_of=AS_OF, skip=SKIP)
            yield ctx
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_three_months_paid_and_reconciled_and_one_waiting(demo_money):
    summary = demo_money.summary["benefits"]
    assert summary["accounts"] > 0 and summary["items_paid"] > 0
    regular = PaymentBatch.objects.filter(kind="regular")
    months = sorted({b.period for b in regular.filter(status="reconciled")})
    assert months == [dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)]
    for code in ("elderly_allowance", "childcare_subsidy"):
        assert regular.filter(programme__code=code, status="reconciled").count() == 3
    waiting = regular.get(status="ready")
    assert (waiting.programme.code, waiting.period) == ("elderly_allowance", dt.date(2026, 6, 1))
    assert waiting.items_count == summary["waiting_for_approval"] > 0
    # every sent item has its answer; every item a month did not pay (a bank failure, or held for
    # want of an account when it was sent) is in that month's follow-up, paid there when it has an
    # account by then
    assert not PaymentItem.objects.filter(status="sent").exists()
    unpaid = PaymentItem.objects.filter(status="failed", batch__kind="regular")
    assert unpaid.filter(status_reason__startswith="not sent, held").exists()
    assert unpaid.exclude(status_reason__startswith="not sent, held").exists()  # the bank's failures
    for item in unpaid:
        if item.status_reason.startswith("stopped"):
            continue
        (retry,) = item.retries.all()
        assert retry.status == ("paid" if retry.account_id else "failed"), (item.status_reason, retry.status)
    # the ledger sums to zero, and what is paid equals the paid items
    assert Entry.objects.aggregate(s=Sum("amount"))["s"] == 0
    paid_fen = PaymentItem.objects.filter(status="paid").aggregate(s=Sum("amount_fen"))["s"]
    recovered = Overpayment.objects.aggregate(s=Sum("amount_fen"))["s"] or 0
    paid_balance = Entry.objects.filter(account__kind="paid").aggregate(s=Sum("amount"))["s"]
    assert paid_balance == paid_fen - recovered


@pytest.mark.django_db
def test_one_death_recovered_and_accounts_for_most(demo_money):
    op = Overpayment.objects.get()
    assert op.status == "recovered" and op.recovered_fen == op.amount_fen
    assert op.item.elder.died_on is not None and op.item.period > op.item.elder.died_on
    items = PaymentItem.objects.filter(batch__kind="regular", batch__status="reconciled")
    held = items.filter(status="failed", status_reason__startswith="not sent, held").count()
    assert 0 < held < items.count() * 0.1  # most have an account; the others were held, not sent
    assert PaymentAccount.objects.filter(active=True).count() == demo_money.summary["benefits"]["accounts"]


@pytest.mark.django_db
def test_applications_at_every_step(demo_money):
    apps = Application.objects.filter(programme__code="service_subsidy")
    assert demo_money.summary["benefits"]["applications"] == apps.count()
    if apps.exists():  # the demo community has a dibao elder at this scale
        assert apps.filter(status="approved").count() == 1
        assert apps.filter(status="pending").exists()


@pytest.mark.django_db
def test_the_waiting_batch_passes_its_checks(demo_money, django_user_model):
    admin = django_user_model.objects.get(username="admin")
    waiting = PaymentBatch.objects.get(kind="regular", status="ready")
    checks = batch_checks(actor=admin, batch=waiting)
    assert len(checks.checks) >= 5 and checks.total == 0, [(c.key, c.count) for c in checks.checks]
