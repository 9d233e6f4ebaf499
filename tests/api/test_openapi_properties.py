"""Property-based run of the whole OpenAPI schema against the app (schemathesis, in-process).

Every operation gets generated requests, valid and invalid, with an admin key; no answer may
be a server error or break the schema the app publishes.
"""

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def api_schema(app: FastAPI):
    """The app's own OpenAPI schema, loaded in-process."""
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_its_contract(case, admin_headers):
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
