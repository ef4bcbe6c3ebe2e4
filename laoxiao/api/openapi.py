"""The OpenAPI document as a contract: every answer an operation can give is declared.

Ninja documents the success answers each operation names; the error answers come from the one set of
handlers in ``errors`` and apply to every operation, so they are added here once, to the document
ninja builds, not by hand on each operation:

- 400 (the request cannot be read: a body that is not JSON, a NUL byte), 422 (the request is not valid: a field the schema refuses, or the domain refuses it), 404 (does not
  exist or lies outside the caller's regions) and 403 (the caller's role may not) on every operation;
- 401 (no or bad credentials) on every operation that needs them (not the public portal's);

each with the one error body, ``ErrorOut``. A query or path parameter, or a form field, cannot be
``null`` (it is present or absent), so pydantic's ``anyOf [T, null]`` of an optional one is documented as
``T``; an integer parameter without bounds is documented with the 64-bit range the API's guard
enforces (``laoxiao/api/guard.py``).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Schema

from laoxiao.core.hostile import INT64_MAX, INT64_MIN

ERROR_SCHEMA = "ErrorOut"

# status -> what it means; each answers ErrorOut
ERRORS: dict[str, str] = {
    "400": "The request cannot be read: a body that is not JSON, or a NUL byte.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "The caller's role may not do this.",
    "404": "Not found: does not exist, or lies outside the caller's regions or sector.",
    "422": "The request is not valid: the fields at fault are named in `errors`.",
}
PUBLIC_ERRORS = ("400", "404", "422")


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every error answer of the API: a message and, for invalid input, the fields at fault."""

    detail: str
    errors: list[ErrorItem]


def _error_response(status: str) -> dict[str, Any]:
    return {
        "description": ERRORS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}},
    }


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    variants = schema.get("anyOf")
    if not variants:
        return schema
    kept = [v for v in variants if v.get("type") != "null"]
    if len(kept) == len(variants):
        return schema
    out = {k: v for k, v in schema.items() if k != "anyOf"}
    if len(kept) == 1:
        out.update(kept[0])
    else:
        out["anyOf"] = kept
    if out.get("default", 0) is None:
        del out["default"]
    return out


def _bounded(schema: dict[str, Any]) -> dict[str, Any]:
    """An integer parameter without bounds gets the 64-bit range that ``api.guard`` enforces."""
    if schema.get("type") == "integer":
        schema.setdefault("minimum", INT64_MIN)
        schema.setdefault("maximum", INT64_MAX)
    return schema


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Declare the error answers on every operation of ``document`` (in place) and return it."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    definitions = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(definitions.pop("$defs", {}))
    components[ERROR_SCHEMA] = definitions
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = ERRORS if operation.get("security") else PUBLIC_ERRORS
            for status in statuses:
                operation["responses"].setdefault(status, _error_response(status))
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("query", "path") and "schema" in parameter:
                    parameter["schema"] = _bounded(_not_null(parameter["schema"]))
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                if media == "application/json":
                    continue
                properties = content.get("schema", {}).get("properties", {})  # a form: strings or absent
                for name, schema in properties.items():
                    properties[name] = _not_null(schema)
    return document


def install(api: NinjaAPI) -> None:
    """Make ``api`` serve the completed document at its OpenAPI URL."""
    build = api.get_openapi_schema

    def get_openapi_schema(**kwargs: Any) -> Any:
        return complete(build(**kwargs))

    api.get_openapi_schema = get_openapi_schema  # type: ignore[method-assign]
