"""The OpenAPI document is a contract: schemathesis runs every operation against the app, bounded.

Loads ``/api/v1/openapi.json`` from the WSGI application itself, then, for every operation, sends a
few requests valid by the schema (they must be accepted or answer a declared refusal) and a few
invalid ones (they must be refused with 4xx), authenticated as a city administrator on a small
database made here. Every response must be declared (status code, content type, body schema) and
none may be a server error. ``make contract`` runs the same test with a larger budget
(``LAOXIAO_CONTRACT_EXAMPLES``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from laoxiao.accounts.actions import token_create
from laoxiao.accounts.tests.factories import make_user
from laoxiao.people.tests.factories import make_child, make_elder
from laoxiao.services.actions.alarms import vendor_create
from laoxiao.supervision.tests.factories import (
    make_complaint,
    make_incident,
    make_inspection,
    make_provider,
    make_risk_signal,
)

pytestmark = pytest.mark.contract

EXAMPLES = int(os.environ.get("LAOXIAO_CONTRACT_EXAMPLES", "5"))

# A request valid by the schema may still be refused for what no schema can say: the record does not
# exist or lies outside the caller's regions (404: a random id or code names nobody), the caller's
# role may not make it (403), or the domain refuses the whole (422: an unknown provider, a visit before
# the birth date, a duplicate). schemathesis' positive_data_acceptance counts every such 422 as a
# contract failure, which is unfair to a domain that checks references; ``schema_could_say`` below is
# the narrow version: a 422 to a valid request fails when a field's reason is one a schema states
# (a choice, a length, a bound, a format, a type) — what the probe found missing.
SCHEMA_REASONS = re.compile(
    r"not a valid choice|at most \d+ character|at least \d+ character|less than or equal|"
    r"greater than or equal|no more than \d+ (digit|decimal)|Enter a valid|invalid date|invalid format|"
    r"cannot be blank|cannot be null|^Input should|^String should|^Field required|^Extra inputs|"
    r"^Decimal input|^Unable to parse|^Value error",
    re.IGNORECASE,
)


@schemathesis.check
def schema_could_say(ctx: Any, response: Any, case: Any) -> bool | None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    status = response.status_code
    assert status < 400 or status in (403, 404, 409, 422), f"valid data answered {status}"
    if status == 422:
        errors = response.json().get("errors", [])
        said = [e for e in errors if SCHEMA_REASONS.search(str(e.get("message", "")))]
        assert not said, f"valid data refused for a reason the schema could state: {said}"
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    schema_could_say,
]


def _wsgi() -> WSGIHandler:
    return WSGIHandler()


@pytest.fixture
def no_connection_closing() -> Iterator[None]:
    """Keep the test's transaction open across requests, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def small_city(city: dict[str, Any]) -> dict[str, Any]:
    """Providers of each sector with supervision records, people; a city administrator's token."""
    admin = make_user("contract_admin", ["city_admin"], [city["city"].code])
    make_elder(admin, seq=1, name="独居张", living_arrangement="alone")
    make_elder(admin, seq=2, name="同住李", living_arrangement="with_family", region="340621100001")
    make_child(name="小明")
    home = make_provider("相山养老院", beds=50, occupied_beds=20)
    nursery = make_provider("濉溪托育园", kind="nursery", region_code="340621100001")
    on = dt.date(2025, 3, 1)
    make_inspection(home, on)
    make_complaint(home, on)
    make_incident(home, on)
    make_risk_signal(home, on)
    make_inspection(nursery, on)
    _row, raw = token_create(actor=admin, user=admin, name="contract")
    _vendor, vendor_key = vendor_create(actor=admin, code="contract", name="contract")  # device events
    return {"admin": admin, "token": raw, "vendor_key": vendor_key, "home": home, "nursery": nursery}


def _schema() -> Any:
    config = SchemathesisConfig()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _wsgi(), config=config)


def test_every_operation_keeps_the_contract(small_city: dict[str, Any], no_connection_closing: None) -> None:
    schema = _schema()
    # English reasons: schema_could_say reads them
    headers = {
        "Authorization": f"Bearer {small_city['token']}",
        "X-Vendor-Key": small_city["vendor_key"],  # read only by POST /services/device-events
        "Accept-Language": "en",
    }
    # the credentials are the test's (a city administrator's token), not generated input
    schema.config.generation.update(with_security_parameters=False)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _explore(operation, mode, headers, failures)
    assert operations > 50
    assert not failures, f"{len(failures)} contract failures:\n\n" + "\n\n".join(failures)


def _explore(operation: Any, mode: GenerationMode, headers: dict[str, str], failures: list[str]) -> None:
    seen: set[str] = set()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # collected: every operation's, not the first
            found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
            for failure in found:
                title = str(failure).strip().split("\n")[0]
                key = f"{type(failure).__name__}:{title}"
                if key not in seen:
                    seen.add(key)
                    text = f"{operation.label} [{mode}]: {type(failure).__name__}: {failure}"[:1200]
                    failures.append(text + "\n    " + case.as_curl_command(headers=headers))

    try:
        run()
    except Unsatisfiable:  # an operation without input has no invalid request to make
        assert mode == GenerationMode.NEGATIVE, operation.label
