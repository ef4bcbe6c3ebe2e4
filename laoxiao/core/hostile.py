"""Input no database can hold: one rule for the API, the forms and the model layer.

A string is refused when it is not encodable as UTF-8 (a lone surrogate such as ``"\\ud800"`` is
valid JSON but SQLite, the blind index and AES-GCM all fail on it) or holds a NUL byte (PostgreSQL
refuses it). An integer is refused outside the signed 64-bit range every backend stores, and a
model's integer field outside the range of its column on any backend (``PositiveSmallIntegerField``
is 0..32767 on PostgreSQL, so it is 0..32767 everywhere). A float or decimal must be finite, and a
model's decimal must fit its ``max_digits``/``decimal_places``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

#: the portable range of each integer column type (the strictest backend's, PostgreSQL's)
INTEGER_RANGES: dict[str, tuple[int, int]] = dict(BaseDatabaseOperations.integer_field_ranges)


def string_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None."""
    if "\x00" in value:
        return _("Text may not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("Text is not valid Unicode (it holds a lone surrogate).")
    return None


def integer_problem(value: int, low: int = INT64_MIN, high: int = INT64_MAX) -> str | None:
    if value < low:
        return _("Ensure this value is greater than or equal to %(limit)s.") % {"limit": low}
    if value > high:
        return _("Ensure this value is less than or equal to %(limit)s.") % {"limit": high}
    return None


def value_problem(value: Any) -> str | None:
    """The problem of one scalar (strings, integers, floats, decimals), or None."""
    if isinstance(value, str):
        return string_problem(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return integer_problem(value)
    if isinstance(value, float) and not math.isfinite(value):
        return _("Enter a finite number.")
    if isinstance(value, Decimal) and not value.is_finite():
        return _("Enter a finite number.")
    return None


def walk(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every (path, problem) in a decoded JSON-like value: dict keys are checked as well as values."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            key_text = str(key)
            if isinstance(key, str) and (problem := string_problem(key)):
                yield (*path, key_text.encode("utf-8", "backslashreplace").decode()), problem
                continue
            yield from walk(item, (*path, key_text))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from walk(item, (*path, str(index)))
    else:
        problem = value_problem(value)
        if problem:
            yield path, problem


def check_string(value: str) -> None:
    """A validator: raise ValidationError for a string no database can hold."""
    problem = string_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid")


def _decimal_problem(value: Decimal, field: Any) -> str | None:
    try:
        DecimalValidator(field.max_digits, field.decimal_places)(value)
    except ValidationError as exc:
        return " ".join(str(m) for m in exc.messages)
    return None


def check_model_instance(instance: Any) -> None:
    """Refuse to save a model whose text or integer fields no database can hold (ValidationError
    naming the fields). Called before every save; ``bulk_create`` callers validate their rows."""
    errors: dict[str, list[str]] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if value is None:
            continue
        problem: str | None = None
        if isinstance(value, str):
            problem = string_problem(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            low, high = INTEGER_RANGES.get(field.get_internal_type(), (INT64_MIN, INT64_MAX))
            problem = integer_problem(value, low, high)
        elif isinstance(value, Decimal) and field.get_internal_type() == "DecimalField":
            problem = value_problem(value) or _decimal_problem(value, field)
        elif isinstance(value, float):
            problem = value_problem(value)
        elif isinstance(value, dict | list):  # JSON fields
            found = next(walk(value), None)
            problem = found[1] if found else None
        if problem:
            errors.setdefault(field.name, []).append(problem)
    if errors:
        raise ValidationError(errors)
