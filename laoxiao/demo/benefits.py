"""The demo city's money (stream 51): payment accounts for most beneficiaries, budgets, the last
three months' advanced-age allowance and childcare subsidy paid and reconciled (a few failures paid
again by a follow-up batch), one death after a paid month recovered, this month's allowance batch
waiting for approval, and a few applications under review.

Everything goes through the benefits actions and the reconciliation import, as a city's officers
would: the system account makes the batches, the demo city administrator (``admin``) approves them
(maker-checker) and reconciles the bank's answer. Amounts come from the programmes' rules; budgets
are what the eligible people of each county would be paid in a year, and a tenth more.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from laoxiao.benefits.actions.applications import application_submit, application_vote
from laoxiao.benefits.actions.batches import (
    batch_approve,
    batch_build,
    batch_follow_up,
    batch_open,
    batch_send,
)
from laoxiao.benefits.actions.budgets import budget_set
from laoxiao.benefits.actions.overpayments import overpayment_notify, overpayment_recover
from laoxiao.benefits.eligibility import calculator_for
from laoxiao.benefits.models import Overpayment, PaymentAccount, PaymentBatch, PaymentItem, Programme
from laoxiao.core import bulk
from laoxiao.demo.accounts import demo_accounts_ensure
from laoxiao.demo.kernel import Advance, DemoContext, rng_for
from laoxiao.demo.people import CITY_CODE
from laoxiao.imports.base import run_import
from laoxiao.people.actions.elders import elder_death
from laoxiao.people.models import Child, Elder, Guardian

STREAM_BENEFITS = 51
PROGRAMMES = ("elderly_allowance", "childcare_subsidy")
ACCOUNT_SHARE = 0.96  # of the people a programme pays, how many have given an account
FAIL_SHARE = 0.003  # of the items sent, how many the bank returns (an account closed)
BANKS = ("ICBC", "ABC", "BOC", "CCB", "PSBC", "AHRCU")
FAILURES = ("账户已销户", "户名与账号不符", "账户冻结")
LOG_NOTE = "demo city: payments"


def _month(day: dt.date, back: int) -> dt.date:
    n = day.year * 12 + day.month - 1 - back
    return dt.date(n // 12, n % 12 + 1, 1)


def benefits_size(ctx: DemoContext) -> int:
    return 3 * len(PROGRAMMES) + 4


def benefits_step(ctx: DemoContext, advance: Advance) -> None:
    if PaymentBatch.objects.filter(region_code__startswith=CITY_CODE[:4]).exists():
        ctx.summary["benefits"] = {"benefits": "exist already: left as they are"}
        advance(benefits_size(ctx))
        return
    rng = rng_for(ctx.seed, STREAM_BENEFITS)
    summary: dict[str, Any] = {}
    ctx.summary["benefits"] = summary
    checker = _checker(ctx)
    summary["accounts"] = _accounts(ctx, rng)
    advance(1)
    months = [_month(ctx.as_of, back) for back in (3, 2, 1)]
    programmes = {p.code: p for p in Programme.objects.filter(code__in=PROGRAMMES)}
    summary["budgets"] = _budgets(ctx, checker, programmes, months)
    advance(1)
    paid = failed = 0
    for code in PROGRAMMES:
        for period in months:
            p, f = _pay_month(ctx, rng, checker, programmes[code], period)
            paid, failed = paid + p, failed + f
            advance(1)
    summary["items_paid"], summary["items_failed_then_paid"] = paid, failed
    summary["recovered"] = _death_recovered(ctx, checker, programmes["elderly_allowance"], months[-1])
    advance(1)
    waiting = batch_open(
        actor=ctx.actor,
        programme=programmes["elderly_allowance"],
        period=_month(ctx.as_of, 0),
        region_code=CITY_CODE.ljust(12, "0"),
    )
    batch_build(batch=waiting, actor=ctx.actor)
    waiting.refresh_from_db()
    summary["waiting_for_approval"] = waiting.items_count
    advance(1)
    summary["applications"] = _applications(ctx)
    advance(1)


def _checker(ctx: DemoContext) -> Any:
    """The demo city administrator (``admin``, made now with the other demo accounts if missing):
    the second pair of eyes on every batch the system account makes."""
    demo_accounts_ensure(actor=ctx.actor)
    return get_user_model().objects.get(username="admin")


def _accounts(ctx: DemoContext, rng: np.random.Generator) -> int:
    """Accounts for most people the two programmes may pay: the older people aged 79 and over (the
    allowance starts at the youngest band of the rule) and the children under three, whose account
    is a guardian's."""
    horizon = _month(ctx.as_of, -1)
    oldest = dt.date(horizon.year - 79, horizon.month, 1)
    elders = list(
        Elder.objects.filter(
            region_code__startswith=CITY_CODE[:4], birth_date__lte=oldest, died_on__isnull=True
        )
        .order_by("pk")
        .values_list("pk", "region_code", "name")
    )
    youngest = dt.date(ctx.as_of.year - 3, 1, 1)
    children = list(
        Child.objects.filter(
            region_code__startswith=CITY_CODE[:4], birth_date__gte=youngest, died_on__isnull=True
        )
        .order_by("pk")
        .values_list("pk", "region_code")
    )
    guardian: dict[int, str] = {}
    for child_id, name in (
        Guardian.objects.filter(child_id__in=[c[0] for c in children])
        .order_by("pk")
        .values_list("child_id", "name")
    ):
        guardian.setdefault(child_id, name)
    records: list[dict[str, Any]] = []
    for pk, region, name in elders:
        if rng.random() < ACCOUNT_SHARE:
            records.append(_account(rng, f"e{pk}", region, name, elder_id=pk))
    for pk, region in children:
        if pk in guardian and rng.random() < ACCOUNT_SHARE:
            records.append(_account(rng, f"c{pk}", region, guardian[pk], child_id=pk))
    bulk.insert_rows(PaymentAccount, records, actor=ctx.actor, note=LOG_NOTE, batch_size=5000)
    return len(records)


