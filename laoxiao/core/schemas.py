"""Shared API shapes, and ``contract``: what the code enforces is what an input schema says.

``@contract(Model)`` on an input schema (a body, or the query of a list) completes each field from
what the model and the database enforce, so the OpenAPI document says it and the schema refuses it
with 422 before any code runs:

- a field named as a model field gets the field's ``choices`` (an enum), ``max_length``, the range of
  its integer column (a ``beds_added`` of 2**63 is refused by the schema, not by SQLite's overflow) and
  its validators' bounds, a decimal's digits;
- every integer without a model field gets the range of a 32-bit column (no database holds more);
- every date and date-time is an ISO string (``YYYY-MM-DD``): pydantic alone reads ``6.7e-207`` as a
  Unix time, 1970-01-01;
- a region code (``region_code``, ``region``) is digits: 12 (a division code) or, for a filter, a
  prefix of 2 to 12.

Bounds a schema states by hand are kept (the tighter wins).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from django.core import validators as dj
from django.db import models
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic.fields import FieldInfo

S = TypeVar("S", bound=Schema)

INT32 = 2**31 - 1
_INT_RANGES: dict[str, tuple[int, int]] = {
    "SmallIntegerField": (-32768, 32767),
    "PositiveSmallIntegerField": (0, 32767),
    "IntegerField": (-INT32 - 1, INT32),
    "PositiveIntegerField": (0, INT32),
    "BigIntegerField": (-(2**63), 2**63 - 1),
    "PositiveBigIntegerField": (0, 2**63 - 1),
    "AutoField": (1, INT32),
    "BigAutoField": (1, 2**63 - 1),
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")
REGION_CODE = r"^\d{12}$"
REGION_PREFIX = r"^\d{2,12}$"
REGION_FIELDS = {"region_code": REGION_CODE, "routed_to_region": r"^(\d{12})?$"}
REGION_FILTERS = {"region", "county"}
PATTERNS = {"period": r"^\d{4}(-(0[1-9]|1[0-2]))?$", "month": r"^\d{4}-(0[1-9]|1[0-2])$"}


def _iso(pattern: re.Pattern[str], message: Callable[[], str]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, dt.date) or value is None:
            return value
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(message())
        return value

    return check


IsoDate = Annotated[
    dt.date, BeforeValidator(_iso(_DATE, lambda: _("Enter a date in ISO 8601 form (YYYY-MM-DD).")))
]
IsoDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_iso(_DATETIME, lambda: _("Enter a date and time in ISO 8601 form (YYYY-MM-DDTHH:MM)."))),
]


def _base(annotation: Any) -> tuple[Any, bool, tuple[Any, ...]]:
    """The annotation without ``| None`` and ``Annotated`` (whether it was optional, the metadata)."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            annotation, optional = args[0], True
    if typing.get_origin(annotation) is Annotated:
        inner, *meta = typing.get_args(annotation)
        return inner, optional, tuple(meta)
    return annotation, optional, ()


def _enum(base: type[enum.Enum]) -> Any:
    """An enum documented inline: ninja names every schema component by its class name, so two
    enums both called ``Kind`` (an inspection's, an incident's) would share one component."""
    return Annotated[base, WithJsonSchema({"type": "string", "enum": [m.value for m in base]})]


def _decimal(info: FieldInfo, digits: int, places: int) -> tuple[Any, dict[str, Any]]:
    """A decimal documented as the number it is, with the column's bounds."""
    high = Decimal(10) ** (digits - places) - Decimal(10) ** -places
    low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), -high)
    doc: dict[str, Any] = {"type": "number", "minimum": float(low), "maximum": float(high)}
    if places:
        doc["multipleOf"] = float(Decimal(10) ** -places)
    return Annotated[Decimal, WithJsonSchema(doc)], {
        "le": high,
        "max_digits": digits,
        "decimal_places": places,
    }


def _is(annotation: Any, kind: type) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, kind) and annotation is not bool


def _model_field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:
        return None
    return field if isinstance(field, models.Field) and field.concrete else None


