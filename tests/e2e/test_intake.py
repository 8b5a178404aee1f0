"""Web-form intake on the real server: keys, validation, duplicates, idempotency, rate."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from app.clock import utc_now
from app.persistence.database import make_engine, make_session_factory
from app.persistence.models import JourneyEvent, Lead
from server.intake import issue_site_key
from tests.e2e.harness import server_count


@pytest.fixture
def site_key(server_database: str) -> str:
    engine = make_engine(server_database)
    with make_session_factory(engine).begin() as session:
        key = issue_site_key(session, "devis-maison", utc_now())
    engine.dispose()
    return key


def form(phone: str = "06 98 76 54 32", category: str = "bathroom", **changes) -> dict:
    now = utc_now()
    body = {
        "category": category,
        "first_name": "Amélie",
        "last_name": "Poulain",
        "phone": phone,
        "postcode": "75018",
        "city": "Paris",
        "email": "amelie@example.fr",
        "description": "Salle de bains à refaire entièrement",
        "budget_cents": 1_500_000,
        "consent": {
            "form_code": "form-bathroom",
            "at": now.isoformat(),
            "wording_version": "2026-03",
        },
        "journey": [
            {
                "occurred_at": (now - timedelta(minutes=4)).isoformat(),
                "kind": "landing",
                "label": "Annonce",
            },
            {"occurred_at": now.isoformat(), "kind": "form_submit", "label": "Envoi"},
        ],
    }
    body.update(changes)
    return body


def post(server, key: str | None, body: dict, idempotency: str | None = None) -> httpx.Response:
    headers = {}
    if key is not None:
        headers["X-Api-Key"] = key
    if idempotency:
        headers["Idempotency-Key"] = idempotency
    return httpx.post(f"{server.url}/api/v1/intake/leads", json=body, headers=headers, timeout=30)


def test_a_new_request_is_created_and_reaches_the_experts(
    server, site_key, server_database, workstation
) -> None:
    response = post(server, site_key, form())
    assert response.status_code == 201, response.text
    lead_id = response.json()["lead_id"]
    station = workstation("expert1")
    station.sync()
    with station.sessions() as session:
        lead = session.scalar(select(Lead).where(Lead.phone_e164 == "+33698765432"))
        assert str(lead.id) == lead_id and lead.status == "to_qualify"
        assert session.scalar(select(func.count()).where(JourneyEvent.lead_id == lead.id)) == 2


def test_a_retry_with_the_same_key_creates_one_lead(server, site_key, server_database) -> None:
    first = post(server, site_key, form(), idempotency="form-42")
    again = post(server, site_key, form(), idempotency="form-42")
    assert first.status_code == again.status_code == 201
    assert first.json()["lead_id"] == again.json()["lead_id"]
    assert server_count(server_database, Lead, phone_e164="+33698765432") == 1


def test_same_phone_and_category_within_30_days_is_linked(
    server, site_key, server_database
) -> None:
    first = post(server, site_key, form(), idempotency="a")
    second = post(server, site_key, form(), idempotency="b")
    other_trade = post(server, site_key, form(category="kitchen"), idempotency="c")
    assert (first.status_code, second.status_code, other_trade.status_code) == (201, 200, 201)
    assert second.json() == {"lead_id": first.json()["lead_id"], "linked_to_existing": True}
    assert server_count(server_database, Lead, phone_e164="+33698765432") == 2
    assert (
        server_count(server_database, JourneyEvent, label="Annonce") >= 3
    )  # the journeys are kept


def test_bad_input_gets_field_errors_in_french(server, site_key, server_database) -> None:
    response = post(
        server, site_key, form(phone="12", category="nope", postcode="00000", consent=None)
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"phone", "category", "postcode", "consent"}
    assert "consentement" in errors["consent"]
    assert server_count(server_database, Lead, first_name="Amélie") == 0


def test_keys_are_checked(server, site_key) -> None:
    assert post(server, None, form()).status_code == 401
    assert post(server, "crm_not-a-key", form()).status_code == 403


def test_beyond_the_site_rate_requests_are_refused(server, site_key) -> None:
    server.stop()
    server.start(env={"CRM_SERVER_INTAKE_PER_MINUTE": "3"})
    # Seven requests: however a minute boundary splits them, one minute holds four or more.
    answers = [post(server, site_key, form(phone=f"06 98 76 54 {n:02d}")) for n in range(7)]
    codes = [a.status_code for a in answers]
    assert set(codes) == {201, 429} and codes.count(201) <= 6
    refused = next(a for a in answers if a.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Trop de demandes" in refused.json()["detail"]
