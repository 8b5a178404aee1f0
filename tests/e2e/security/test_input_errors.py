"""Input errors outside push (issue 14, classes 6 and 7): every bad input is a 4xx with a
French message, never a 500, and every endpoint has limits (body size, string lengths,
journey length)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import utc_now
from server.intake import issue_site_key
from tests.e2e.security.conftest import LiveServer

INTAKE = "/api/v1/intake/leads"
# Words that only appear in the framework's English defaults.
ENGLISH = ("Input should", "Field required", "Internal Server Error", "Content Too Large", "value")


@pytest.fixture(scope="module")
def site_key(live_server: LiveServer) -> str:
    with live_server.sessions.begin() as session:
        return issue_site_key(session, "devis-maison", utc_now())


def lead_form(**changes: Any) -> dict[str, Any]:
    now = utc_now()
    body: dict[str, Any] = {
        "category": "bathroom",
        "first_name": "Amélie",
        "last_name": "Poulain",
        "phone": "06 55 44 33 22",
        "postcode": "75018",
        "city": "Paris",
        "description": "Salle de bains à refaire",
        "budget_cents": 1_500_000,
        "consent": {"form_code": "form-bathroom", "at": now.isoformat(), "wording_version": "v1"},
        "journey": [{"occurred_at": now.isoformat(), "kind": "form_submit", "label": "Envoi"}],
    }
    body.update(changes)
    return body


def refused_in_french(answer: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    """The answer is `status` with a French `detail` (the workstation shows it as is)."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    detail = body["detail"]
    assert isinstance(detail, str) and detail, body
    assert not any(word in detail for word in ENGLISH), detail
    for fragment in fragments:
        assert fragment in answer.text, answer.text
    return body


def post_lead(live_server: LiveServer, key: str, body: dict[str, Any] | bytes) -> httpx.Response:
    with live_server.anonymous() as client:
        if isinstance(body, bytes):
            return client.post(
                INTAKE,
                content=body,
                headers={"X-Api-Key": key, "Content-Type": "application/json"},
            )
        return client.post(INTAKE, json=body, headers={"X-Api-Key": key})


def test_a_budget_beyond_the_database_integer_is_refused(live_server, site_key) -> None:
    answer = post_lead(live_server, site_key, lead_form(budget_cents=10**20))
    body = refused_in_french(answer, 422, "budget")
    assert any(e["field"] == "body.budget_cents" for e in body["errors"]), body


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00", "2200-01-01T00:00:00Z"]
)
def test_a_submission_date_out_of_any_sensible_range_is_refused(
    live_server, site_key, when
) -> None:
    answer = post_lead(live_server, site_key, lead_form(submitted_at=when))
    refused_in_french(answer, 422, "date")


def test_a_consent_date_of_year_one_is_refused(live_server, site_key) -> None:
    form = lead_form()
    form["consent"]["at"] = "0001-01-01T00:00:00"
    refused_in_french(post_lead(live_server, site_key, form), 422, "date")


def test_a_journey_step_of_year_one_is_refused(live_server, site_key) -> None:
    form = lead_form()
    form["journey"][0]["occurred_at"] = "0001-01-02T00:00:00Z"
    refused_in_french(post_lead(live_server, site_key, form), 422, "date")


def test_a_lone_surrogate_in_a_json_string_is_refused(live_server, site_key) -> None:
    raw = httpx.Request("POST", "/", json=lead_form(first_name="PLACEHOLDER")).content
    raw = raw.replace(b"PLACEHOLDER", b"\\ud800")
    refused_in_french(post_lead(live_server, site_key, raw), 422, "JSON")


def test_a_description_longer_than_allowed_is_refused(live_server, site_key) -> None:
    answer = post_lead(live_server, site_key, lead_form(description="x" * 20_000))
    body = refused_in_french(answer, 422)
    assert any(e["field"] == "body.description" for e in body["errors"]), body


def test_a_5_mb_description_is_refused_before_it_is_read(live_server, site_key) -> None:
    answer = post_lead(live_server, site_key, lead_form(description="x" * 5_000_000))
    refused_in_french(answer, 413, "trop volumineuse")


def test_a_body_without_length_beyond_the_limit_is_refused(live_server, site_key) -> None:
    """Chunked upload: no Content-Length to trust, the server counts what it reads."""

    def chunks():
        yield b'{"description": "'
        for _ in range(100):
            yield b"x" * 10_000
        yield b'"}'

    with live_server.anonymous() as client:
        answer = client.post(
            INTAKE,
            content=chunks(),
            headers={"X-Api-Key": site_key, "Content-Type": "application/json"},
        )
    refused_in_french(answer, 413, "trop volumineuse")


def test_a_long_journey_is_refused(live_server, site_key) -> None:
    now = utc_now()
    steps = [
        {"occurred_at": (now - timedelta(seconds=i)).isoformat(), "kind": "page_view", "label": "p"}
        for i in range(1_000)
    ]
    body = refused_in_french(post_lead(live_server, site_key, lead_form(journey=steps)), 422)
    assert any(e["field"] == "body.journey" for e in body["errors"]), body


def test_a_20000_step_journey_is_refused(live_server, site_key) -> None:
    now = utc_now().isoformat()
    steps = [{"occurred_at": now, "kind": "page_view", "label": "p"}] * 20_000
    answer = post_lead(live_server, site_key, lead_form(journey=steps))
    assert answer.status_code in (413, 422), answer.text
    refused_in_french(answer, answer.status_code)


def test_a_huge_step_duration_is_refused(live_server, site_key) -> None:
    form = lead_form()
    form["journey"][0]["duration_seconds"] = 2**40
    refused_in_french(post_lead(live_server, site_key, form), 422)


def test_the_invoice_run_of_month_13_is_refused(live_server) -> None:
    answer = live_server.client("manager1").post(
        "/api/v1/invoicing/runs", json={"month": "2026-13", "issue": False}
    )
    refused_in_french(answer, 422, "mois")


def test_a_debit_run_far_in_the_future_is_refused(live_server) -> None:
    answer = live_server.client("manager1").post(
        "/api/v1/collection/debit-runs", json={"collection_date": "9999-12-31"}
    )
    refused_in_french(answer, 422, "date")


def test_a_bad_demand_selection_is_refused_in_french(live_server) -> None:
    answer = live_server.client("sales1").post("/api/v1/demand/history", json={"nonsense": 1})
    refused_in_french(answer, 422, "obligatoire")


def test_a_missing_field_is_refused_in_french_with_the_list_of_errors(live_server) -> None:
    with live_server.anonymous() as client:
        answer = client.post("/api/v1/auth/sign-in", json={"username": "expert1"})
    body = refused_in_french(answer, 422, "obligatoire")
    assert body["errors"] == [
        {"field": "body.password", "message": "Ce champ est obligatoire.", "type": "missing"}
    ]


def test_a_too_large_push_body_is_refused_before_it_is_read(live_server) -> None:
    answer = live_server.client("expert1").post(
        "/api/v1/sync/push",
        content=b'{"batch": "' + b"x" * 40_000_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    refused_in_french(answer, 413, "trop volumineuse")


def test_a_large_dispatch_body_is_refused(live_server) -> None:
    ids = [f"00000000-0000-0000-0000-{i:012d}" for i in range(30_000)]
    answer = live_server.client("manager1").post("/api/v1/dispatch/leads", json={"lead_ids": ids})
    refused_in_french(answer, 413, "trop volumineuse")