def _account(rng: np.random.Generator, key: str, region: str, name: str, **person: int) -> dict[str, Any]:
    digits = "".join(str(d) for d in rng.integers(0, 10, size=15))
    return {
        "beneficiary_key": key,
        "region_code": region,
        "bank_code": BANKS[int(rng.integers(len(BANKS)))],
        "account_number": f"6222{digits}",
        "account_name": name,
        **person,
    }


def _budgets(ctx: DemoContext, checker: Any, programmes: dict[str, Programme], months: list[dt.date]) -> int:
    """Each county's budget for the years of the paid months: a year of what its eligible people
    are paid in the first month, and a tenth more (from the calculators: the amounts are the rules')."""
    n = 0
    for programme in programmes.values():
        calc = calculator_for(programme)
        for year in sorted({m.year for m in months} | {ctx.as_of.year}):
            first = max(dt.date(year, 1, 1), months[0]) if year == months[0].year else dt.date(year, 1, 1)
            ids = list(calc.candidate_ids(programme, first, CITY_CODE[:4]))
            per_county: dict[str, int] = {}
            if ids:
                for p in calc.payables(programme, first, CITY_CODE[:4], ids[0], ids[-1]):
                    county = p.region_code[:6] + "000000"
                    per_county[county] = per_county.get(county, 0) + p.amount_fen
            for county, month_fen in sorted(per_county.items()):
                budget_set(
                    actor=checker,
                    programme=programme,
                    region_code=county,
                    year=year,
                    amount_fen=month_fen * 12 * 11 // 10,
                    note="演示预算 demo budget",
                )
                n += 1
    return n


def _pay_month(
    ctx: DemoContext, rng: np.random.Generator, checker: Any, programme: Programme, period: dt.date
) -> tuple[int, int]:
    """One month of a programme: built by the system, approved and sent by the administrator, the
    bank's answer reconciled (a few items fail), the failures paid by a follow-up batch."""
    batch = batch_open(
        actor=ctx.actor, programme=programme, period=period, region_code=CITY_CODE.ljust(12, "0")
    )
    batch_build(batch=batch, actor=ctx.actor)
    batch.refresh_from_db()
    if not batch.items_count:  # the programme pays no one that month (e.g. before its rule)
        return 0, 0
    batch_approve(actor=checker, batch=batch)
    batch_send(actor=checker, batch=batch)
    paid_on = period + dt.timedelta(days=9)
    sent = list(
        PaymentItem.objects.filter(batch=batch, status=PaymentItem.Status.SENT)
        .order_by("pk")
        .values_list("code", "amount_fen")
    )
    fails = {code for code, _ in sent if rng.random() < FAIL_SHARE}
    _reconcile(checker, batch.pk, sent, fails, paid_on, rng)
    # the month's follow-up: the bank's failures and what was held for want of an account
    if PaymentItem.objects.filter(batch=batch, status=PaymentItem.Status.FAILED).exists():
        follow = batch_follow_up(actor=ctx.actor, batch=PaymentBatch.objects.get(pk=batch.pk))
        batch_approve(actor=checker, batch=follow)
        batch_send(actor=checker, batch=follow)
        again = list(
            PaymentItem.objects.filter(batch=follow, status=PaymentItem.Status.SENT)
            .order_by("pk")
            .values_list("code", "amount_fen")
        )
        if again:
            _reconcile(checker, follow.pk, again, set(), paid_on + dt.timedelta(days=5), rng)
    return len(sent) - len(fails), len(fails)


