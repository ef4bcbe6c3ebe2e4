"""Which rating counts (one place for the rule; supervision owns the ratings):

- the **grade in force** on a day: not revoked, rated on or before that day, and valid until that
  day or without an end (``grade_in_force(on)``); of those, the latest (``GRADE_LATEST``);
- the **credit level**: the most recently computed rating (``CREDIT_LATEST``).

This module imports no model of ``laoxiao.supervision`` (the rating models are looked up by their
app label), so that ``laoxiao.providers`` can annotate its lists with the rule and no import
circle runs between the two apps (supervision imports providers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db.models import CharField, IntegerField, OuterRef, Q, Subquery

GRADE_LATEST = ("-rated_on", "-id")
CREDIT_LATEST = ("-computed_on", "-id")


def grade_in_force(on: dt.date, prefix: str = "") -> Q:
    """The grades in force on ``on`` (``prefix``: the path to the rating, e.g. ``"grades__"``)."""
    return Q(**{f"{prefix}revoked": False, f"{prefix}rated_on__lte": on}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on})
    )


def rating_subqueries(on: dt.date, provider: str = "pk") -> dict[str, Any]:
    """``grade`` (in force on ``on``) and ``credit_level`` (latest) of the provider at ``provider``
    of the outer query, as subqueries for ``annotate``."""
    grade_rating = apps.get_model("supervision", "GradeRating")
    credit_rating = apps.get_model("supervision", "CreditRating")
    grade = (
        grade_rating.objects.filter(grade_in_force(on), provider=OuterRef(provider))
        .order_by(*GRADE_LATEST)
        .values("grade")[:1]
    )
    credit = (
        credit_rating.objects.filter(provider=OuterRef(provider)).order_by(*CREDIT_LATEST).values("level")[:1]
    )
    return {
        "grade": Subquery(grade, output_field=IntegerField()),
        "credit_level": Subquery(credit, output_field=CharField()),
    }