def _bounds(field: models.Field[Any, Any] | None) -> dict[str, Any]:
    low, high = (-INT32 - 1, INT32)
    if field is not None:
        low, high = _INT_RANGES.get(field.get_internal_type(), (low, high))
        for v in field.validators:
            if isinstance(v, dj.MinValueValidator) and isinstance(v.limit_value, int):
                low = max(low, v.limit_value)
            if isinstance(v, dj.MaxValueValidator) and isinstance(v.limit_value, int):
                high = min(high, v.limit_value)
    return {"ge": low, "le": high}


def _tighten(info: FieldInfo, extra: dict[str, Any]) -> dict[str, Any]:
    """Keep a bound the schema states itself when it is tighter than the model's."""
    stated: dict[str, Any] = {}
    for m in info.metadata:
        for key in (
            "ge",
            "le",
            "gt",
            "lt",
            "max_length",
            "min_length",
            "pattern",
            "max_digits",
            "decimal_places",
        ):
            if getattr(m, key, None) is not None:
                stated[key] = getattr(m, key)
    out = {}
    for key, value in extra.items():
        if key == "ge" and ("ge" in stated or "gt" in stated):
            continue
        if key == "le" and ("le" in stated or "lt" in stated):
            continue
        if key in ("max_length", "max_digits", "decimal_places") and key in stated:
            value = min(value, stated[key])
        if key == "pattern" and "pattern" in stated:
            continue
        out[key] = value
    return out


def _complete(name: str, info: FieldInfo, field: models.Field[Any, Any] | None) -> FieldInfo | None:
    base, optional, meta = _base(info.annotation)
    new_type: Any = None
    extra: dict[str, Any] = {}
    if base is Decimal:
        digits = places = None
        for m in info.metadata:
            digits = getattr(m, "max_digits", None) or digits
            places = (
                getattr(m, "decimal_places", None)
                if getattr(m, "decimal_places", None) is not None
                else places
            )
        if isinstance(field, models.DecimalField):
            digits, places = (
                digits or field.max_digits,
                places if places is not None else field.decimal_places,
            )
        if digits is not None and places is not None:
            new_type, extra = _decimal(info, digits, places)
    elif isinstance(base, type) and issubclass(base, enum.Enum):
        new_type = _enum(base)
    elif base is dt.date:
        new_type = IsoDate
    elif base is dt.datetime:
        new_type = IsoDateTime
    elif _is(base, int):
        extra = _bounds(field)
    elif base is str:
        if field is not None and field.choices and not isinstance(field, models.ForeignKey):
            values = [str(k) for k, _label in field.flatchoices]
            if field.blank and "" not in values:
                values.append("")
            new_type = Literal[tuple(values)]
        if field is not None and getattr(field, "max_length", None):
            extra["max_length"] = field.max_length
        if name in REGION_FIELDS:
            extra["pattern"] = REGION_FIELDS[name]
        elif name in REGION_FILTERS:
            extra["pattern"] = REGION_PREFIX
        elif name in PATTERNS:
            extra["pattern"] = PATTERNS[name]
    elif base is Any or base is None:
        return None
    extra = _tighten(info, extra)
    if new_type is None and not extra:
        return None
    # the constraints first, then the field's own validators (which may change the value)
    annotation: Any = Annotated[(new_type if new_type is not None else base, Field(**extra), *meta)]
    if optional:
        annotation = annotation | None
    return FieldInfo.merge_field_infos(info, FieldInfo.from_annotation(annotation), annotation=annotation)


def contract(model: type[models.Model] | None = None, **names: Any) -> Callable[[type[S]], type[S]]:
    """Complete an input schema from ``model``. ``names``: a schema field -> the model field's name
    where they differ, or a field of another model (``category=ElderCategory._meta.get_field(...)``)."""

    def apply(cls: type[S]) -> type[S]:
        changed = False
        for name, info in list(cls.model_fields.items()):
            target = names.get(name, name)
            field = target if isinstance(target, models.Field) else _model_field(model, target)
            completed = _complete(name, info, field)
            if completed is not None:
                cls.model_fields[name] = completed
                changed = True
        if changed:
            cls.model_rebuild(force=True)
        return cls

    return apply


class ChangeLogOut(Schema):
    id: int
    at: dt.datetime
    actor_name: str
    action: str
    target_type: str
    target_id: str
    target_repr: str
    region_code: str
    changes: dict[str, Any]
    note: str
