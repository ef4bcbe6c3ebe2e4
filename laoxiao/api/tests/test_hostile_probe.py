"""The hostile-input probe over the whole API: a lone surrogate, a NUL and integers beyond 64 bits
go into every string and integer field of every JSON write operation (each sent with the other
required fields filled) and into every query parameter, as a city administrator on a small demo
city. No answer may be a server error; every error answers in the one JSON error format."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Model
from django.test import Client

from laoxiao.accounts.actions import token_create
from laoxiao.accounts.tests.factories import make_user
from laoxiao.api.main import api
from laoxiao.core import clock

pytestmark = pytest.mark.django_db

CITY = "340600000000"
HOSTILE_STRINGS = ["\ud800", "a\x00b", "\udfff\ud800x"]
HOSTILE_INTEGERS = [2**63, -(2**63) - 1, 10**20]
HOSTILE_NUMBERS = [*HOSTILE_INTEGERS, 1e300, float("inf"), float("nan")]  # json.dumps sends Infinity, NaN


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [_resolve(s, doc) for s in schema[key] if s.get("type") != "null"]
            if options:
                merged = {k: v for k, v in schema.items() if k != key}
                return {**options[0], **merged}
    return schema


def _sample(schema: dict[str, Any], doc: dict[str, Any]) -> Any:
    schema = _resolve(schema, doc)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return clock.today().isoformat()
        if fmt == "date-time":
            return dt.datetime.now(dt.UTC).isoformat()
        return "probe" if schema.get("minLength", 0) <= 5 else "p" * schema["minLength"]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _sample(v, doc) for k, v in props.items() if k in schema.get("required", [])}
    return "probe"


def _kind(schema: dict[str, Any], doc: dict[str, Any]) -> str | None:
    return _resolve(schema, doc).get("type")


def _path_values() -> dict[str, Any]:
    """A real record for each path parameter, so a write reaches the database."""
    from laoxiao.people.models import Child, Elder
    from laoxiao.plan.models import (
        JointMeeting,
        MajorProject,
        PlanTask,
        ReportedValue,
        TaskMilestone,
    )
    from laoxiao.planning.models import ResidentialProject
    from laoxiao.providers.models import Provider, StaffMember

    def first(model: type[Model], attr: str = "pk") -> Any:
        row = model.objects.order_by("pk").first()  # type: ignore[attr-defined]
        return getattr(row, attr) if row is not None else 1

    staff = StaffMember.objects.order_by("pk").first()
    return {
        "/plan/tasks/{code}": first(PlanTask, "code"),
        "/plan/milestones/{pk}": first(TaskMilestone),
        "/plan/meetings/{pk}": first(JointMeeting),
        "/plan/major-projects/{pk}": first(MajorProject),
        "/indicators/reported/{pk}": first(ReportedValue),
        "/planning/residential-projects/{pk}": first(ResidentialProject),
        "/people/elders/{pk}": first(Elder),
        "/people/children/{pk}": first(Child),
        "/providers/{uscc}/staff/{staff_id}": (staff.provider.uscc, staff.pk) if staff else ("x", 1),
        "/providers/{uscc}": first(Provider, "uscc"),
    }


def _fill(path: str, known: dict[str, Any]) -> str:
    for template, value in known.items():
        if template in path:
            if isinstance(value, tuple):
                filled = template.replace("{uscc}", str(value[0])).replace("{staff_id}", str(value[1]))
            else:
                filled = template.split("{")[0] + str(value)
            path = path.replace(template, filled)
    return path.replace("{code}", "340603000000").replace("{pk}", "1").replace("{uscc}", "x")


@pytest.fixture
def demo_admin() -> Client:
    call_command("demo-city", scale=0.01, seed=7, stdout=StringIO())
    admin = make_user("probe_admin", ["city_admin"], [CITY])
    _row, raw = token_create(actor=admin, user=admin, name="probe")
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")


def _check(response: Any, what: str, failures: list[str]) -> None:
    if response.status_code >= 500:
        failures.append(f"{response.status_code} {what}")
        return
    if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
        body = response.json()
        if set(body) != {"detail", "errors"}:
            failures.append(f"{response.status_code} not the one error format: {what}: {body}")
    elif response.status_code >= 400:
        failures.append(f"{response.status_code} not JSON: {what}")


def test_no_hostile_value_in_any_api_field_answers_500(demo_admin: Client) -> None:
    doc = api.get_openapi_schema()
    known = _path_values()
    failures: list[str] = []
    sent = 0
    for template, operations in doc["paths"].items():
        for method, op in operations.items():
            path = _fill(template, known)
            # every query parameter of every operation
            for param in op.get("parameters", []):
                if param["in"] != "query":
                    continue
                kind = _kind(param.get("schema", {}), doc)
                values: list[Any] = ["a\x00b"]
                if kind in ("integer", "number"):
                    values += [*HOSTILE_INTEGERS, "1e300", "inf", "nan"]
                for value in values:
                    query = urllib.parse.urlencode({param["name"]: value})
                    response = demo_admin.generic(method.upper(), path, QUERY_STRING=query)
                    sent += 1
                    _check(response, f"{method.upper()} {path}?{param['name']}={value!r}", failures)
            content = op.get("requestBody", {}).get("content", {})
            if method not in ("post", "patch", "put") or "application/json" not in content:
                continue
            schema = _resolve(content["application/json"]["schema"], doc)
            base = _sample(schema, doc)
            for name, prop in schema.get("properties", {}).items():
                kind = _kind(prop, doc)
                if kind == "string":
                    hostile: list[Any] = HOSTILE_STRINGS
                elif kind == "integer":
                    hostile = HOSTILE_INTEGERS
                elif kind == "number":
                    hostile = HOSTILE_NUMBERS
                elif kind == "array" and _kind(_resolve(prop, doc).get("items", {}), doc) == "string":
                    hostile = [[s] for s in HOSTILE_STRINGS]
                else:
                    continue
                for value in hostile:
                    body = json.dumps({**base, name: value})  # a lone surrogate is valid (escaped) JSON
                    response = demo_admin.generic(method.upper(), path, body, content_type="application/json")
                    sent += 1
                    _check(response, f"{method.upper()} {path} {name}={value!r}", failures)
    assert sent > 300
    assert not failures, f"{len(failures)} of {sent} hostile requests failed:\n" + "\n".join(failures)
