"""Payment accounts: where a beneficiary is paid. One current account per beneficiary; setting a
new one keeps the old with ``active=False``. The account number is encrypted at rest, found by its
blind index, and never logged in clear (``PROTECTED_FIELDS`` → the change log masks it).

Who may set an account: an officer of the person's region and sector (elder care for an older
person, childcare for a child, the provider's sector for a provider) — never a provider's own
operator (an account is where public money goes). A child is paid through a guardian: the account
name must be the name of one of the child's guardians. An older person's account name is not
checked against their name (an agent's account is lawful; the anti-fraud check of accounts shared
by many beneficiaries watches for abuse).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from laoxiao.benefits.eligibility import beneficiary_key as key_of
from laoxiao.benefits.models import PaymentAccount
from laoxiao.core.access import provider_id_of, require_region_and_sector, sector_of_kind
from laoxiao.core.bulk import BATCH, Progress, WriteResult, chunks
from laoxiao.core.changelog import build_entry, log_many
from laoxiao.core.crypto import blind_index
from laoxiao.core.models import ChangeLog
from laoxiao.people.models import Child, Elder, Guardian
from laoxiao.providers.models import Provider

ACCOUNT_NUMBER = re.compile(r"[0-9]{12,30}")
BANK_CODE = re.compile(r"[A-Z0-9]{2,20}")
ACCOUNT_PURPOSE = "account"


def clean_account_number(value: Any) -> str:
    """Digits only (spaces and dashes as written on a card are dropped), 12 to 30 long."""
    text = re.sub(r"[\s-]", "", str(value or ""))
    if not ACCOUNT_NUMBER.fullmatch(text):
        raise ValidationError(_("An account number is 12 to 30 digits."))
    return text


def clean_bank_code(value: Any) -> str:
    text = str(value or "").strip().upper()
    if not BANK_CODE.fullmatch(text):
        raise ValidationError(_("A bank code is 2 to 20 letters or digits."))
    return text


def clean_account_name(value: Any) -> str:
    text = " ".join(str(value or "").split())
    if not text or len(text) > 100:
        raise ValidationError(_("Give the account holder's name (at most 100 characters)."))
    return text


def guardian_names(child_ids: Sequence[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for ids in chunks(list(child_ids)):
        for child_id, name in Guardian.objects.filter(child_id__in=list(ids)).values_list("child_id", "name"):
            out.setdefault(child_id, set()).add(" ".join(name.split()))
    return out


@dataclass(frozen=True)
class Beneficiary:
    key: str
    region_code: str
    sector: str
    elder: Elder | None = None
    child: Child | None = None
    provider: Provider | None = None


def beneficiary(
    *, elder: Elder | None = None, child: Child | None = None, provider: Provider | None = None
) -> Beneficiary:
    given = [x for x in (elder, child, provider) if x is not None]
    if len(given) != 1:
        raise ValidationError({"beneficiary": _("Name one older person, child or provider.")})
    if elder is not None:
        return Beneficiary(key_of(elder_id=elder.pk), elder.region_code, "eldercare", elder=elder)
    if child is not None:
        return Beneficiary(key_of(child_id=child.pk), child.region_code, "childcare", child=child)
    assert provider is not None
    return Beneficiary(
        key_of(provider_id=provider.pk),
        provider.region_code,
        sector_of_kind(provider.kind),
        provider=provider,
    )


def require_account_officer(actor: Any, who: Beneficiary) -> None:
    require_region_and_sector(actor, who.region_code, who.sector)
    if provider_id_of(actor) and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("A provider's operator cannot set payment accounts."))


def _clean(values: Mapping[str, Any], who: Beneficiary, names: set[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for field, fn in (
        ("bank_code", clean_bank_code),
        ("account_number", clean_account_number),
        ("account_name", clean_account_name),
    ):
        try:
            out[field] = fn(values.get(field))
        except ValidationError as exc:
            errors[field] = exc.messages[0]
    if who.child is not None and "account_name" in out and out["account_name"] not in (names or set()):
        errors["account_name"] = _(
            "A child is paid to a guardian: give the name of one of the child's guardians."
        )
    if errors:
        raise ValidationError(errors)
    return out


def _same(acc: PaymentAccount, data: Mapping[str, Any]) -> bool:
    return (
        acc.account_number_hash == blind_index(data["account_number"], purpose=ACCOUNT_PURPOSE)
        and acc.bank_code == data["bank_code"]
        and acc.account_name == data["account_name"]
    )


def _new_account(who: Beneficiary, data: Mapping[str, Any]) -> PaymentAccount:
    return PaymentAccount(
        beneficiary_key=who.key,
        elder=who.elder,
        child=who.child,
        provider=who.provider,
        region_code=who.region_code,
        **data,
    )


def _entries(actor: Any, old: PaymentAccount | None, new: PaymentAccount) -> list[ChangeLog]:
    out = []
    if old is not None:
        out.append(
            build_entry(
                actor=actor, action=ChangeLog.Action.UPDATE, target=old, changes={"active": [True, False]}
            )
        )
    out.append(
        build_entry(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=new,
            changes={f: [None, getattr(new, f)] for f in ("bank_code", "account_number", "account_name")},
        )
    )
    return out


@transaction.atomic
def account_set(
    *,
    actor: Any,
    elder: Elder | None = None,
    child: Child | None = None,
    provider: Provider | None = None,
    bank_code: str,
    account_number: str,
    account_name: str,
) -> PaymentAccount:
    """Set the beneficiary's current account (the old one is kept, no longer current). The same
    account again changes nothing."""
    who = beneficiary(elder=elder, child=child, provider=provider)
    require_account_officer(actor, who)
    names = guardian_names([child.pk]).get(child.pk, set()) if child is not None else None
    data = _clean(
        {"bank_code": bank_code, "account_number": account_number, "account_name": account_name}, who, names
    )
    old = PaymentAccount.objects.select_for_update().filter(beneficiary_key=who.key, active=True).first()
    if old is not None and _same(old, data):
        return old
    new = _new_account(who, data)
    try:
        with transaction.atomic():
            if old is not None:
                PaymentAccount.objects.filter(pk=old.pk, active=True).update(active=False)
            new.save()
    except IntegrityError:
        raise ValidationError(
            {"account_number": _("The account was changed by someone else meanwhile; reload and try again.")}
        ) from None
    log_many(_entries(actor, old, new))
    return new


def accounts_set_many(*, actor: Any, rows: Sequence[Mapping[str, Any]], progress: Progress) -> WriteResult:
    """Bulk ``account_set`` for the import (rows already checked: ``who`` a ``Beneficiary`` the actor
    may act for, and clean ``bank_code``, ``account_number``, ``account_name``), in the caller's
    transaction: one query per thousand for the current accounts, one update, one insert."""
    result = WriteResult()
    by_key = {r["who"].key: r for r in rows}
    for keys in chunks(sorted(by_key), BATCH):
        current = {
            a.beneficiary_key: a
            for a in PaymentAccount.objects.select_for_update().filter(
                beneficiary_key__in=list(keys), active=True
            )
        }
        replaced: list[int] = []
        new: list[PaymentAccount] = []
        entries: list[ChangeLog] = []
        for key in keys:
            row = by_key[key]
            data = {f: row[f] for f in ("bank_code", "account_number", "account_name")}
            old = current.get(key)
            if old is not None and _same(old, data):
                result.unchanged += 1
                continue
            if old is not None:
                replaced.append(old.pk)
                result.updated += 1
            else:
                result.created += 1
            acc = _new_account(row["who"], data)
            new.append(acc)
        PaymentAccount.objects.filter(pk__in=replaced).update(active=False)
        PaymentAccount.objects.bulk_create(new, batch_size=BATCH)
        fresh = {
            a.beneficiary_key: a
            for a in PaymentAccount.objects.filter(
                beneficiary_key__in=[a.beneficiary_key for a in new], active=True
            )
        }
        for acc in new:
            entries.extend(_entries(actor, current.get(acc.beneficiary_key), fresh[acc.beneficiary_key]))
        log_many(entries)
        progress(len(keys))
    return result
