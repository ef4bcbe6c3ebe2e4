"""Anti-fraud checks of a batch before it is approved: each a list of items with the reason.

- ``ended``: the beneficiary had died before the period's first day, or moved out of the city on
  or before it (the calculators' rule: alive and registered on the first day);
- ``duplicate_id``: the same ID number (the same person under two records: a child registered in
  two counties) paid twice for the programme and period, in this batch or another county's;
- ``exclusive``: also paid for the same period by a programme that excludes this one
  (``Programme.excludes``, either way), or paid a home-care programme while living in an
  institution (``people.InstitutionStay`` open on the period's first day; the programmes are the
  rule ``benefits.checks`` ``exclusive_with_institution_stay``);
- ``shared_account``: the account (by its blind index) pays more unrelated beneficiaries than the
  rule's ``shared_account_max_beneficiaries`` (children paid to a guardian of the same name count
  once: siblings);
- ``amount``: the item's amount is above the rule's maximum for the programme (``max_item_yuan``),
  or differs from what the programme's calculator gives now (a changed rule or registry: the person
  may no longer be eligible at all).

City scale: every check is one or two aggregate queries over the batch, except the recomputation,
which asks the calculator once per range of 2,000 beneficiaries (as the batch build does).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from laoxiao.benefits.eligibility import calculator_for, yuan_to_fen
from laoxiao.benefits.models import PaymentAccount, PaymentBatch, PaymentItem, Programme
from laoxiao.core.i18n import fmt
from laoxiao.core.rules import RuleMissing, rule_version
from laoxiao.people.models import InstitutionStay
from laoxiao.regions.scoping import PREFIX_LENGTH, level_of_code

S = PaymentItem.Status
NOT_LIVE = (S.FAILED, S.CANCELLED)
RULE = "benefits.checks"
RANGE = 2000


@dataclass
class Finding:
    item_id: int
    item_code: str
    beneficiary_key: str
    reason: str


@dataclass
class Check:
    key: str
    title: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.findings)


@dataclass
class BatchChecks:
    batch: PaymentBatch
    checks: list[Check]
    certainty: str = ""
    rule_from: Any = None

    @property
    def total(self) -> int:
        return sum(c.count for c in self.checks)

    def by_key(self) -> dict[str, Check]:
        return {c.key: c for c in self.checks}


def _live(batch: PaymentBatch) -> QuerySet[PaymentItem]:
    return PaymentItem.objects.filter(batch=batch).exclude(status__in=NOT_LIVE)


def check_ended(batch: PaymentBatch) -> Check:
    out = Check("ended", _("Paid but dead or moved out"))
    p = F("period")
    ended = (
        Q(elder__died_on__lt=p)
        | Q(elder__moved_out_on__lte=p)
        | Q(child__died_on__lt=p)
        | Q(child__moved_out_on__lte=p)
    )
    rows = (
        _live(batch)
        .filter(ended)
        .values_list(
            "pk",
            "code",
            "beneficiary_key",
            "elder__died_on",
            "elder__moved_out_on",
            "child__died_on",
            "child__moved_out_on",
        )
    )
    for pk, code, key, e_died, e_moved, c_died, c_moved in rows.order_by("pk"):
        died, moved = e_died or c_died, e_moved or c_moved
        if died is not None and died < batch.period:
            reason = fmt(_("Died on %(day)s, before the period."), day=died.isoformat())
        else:
            reason = fmt(_("Moved out of the city on %(day)s."), day=moved.isoformat() if moved else "")
        out.findings.append(Finding(pk, code, key, str(reason)))
    return out


def check_duplicate_ids(batch: PaymentBatch) -> Check:
    out = Check("duplicate_id", _("The same ID number paid twice"))
    same = PaymentItem.objects.filter(programme_id=batch.programme_id, period=batch.period).exclude(
        status__in=NOT_LIVE
    )
    for person in ("elder", "child"):
        hash_field = f"{person}__id_number_hash"
        mine = _live(batch).exclude(**{f"{person}__isnull": True}).values(hash_field)
        twice = (
            same.filter(**{f"{hash_field}__in": mine})
            .exclude(**{hash_field: ""})
            .values(hash_field)
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list(hash_field, flat=True)
        )
        hashes = set(twice)
        if not hashes:
            continue
        rows = same.filter(**{f"{hash_field}__in": hashes}).values_list(
            "pk", "code", "beneficiary_key", "batch_id", "region_code", hash_field
        )
        groups: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for row in rows:
            groups[row[5]].append(row)
        for group in groups.values():
            for pk, code, key, batch_id, _region, _h in group:
                if batch_id != batch.pk:
                    continue
                others = ", ".join(f"{c} ({r[:6]})" for p, c, _k, _b, r, _x in group if p != pk)
                out.findings.append(
                    Finding(
                        pk,
                        code,
                        key,
                        str(fmt(_("The same ID number is also paid in %(others)s."), others=others)),
                    )
                )
    out.findings.sort(key=lambda f: f.item_id)
    return out


def check_exclusive(batch: PaymentBatch, data: dict[str, Any]) -> Check:
    out = Check("exclusive", _("Programmes that exclude each other"))
    code = batch.programme.code
    excluded = set(batch.programme.excludes or [])
    excluded |= {
        p.code
        for p in Programme.objects.exclude(pk=batch.programme_id).only("code", "excludes")
        if code in (p.excludes or [])
    }
    keys = _live(batch).values("beneficiary_key")
    if excluded:
        rows = (
            PaymentItem.objects.filter(
                programme__code__in=sorted(excluded), period=batch.period, beneficiary_key__in=keys
            )
            .exclude(status__in=NOT_LIVE)
            .values_list("beneficiary_key", "programme__code", "code")
        )
        other: dict[str, list[str]] = defaultdict(list)
        for key, prog, item_code in rows:
            other[key].append(f"{prog} {item_code}")
        if other:
            for pk, item_code, key in (
                _live(batch)
                .filter(beneficiary_key__in=list(other))
                .values_list("pk", "code", "beneficiary_key")
            ):
                out.findings.append(
                    Finding(
                        pk,
                        item_code,
                        key,
                        str(
                            fmt(
                                _("Also paid by an excluding programme: %(items)s."),
                                items=", ".join(other[key]),
                            )
                        ),
                    )
                )
    if code in set(data.get("exclusive_with_institution_stay", [])):
        stay = InstitutionStay.objects.filter(
            elder_id=OuterRef("elder_id"), admitted_on__lte=OuterRef("period")
        ).filter(Q(left_on__isnull=True) | Q(left_on__gte=OuterRef("period")))
        for pk, item_code, key in (
            _live(batch)
            .filter(elder__isnull=False)
            .filter(Exists(stay))
            .values_list("pk", "code", "beneficiary_key")
        ):
            out.findings.append(
                Finding(pk, item_code, key, _("Lives in an institution on the period's first day."))
            )
    out.findings.sort(key=lambda f: f.item_id)
    return out


def check_shared_accounts(batch: PaymentBatch, data: dict[str, Any]) -> Check:
    out = Check("shared_account", _("Accounts shared by many beneficiaries"))
    limit = int(data.get("shared_account_max_beneficiaries", 0) or 0)
    if limit <= 0:
        return out
    keys = _live(batch).values("beneficiary_key")
    mine = PaymentAccount.objects.filter(active=True, beneficiary_key__in=keys).values("account_number_hash")
    crowded = (
        PaymentAccount.objects.filter(active=True, account_number_hash__in=mine)
        .values("account_number_hash")
        .annotate(n=Count("beneficiary_key", distinct=True))
        .filter(n__gt=limit)
        .values_list("account_number_hash", flat=True)
    )
    hashes = set(crowded)
    if not hashes:
        return out
    units: dict[str, set[str]] = defaultdict(set)
    holders: dict[str, str] = {}
    for key, h, name, child_id in PaymentAccount.objects.filter(
        active=True, account_number_hash__in=hashes
    ).values_list("beneficiary_key", "account_number_hash", "account_name", "child_id"):
        units[h].add(f"guardian:{name}" if child_id else key)  # siblings paid to one guardian: one unit
        holders[key] = h
    rows = _live(batch).filter(beneficiary_key__in=list(holders)).values_list("pk", "code", "beneficiary_key")
    for pk, item_code, key in rows.order_by("pk"):
        n = len(units[holders[key]])
        if n > limit:
            out.findings.append(
                Finding(
                    pk,
                    item_code,
                    key,
                    str(
                        fmt(
                            _("The account pays %(n)d unrelated beneficiaries (more than %(limit)d)."),
                            n=n,
                            limit=limit,
                        )
                    ),
                )
            )
    return out


def _prefix(code: str) -> str:
    return code[: PREFIX_LENGTH[level_of_code(code)]]


def check_amounts(batch: PaymentBatch, data: dict[str, Any]) -> Check:
    out = Check("amount", _("Amounts outside the rule"))
    programme = batch.programme
    top = (data.get("max_item_yuan") or {}).get(programme.code)
    over: set[int] = set()
    if top is not None:
        top_fen = yuan_to_fen(top)
        for pk, item_code, key, amount in (
            _live(batch)
            .filter(amount_fen__gt=top_fen)
            .values_list("pk", "code", "beneficiary_key", "amount_fen")
        ):
            over.add(pk)
            out.findings.append(
                Finding(
                    pk,
                    item_code,
                    key,
                    str(
                        fmt(
                            _("%(amount)s yuan is above the maximum of %(top)s."),
                            amount=f"{amount / 100:.2f}",
                            top=top,
                        )
                    ),
                )
            )
    try:
        calc = calculator_for(programme)
    except LookupError:
        calc = None
    if calc is not None:
        src = {"elder": "elder_id", "child": "child_id", "provider": "provider_id"}.get(calc.source)
        if src:
            rows = list(
                _live(batch)
                .exclude(**{f"{src}__isnull": True})
                .order_by(src)
                .values_list(src, "pk", "code", "beneficiary_key", "amount_fen")
            )
            prefix = _prefix(batch.region_code)
            for i in range(0, len(rows), RANGE):
                part = rows[i : i + RANGE]
                due = {
                    p.beneficiary_key: p.amount_fen
                    for p in calc.payables(programme, batch.period, prefix, part[0][0], part[-1][0])
                }
                for _sid, pk, item_code, key, amount in part:
                    now = due.get(key, 0)
                    if now != amount and pk not in over:
                        reason = (
                            fmt(
                                _("Not eligible now (the item pays %(amount)s yuan)."),
                                amount=f"{amount / 100:.2f}",
                            )
                            if now == 0
                            else fmt(
                                _("The rule gives %(now)s yuan now, the item pays %(amount)s."),
                                now=f"{now / 100:.2f}",
                                amount=f"{amount / 100:.2f}",
                            )
                        )
                        out.findings.append(Finding(pk, item_code, key, str(reason)))
    out.findings.sort(key=lambda f: f.item_id)
    return out


def batch_checks(*, actor: Any, batch: PaymentBatch) -> BatchChecks:
    """Every check of ``batch`` (which the caller read with ``visible_to(actor)``)."""
    visible = PaymentBatch.objects.visible_to(actor).filter(pk=batch.pk).exists()
    if not visible:
        return BatchChecks(batch=batch, checks=[])
    try:
        version = rule_version(RULE, on=batch.period)
        data, certainty, since = dict(version.data), version.certainty, version.effective_from
    except RuleMissing:
        data, certainty, since = {}, "", None
    checks = [
        check_ended(batch),
        check_duplicate_ids(batch),
        check_exclusive(batch, data),
        check_shared_accounts(batch, data),
        check_amounts(batch, data),
    ]
    return BatchChecks(batch=batch, checks=checks, certainty=certainty, rule_from=since)
