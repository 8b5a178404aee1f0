"""An intake Idempotency-Key reused with another body is refused (issue 14, class 10)."""

from __future__ import annotations

import uuid

import httpx

from app.clock import utc_now
from server.intake import issue_site_key


def _form(phone: str, **changes: object) -> dict:
    now = utc_now().isoformat()  # a retry rebuilt by the form has new moments: still the same
    body = {
        "category": "bathroom",
        "first_name": "Amélie",
        "last_name": "Poulain",
        "phone": phone,
        "postcode": "75018",
        "city": "Paris",
        "budget_cents": 1_500_000,
        "consent": {"form_code": "form-bathroom", "at": now, "wording_version": "2026-03"},
        "journey": [{"occurred_at": now, "kind": "form_submit", "label": "Envoi"}],
    }
    body.update(changes)
    return body


def test_a_key_reused_with_another_body_is_refused(live_server):
    with live_server.sessions.begin() as session:
        site_key = issue_site_key(session, "devis-maison", utc_now())
    key = str(uuid.uuid4())

    def post(body: dict) -> httpx.Response:
        return httpx.post(
            f"{live_server.url}/api/v1/intake/leads",
            json=body,
            headers={"X-Api-Key": site_key, "Idempotency-Key": key},
            timeout=30,
        )

    body = _form("06 98 76 11 22")
    first = post(body)
    assert first.status_code == 201, first.text
    for retry in (post(body), post(_form("06 98 76 11 22"))):
        assert retry.status_code == 201 and retry.json() == first.json()
    for other in (
        _form("06 98 76 11 23"),
        _form("06 98 76 11 22", last_name="Dupont"),
        _form("06 98 76 11 22", description="Autre chose"),
    ):
        answer = post(other)
        assert answer.status_code == 409, answer.text
        assert "Idempotency-Key" in answer.json()["detail"]
