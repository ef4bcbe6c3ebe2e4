"""Writes of the core app: a city's own version of a rule (``rule_version_create``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from laoxiao.core.access import is_city_admin
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog, RuleVersion
from laoxiao.core.rules import KEY_RE, check_version


def rule_version_create(
    *,
    actor: Any,
    key: str,
    effective_from: dt.date | str,
    data: Any,
    certainty: str,
    source: str = "",
    note: str = "",
) -> RuleVersion:
    """A city administrator adds a version of a rule (a new key, or a new date of a known one);
    refuses a second version of the same key and date (a field error on ``effective_from``)."""
    if not is_city_admin(actor):
        raise PermissionDenied(_("Only a city administrator adds rule versions."))
    key = (key or "").strip()
    errors: dict[str, Any] = {}
    if len(key) > 80 or not KEY_RE.match(key):
        errors["key"] = _("Not a rule key (app.name, lower case, at most 80 characters).")
    day = effective_from.isoformat() if isinstance(effective_from, dt.date) else str(effective_from or "")
    errors.update(
        check_version(
            {"effective_from": day, "data": data, "certainty": certainty, "source": source, "note": note}
        )
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if RuleVersion.objects.filter(key=key, effective_from=day).exists():
            raise ValidationError({"effective_from": _("This rule already has a version from this date.")})
        title = (
            RuleVersion.objects.filter(key=key)
            .order_by("-effective_from")
            .values_list("title", flat=True)
            .first()
        )
        try:
            with transaction.atomic():
                row = RuleVersion.objects.create(
                    key=key,
                    effective_from=dt.date.fromisoformat(day),
                    data=data,
                    title=title or "",
                    certainty=certainty,
                    source=source,
                    note=note,
                )
        except IntegrityError:
            raise ValidationError(
                {"effective_from": _("This rule already has a version from this date.")}
            ) from None
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=row,
            changes={
                "key": [None, key],
                "effective_from": [None, day],
                "data": [None, data],
                "certainty": [None, certainty],
                "source": [None, source],
            },
            region_code="",
        )
    return row
