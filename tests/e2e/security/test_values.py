"""Issue 14, class 3: every pushed value is checked against its table's typed schema (types,
lengths, ranges, enums, the domain's normalisers) and a bad one is refused alone, with a
reason, while the good operations of the same batch apply."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.clock import utc_now
from app.domain.enums import Disposition
from app.persistence.models import CallAttempt, Lead, Provider, User
from app.services.leads.intake import register_lead
from tests.e2e.harness import lead_submission
from tests.e2e.security.conftest import LiveServer, op, statuses

_numbers = itertools.count(700)


def new_lead(live: LiveServer) -> Lead:
    """An open lead of this test's own."""
    with live.sessions.begin() as session:
        lead = register_lead(session, lead_submission(next(_numbers), utc_now()))
        session.flush()
        session.expunge(lead)
    return lead


def user_id(live: LiveServer, username: str) -> uuid.UUID:
    with live.sessions() as session:
        found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


def stored_lead(live: LiveServer, lead_id: uuid.UUID) -> Lead:
    with live.sessions() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        session.expunge(lead)
    return lead


def good_note(lead: Lead, text: str) -> dict[str, Any]:
    """An honest edit: it saw the note it replaces (no conflict)."""
    return op("leads", lead.id, {"qualification_note": text}, base={"qualification_note": lead.hlc})


def assert_refused_alone(
    live: LiveServer, username: str, bad: dict[str, Any], good: dict[str, Any], field: str
) -> str:
    """Push [bad, good]: the bad one is refused with a reason naming `field`, the good one
    applies. Returns the reason."""
    answer = live.push(username, bad, good)
    assert statuses(answer) == ["rejected", "applied"], answer.text
    first = answer.json()["results"][0]
    assert first["op"] == bad["op"]
    assert field in first["message"], first["message"]
    return first["message"]


LEAD_VALUES = [
    pytest.param("status", "sold_twice", id="status-outside-the-enum"),
    pytest.param("status", None, id="status-null"),
    pytest.param("qualified_budget_cents", "mille euros", id="text-in-a-cents-column"),
    pytest.param("qualified_budget_cents", 12.5, id="float-in-a-cents-column"),
    pytest.param("qualified_budget_cents", -100, id="negative-cents"),
    pytest.param("qualified_budget_cents", True, id="boolean-in-a-cents-column"),
    pytest.param("phone_e164", "pas un numéro", id="unparseable-phone"),
    pytest.param("phone_e164", "06 12 34 56 78", id="phone-not-in-its-stored-form"),
    pytest.param("phone_e164", "+14155550123", id="foreign-phone"),
    pytest.param("email", "pas-une-adresse", id="bad-email"),
    pytest.param("postcode", "7501", id="short-postcode"),
    pytest.param("postcode", "99999", id="postcode-of-no-departement"),
    pytest.param("qualified_start", "tomorrow", id="desired-start-outside-the-enum"),
    pytest.param("close_reason", "bored", id="close-reason-outside-the-enum"),
    pytest.param("contact_verified", "yes", id="text-in-a-boolean"),
    pytest.param("city", "x" * 121, id="over-long-string"),
    pytest.param("qualification_note", "x" * 16_001, id="over-long-text"),
    pytest.param("city", "Paris\x00", id="nul-character"),
    pytest.param("qualified_at", "2026-12-01T10:00:00", id="naive-datetime"),
]


@pytest.mark.parametrize(("field", "value"), LEAD_VALUES)
def test_a_bad_lead_value_is_refused_alone(live_server: LiveServer, field: str, value: Any) -> None:
    lead = new_lead(live_server)
    other = new_lead(live_server)
    bad = op("leads", lead.id, {field: value, "updated_at": utc_now().isoformat()})
    assert_refused_alone(live_server, "expert1", bad, good_note(other, "Rappeler le matin"), field)
    after = stored_lead(live_server, lead.id)
    assert getattr(after, field) == getattr(lead, field)
    assert stored_lead(live_server, other.id).qualification_note == "Rappeler le matin"


