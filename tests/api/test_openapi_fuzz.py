"""Fuzzing the API from its own OpenAPI with schemathesis (issue 12; docs/api.md, "API fuzzing").

The schema is read from ``/api/v1/openapi.json`` through the WSGI app, and every operation
is called with inputs schemathesis draws from it — valid and invalid — as a volunteer and
as a county admin. Each (operation, caller) is one test with its own database (the
``world`` of tests/conftest.py, rolled back after it), so what one operation's examples
write or delete does not leak into another's. It asserts, for every answer:

- no server error (``not_a_server_error``);
- the status is one the operation documents, errors included (``status_code_conformance``);
- the content type is the documented one (``content_type_conformance``);
- the body matches the documented schema, errors included (``response_schema_conformance``).

Bounded for a 2-core machine: a fixed seed (the same cases every run), few examples an
operation, no shrinking; the coverage phase (every boundary of every parameter, hundreds
of requests an operation) is left to a manual run (docs/api.md). SQLite only: the
PostgreSQL pass runs the rest of the suite; the handlers and types are the same.
"""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import connection
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jifen.people.auth import issue_token
from tests.conftest import World

# A deeper run by hand (docs/api.md): JIFEN_FUZZ_EXAMPLES=30 JIFEN_FUZZ_COVERAGE=1.
EXAMPLES = int(os.environ.get("JIFEN_FUZZ_EXAMPLES", "8"))
COVERAGE = os.environ.get("JIFEN_FUZZ_COVERAGE") == "1"
SEED = int(os.environ.get("JIFEN_FUZZ_SEED", "20261206"))

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"mode": "all", "deterministic": True, "no-shrink": True},
        "phases": {
            "examples": {"enabled": True},
            "fuzzing": {"enabled": True},
            "coverage": {"enabled": COVERAGE},
            "stateful": {"enabled": False},
        },
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="API fuzzing runs in the SQLite pass only (same handlers and types on both)",
    ),
]


CALLS = {"requests": 0}


@pytest.fixture(scope="module", autouse=True)
def _figures() -> object:
    """With JIFEN_FUZZ_REPORT=1, say how many requests the run made (docs/api.md)."""
    yield
    if os.environ.get("JIFEN_FUZZ_REPORT") == "1":
        print(f"\nAPI fuzzing: {CALLS['requests']} requests")  # noqa: T201


@pytest.fixture(params=["volunteer", "admin"])
def token(request: pytest.FixtureRequest, world: World) -> str:
    person = world.resident if request.param == "volunteer" else world.county_admin
    return issue_token(person=person)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_500_or_off_its_schema(case: schemathesis.Case, token: str) -> None:
    CALLS["requests"] += 1
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