def _reconcile(
    checker: Any,
    batch_id: int,
    sent: list[tuple[str, int]],
    fails: set[str],
    paid_on: dt.date,
    rng: np.random.Generator,
) -> None:
    """The bank's answer file for a batch, imported as an officer would upload it."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["item_code", "status", "paid_on", "amount", "bank_reference", "failure_reason"])
    for n, (code, fen) in enumerate(sent):
        amount = f"{fen // 100}.{fen % 100:02d}"
        if code in fails:
            w.writerow([code, "failed", "", amount, "", FAILURES[int(rng.integers(len(FAILURES)))]])
        else:
            w.writerow([code, "paid", paid_on.isoformat(), amount, f"B{batch_id:05d}{n:07d}", ""])
    report = run_import(
        "payment-results",
        io.BytesIO(out.getvalue().encode("utf-8")),
        actor=checker,
        filename=f"bank-results-batch-{batch_id}.csv",
    )
    if not report.ok:
        raise RuntimeError(f"demo reconciliation of batch {batch_id} refused: {report.errors[:3]}")


def _death_recovered(ctx: DemoContext, checker: Any, programme: Programme, last: dt.date) -> int:
    """One older person paid for the last month is found to have died the month before (the family
    told the community late): the payment becomes an overpayment, notified and recovered."""
    before = last - dt.timedelta(days=1)
    candidates = (
        PaymentItem.objects.filter(
            programme=programme, period=last, status=PaymentItem.Status.PAID, elder__isnull=False
        )
        .order_by("pk")
        .values_list("elder_id", flat=True)[:50]
    )
    for elder_id in candidates:
        elder = Elder.objects.get(pk=elder_id)
        try:
            with transaction.atomic():
                elder_death(actor=ctx.actor, elder=elder, died_on=before)
        except ValidationError:  # records dated after that day: another person
            continue
        recovered = 0
        for op in Overpayment.objects.filter(item__elder_id=elder_id).order_by("pk"):
            op = overpayment_notify(actor=checker, overpayment=op, note="已电话告知家属 the family was told")
            overpayment_recover(actor=checker, overpayment=op, amount_fen=op.amount_fen)
            recovered += op.amount_fen
        return recovered
    return 0


def _applications(ctx: DemoContext) -> int:
    """Applications for the home-care service subsidy in the demo community, submitted by its grid
    worker: one approved at every step, one waiting at the county, the others at the community."""
    User = get_user_model()
    worker = User.objects.filter(username="xiangnan_sq").first()
    second = User.objects.filter(username="xiangnan_sq2").first()
    township = User.objects.filter(username="xiangnan_mz").first()
    county = User.objects.filter(username="xiangshan_mz").first()
    programme = Programme.objects.filter(code="service_subsidy").first()
    if not (worker and second and township and county and programme):
        return 0
    community = worker.region_assignments.values_list("region_code", flat=True).first()
    elders = list(
        Elder.objects.filter(
            region_code=community,
            died_on__isnull=True,
            moved_out_on__isnull=True,
            categories__category="dibao",
        )
        .distinct()
        .order_by("pk")[:5]
    )
    made = 0
    for n, elder in enumerate(elders):
        app = application_submit(
            actor=worker, programme=programme, elder=elder, note="低保老人，申请居家养老服务补贴"
        )
        made += 1
        voters = [second, township, county][: (3 if n == 0 else 2 if n == 1 else 0)]
        for voter in voters:
            app.refresh_from_db()
            application_vote(actor=voter, application=app, decision="approve", reason="材料齐全，情况属实")
    return made
