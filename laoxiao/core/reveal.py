"""Revealing personal data: scope, permission, and a change-log row for every full view or refusal.

Models declare their protected fields: ``PROTECTED_FIELDS = {"id_number": "id", "phone": "phone"}``
(kinds: "id", "phone", "account" — each with its masker in ``core.masking.mask_as``).
Pages and the API show them masked; ``reveal_field`` returns the full value to an actor with
``accounts.reveal_personal_data`` who may see the record, and logs who saw what, when.

"May see the record" is the same scoped read as the record's detail page (region, sector, a
provider operator's own provider): ``SCOPED_READS`` maps each protected model to the function that
gives the actor's visible rows of it. A protected model missing from the map cannot be revealed
(deny by default; ``test_every_protected_model_has_a_scoped_read`` keeps the map complete).

A refusal (unknown type or field, malformed id, out of scope, no permission) is logged as
``reveal_denied`` in its own transaction after the refusal (so the exception cannot roll it back),
without the value, the record's name or region: the row is seen only in the whole-city log, so
the log cannot tell the prober which ids hit a record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from laoxiao.accounts.roles import REVEAL
from laoxiao.core.changelog import log_change
from laoxiao.core.errors import NotFound
from laoxiao.core.masking import mask_as
from laoxiao.core.models import ChangeLog

# model label → "module:function" giving ``function(actor) -> QuerySet`` of the rows ``actor`` sees,
# the same read as the detail page of that record.
SCOPED_READS: dict[str, str] = {
    "people.elder": "laoxiao.people.selectors.elders:visible_elders",
    "people.contact": "laoxiao.people.selectors.elders:visible_contacts",
    "people.child": "laoxiao.people.selectors.children:visible_children",
    "people.guardian": "laoxiao.people.selectors.children:visible_guardians",
    "providers.provider": "laoxiao.core.reveal:_manager_visible_to",
    "providers.staffmember": "laoxiao.core.reveal:_manager_visible_to",
    "benefits.paymentaccount": "laoxiao.benefits.selectors.accounts:visible_accounts",
}

_PK = re.compile(r"[1-9][0-9]{0,17}")
MAX_PK = 2**63 - 1


def _manager_visible_to(model: type[models.Model], actor: Any) -> QuerySet[Any]:
    """For models whose manager already scopes by region, sector and provider."""
    return model._default_manager.visible_to(actor)  # type: ignore[attr-defined]


def register_scoped_read(label: str, target: str) -> None:
    """Add a protected model (tests' models, a new app) to the map."""
    SCOPED_READS[label] = target


def scoped_rows(model: type[models.Model], actor: Any) -> QuerySet[Any]:
    """The rows of a protected ``model`` the actor sees, by the detail page's rule (none if unmapped)."""
    target = SCOPED_READS.get(model._meta.label_lower)
    if target is None:
        return model._default_manager.none()
    module, name = target.split(":")
    read: Callable[..., QuerySet[Any]] = getattr(import_module(module), name)
    if name == "_manager_visible_to":
        return read(model, actor)
    return read(actor)


def masked(obj: models.Model, field: str) -> str:
    kind = getattr(obj, "PROTECTED_FIELDS", {}).get(field)
    value = getattr(obj, field, "") or ""
    if kind is None:
        return str(value)
    return mask_as(kind, value)


def protected_model(target_type: str) -> type[models.Model]:
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        raise NotFound(target_type) from None
    if not getattr(model, "PROTECTED_FIELDS", None):
        raise NotFound(target_type)
    return model


def parse_pk(target_id: Any) -> int:
    """A primary key from user input: plain ASCII digits within a 64-bit integer, else ``NotFound``."""
    text = target_id if isinstance(target_id, str) else ""
    if not _PK.fullmatch(text) or int(text) > MAX_PK:
        raise NotFound("target_id")
    return int(text)


def _clean(text: Any, size: int) -> str:
    """User input made safe to store in a log row (no NUL, no lone surrogates), cut to ``size``."""
    value = str(text).encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    return value[:size]


def _log_denied(*, actor: Any, target_type: Any, target_id: Any, field: Any, reason: str) -> None:
    """One ``reveal_denied`` row: in its own transaction (savepoint when inside one), no region, no
    name, no value: it says who tried what, never whether the record exists."""
    if not getattr(actor, "pk", None):
        return
    with transaction.atomic():
        ChangeLog(
            actor=actor,
            actor_name=getattr(actor, "username", ""),
            action=ChangeLog.Action.REVEAL_DENIED,
            target_type=_clean(target_type, 64),
            target_id=_clean(target_id, 64),
            target_repr="",
            region_code="",
            changes={},
            note=_clean(field, 300),
        ).save()
        del reason  # the reason stays out of the row: "not found" against "forbidden" would tell


@transaction.atomic
def _reveal(*, actor: Any, target_type: str, target_id: Any, field: str) -> str:
    model = protected_model(target_type)
    if field not in model.PROTECTED_FIELDS:  # type: ignore[attr-defined]
        raise NotFound(field)
    pk = parse_pk(target_id)
    obj = scoped_rows(model, actor).filter(pk=pk).first()
    if obj is None:
        raise NotFound(str(pk))
    if not actor.has_perm(REVEAL):
        raise PermissionDenied(_("You may not see full personal data."))
    log_change(actor=actor, action=ChangeLog.Action.REVEAL, target=obj, changes={}, note=field)
    return str(getattr(obj, field))


def reveal_many(*, actor: Any, target: models.Model, fields: list[str], rows: int, note: str = "") -> None:
    """Before a file of full values (a payment file with ``--reveal``): the actor needs the reveal
    permission (else ``PermissionDenied``, logged as ``reveal_denied``), and ONE reveal row names the
    ``target`` (a batch), the fields and how many rows were shown. Scope is the caller's: it reveals
    only rows it read through ``visible_to``."""
    if not getattr(actor, "is_active", False) or not actor.has_perm(REVEAL):
        _log_denied(
            actor=actor,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            field=",".join(fields),
            reason="PermissionDenied",
        )
        raise PermissionDenied(_("You may not see full personal data."))
    text = f"{','.join(fields)} × {rows}" + (f" ({note})" if note else "")
    log_change(actor=actor, action=ChangeLog.Action.REVEAL, target=target, changes={}, note=text)


def reveal_field(*, actor: Any, target_type: str, target_id: Any, field: str) -> str:
    """The full value of one protected field, or ``NotFound`` (as the detail page) / ``PermissionDenied``;
    a refusal is logged after the refused transaction has ended."""
    try:
        return _reveal(actor=actor, target_type=target_type, target_id=target_id, field=field)
    except (NotFound, PermissionDenied) as exc:
        _log_denied(
            actor=actor, target_type=target_type, target_id=target_id, field=field, reason=type(exc).__name__
        )
        raise