def call_attempt(live: LiveServer, lead: Lead, **changes: Any) -> dict[str, Any]:
    """A call attempt as the workstation inserts it when the call starts, with `changes`."""
    now = utc_now().isoformat()
    fields: dict[str, Any] = {
        "created_at": now,
        "updated_at": now,
        "deleted": False,
        "lead_id": str(lead.id),
        "phone_e164": lead.phone_e164,
        "caller_id": str(user_id(live, "expert1")),
        "started_at": now,
        "duration_seconds": 0,
        "disposition": Disposition.PENDING.value,
        "notes": "",
        "by_consent": False,
    }
    fields.update(changes)
    kept = {k: v for k, v in fields.items() if v is not ...}
    return op("call_attempts", uuid.uuid4(), kept, kind="insert")


CALL_VALUES = [
    pytest.param("duration_seconds", -30, id="negative-duration"),
    pytest.param("duration_seconds", "60", id="text-duration"),
    pytest.param("disposition", "answered_by_robot", id="unknown-disposition"),
    pytest.param("phone_e164", "0612", id="bad-phone"),
    pytest.param("started_at", "hier", id="unreadable-start"),
    pytest.param("by_consent", "true", id="text-in-a-boolean"),
]


@pytest.mark.parametrize(("field", "value"), CALL_VALUES)
def test_a_bad_call_attempt_is_refused_alone(
    live_server: LiveServer, field: str, value: Any
) -> None:
    lead = new_lead(live_server)
    bad = call_attempt(live_server, lead, **{field: value})
    good = call_attempt(live_server, lead)
    assert_refused_alone(live_server, "expert1", bad, good, field)
    with live_server.sessions() as session:
        assert session.get(CallAttempt, uuid.UUID(bad["id"])) is None
        assert session.get(CallAttempt, uuid.UUID(good["id"])) is not None


def provider(**changes: Any) -> dict[str, Any]:
    """A prospect as a rep's workstation inserts it, with `changes`."""
    now = utc_now().isoformat()
    fields: dict[str, Any] = {
        "created_at": now,
        "updated_at": now,
        "deleted": False,
        "company_name": "Plomberie Martin",
        "search_name": "plomberie martin",
        "legal_form": "SARL",
        "siren": "732829320",
        "siret": "73282932000074",
        "vat_number": "FR44732829320",
        "address_line": None,
        "postcode": "69003",
        "city": "Lyon",
        "departement_code": "69",
        "latitude": 45.76,
        "longitude": 4.85,
        "phone_e164": "+33478000000",
        "email": "contact@plomberie-martin.fr",
        "website": None,
        "owner_id": None,
        "source": "manual",
        "stage": "prospect",
        "stage_changed_at": now,
        "lost_reason": None,
        "closing_rate_percent": 30,
        "notes": "",
        "last_contact_at": None,
    }
    fields.update(changes)
    return op("providers", uuid.uuid4(), fields, kind="insert")


PROVIDER_VALUES = [
    pytest.param("siret", "73282932000075", id="siret-with-a-bad-key"),
    pytest.param("siren", "123", id="short-siren"),
    pytest.param("vat_number", "FR00732829320", id="vat-with-a-bad-key"),
    pytest.param("stage", "married", id="stage-outside-the-enum"),
    pytest.param("closing_rate_percent", 250, id="percent-above-100"),
    pytest.param("latitude", "45,76", id="text-in-a-number"),
    pytest.param("departement_code", "00", id="unknown-departement"),
]


@pytest.mark.parametrize(("field", "value"), PROVIDER_VALUES)
def test_a_bad_provider_is_refused_alone(live_server: LiveServer, field: str, value: Any) -> None:
    bad, good = provider(**{field: value}), provider()
    assert_refused_alone(live_server, "sales1", bad, good, field)
    with live_server.sessions() as session:
        assert session.get(Provider, uuid.UUID(bad["id"])) is None
        assert session.get(Provider, uuid.UUID(good["id"])) is not None
