"""The API fuzzed from its own OpenAPI schema (issue 14, classes 6 and 10), against the live
two-worker server: no 5xx, and every answer as declared (status code, content type, body).

Bounded: a few dozen generated examples per operation with a fixed seed (Hypothesis'
derandomize), on SQLite only (the other databases are covered by the targeted tests).
"""

from __future__ import annotations

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.clock import utc_now
from server.app import create_app
from server.config import ServerConfig
from server.intake import issue_site_key
from tests.e2e.security.conftest import LiveServer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 25
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


# The schema the code declares, read without a server (the app is built, never started); the
# calls go to the live server, whose /openapi.json is checked to be this one.
DECLARED = create_app(ServerConfig(database_url="sqlite://")).openapi()


@pytest.fixture(scope="module")
def sqlite_server(live_server: LiveServer) -> LiveServer:
    if not live_server.database_url.startswith("sqlite"):
        pytest.skip("the fuzzer runs on SQLite only")
    return live_server


@pytest.fixture(scope="module")
def manager_headers(live_server: LiveServer) -> dict[str, str]:
    client = live_server.client("manager1")
    return {k: client.headers[k] for k in ("Authorization", "X-Schema-Version")}


@pytest.fixture(scope="module")
def site_headers(live_server: LiveServer) -> dict[str, str]:
    with live_server.sessions.begin() as session:
        return {"X-Api-Key": issue_site_key(session, "devis-maison", utc_now())}


schema = schemathesis.openapi.from_dict(orjson.loads(orjson.dumps(DECLARED)))
# Signing out would end the fuzzer's own session; intake is fuzzed with a site key below.
staff = schema.exclude(path="/api/v1/auth/sign-out").exclude(path="/api/v1/intake/leads")
intake = schema.include(path="/api/v1/intake/leads")


def test_the_live_server_declares_the_fuzzed_schema(sqlite_server) -> None:
    with sqlite_server.anonymous() as client:
        assert client.get("/openapi.json").json() == orjson.loads(orjson.dumps(DECLARED))


@staff.parametrize()
@FUZZ
def test_staff_endpoints_answer_as_declared(case, sqlite_server, manager_headers) -> None:
    """Signed in as a manager, so that role-guarded endpoints are reached."""
    case.call_and_validate(base_url=sqlite_server.url, headers=manager_headers, checks=CHECKS)


@intake.parametrize()
@FUZZ
def test_intake_answers_as_declared(case, sqlite_server, site_headers) -> None:
    """Anonymous, as a web form posts, with a real site key."""
    case.call_and_validate(base_url=sqlite_server.url, headers=site_headers, checks=CHECKS)
