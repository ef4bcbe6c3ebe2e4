"""One guard for every API operation: after the schemas have validated a request and before the
view runs, refuse any string, integer or number no database can hold (``laoxiao.core.hostile``) in
the body, the query or the path, with 422 and the field in the one error format."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BaseModel

from laoxiao.core.hostile import walk


def problems(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors (ninja's ``loc``/``msg`` shape) of the validated arguments of an operation.
    A schema argument (body, ``Query[...]``, the paginator's input) is named by its own fields,
    as the client sent them; a plain argument (a path or query parameter) by its name."""
    found: list[dict[str, Any]] = []
    for name, value in values.items():
        if isinstance(value, BaseModel):
            items = walk(value.model_dump(), ())
        else:
            items = walk(value, (name,))
        found.extend({"loc": list(path) or [name], "msg": problem} for path, problem in items)
    return found


def refuse_unstorable(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **values: Any) -> Any:
        errors = problems(values)
        if errors:
            raise NinjaValidationError(errors)
        return view(request, *args, **values)

    return guarded
