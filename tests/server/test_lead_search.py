"""The server's lead search and lead detail: every lead whatever its state, for the roles
that may see leads (issue 13, item 9)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.enums import CloseReason, Disposition, LeadStatus
from app.persistence.models import CallAttempt, User
from app.services.leads.intake import register_lead
from app.services.leads.lead_detail import lead_detail_from_json
from app.services.leads.queue import row_from_search_result
from server.app import create_app
from server.config import ServerConfig
from server.persistence.database import session_factory
from tests.e2e.harness import PASSWORD, lead_submission
from tests.server.conftest import NOW


@pytest.fixture
def leads(seeded_engines) -> dict[str, uuid.UUID]:  # type: ignore[no-untyped-def]
    """An open lead, a closed one with a last call, a released one and an opposed one."""
    writer, _reader = seeded_engines
    with session_factory(writer).begin() as session:
        expert = session.scalar(select(User.id).where(User.username == "expert1"))
        made = {}
        for n, (key, status, reason) in enumerate(
            (
                ("open", LeadStatus.TO_QUALIFY, None),
                ("closed", LeadStatus.CLOSED, CloseReason.NOT_INTERESTED),
                ("released", LeadStatus.RELEASED, None),
                ("opposed", LeadStatus.CLOSED, CloseReason.OPPOSITION),
            )
        ):
            lead = register_lead(session, lead_submission(n, NOW))
            lead.status = status
            lead.close_reason = reason
            lead.closed_at = NOW if reason else None
            made[key] = lead.id
        session.flush()
        session.add(
            CallAttempt(
                lead_id=made["closed"],
                phone_e164="+33612000001",
                caller_id=expert,
                started_at=NOW - timedelta(minutes=30),
                duration_seconds=60,
                disposition=Disposition.NOT_INTERESTED,
            )
        )
    return made


@pytest.fixture
def client(seeded_engines, leads) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    writer, _reader = seeded_engines
    url = writer.url.render_as_string(hide_password=False)
    with TestClient(create_app(ServerConfig(database_url=url))) as test_client:
        yield test_client


def signed_in(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/sign-in", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def search(client: TestClient, headers: dict[str, str], **params: object):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/leads/search", params=params, headers=headers)


@pytest.mark.parametrize("username", ["expert1", "manager1"])
def test_a_closed_released_or_opposed_lead_is_found_with_its_status(
    client: TestClient, leads: dict[str, uuid.UUID], username: str
) -> None:
    headers = signed_in(client, username)
    answer = search(client, headers, q="nom")  # every "NomN" of the fixture
    assert answer.status_code == 200, answer.text
    found = {uuid.UUID(r["id"]): r for r in answer.json()["leads"]}
    assert set(found) == set(leads.values())
    closed = found[leads["closed"]]
    assert closed["status"] == "closed"
    assert closed["last_outcome"] == "not_interested"
    assert closed["name"] == "NOM1 Prénom1" and closed["postcode"] == "75011"
    assert found[leads["released"]]["status"] == "released"
    assert found[leads["opposed"]]["status"] == "closed"
    row = row_from_search_result(closed)
    assert row.from_server and row.status == LeadStatus.CLOSED
    assert row.call is not None and not row.call.allowed


def test_search_keys_are_the_workstations(client: TestClient, leads) -> None:  # type: ignore[no-untyped-def]
    headers = signed_in(client, "expert1")
    by_phone = search(client, headers, q="06 12 00 00 01").json()["leads"]
    assert [uuid.UUID(r["id"]) for r in by_phone] == [leads["closed"]]
    number = by_phone[0]["number"]
    by_number = search(client, headers, q=str(number)).json()["leads"]
    assert [r["number"] for r in by_number] == [number]
    assert {uuid.UUID(r["id"]) for r in search(client, headers, q="75011").json()["leads"]} == set(
        leads.values()
    )
    assert search(client, headers, q="nom3").json()["leads"][0]["id"] == str(leads["opposed"])


def test_a_sales_rep_may_not_search_nor_read_leads(client: TestClient, leads) -> None:  # type: ignore[no-untyped-def]
    headers = signed_in(client, "sales1")
    refused = search(client, headers, q="nom")
    assert refused.status_code == 403 and "commerciaux" in refused.json()["detail"]
    detail = client.get(f"/api/v1/leads/{leads['closed']}", headers=headers)
    assert detail.status_code == 403
    assert search(client, {}, q="nom").status_code == 401


@pytest.mark.parametrize(("limit", "status"), [(0, 422), (201, 422), (1, 200), (200, 200)])
def test_the_limit_is_bounded(client: TestClient, limit: int, status: int) -> None:
    headers = signed_in(client, "expert1")
    answer = search(client, headers, q="nom", limit=limit)
    assert answer.status_code == status, answer.text
    if status == 422:
        assert "Valeur trop" in answer.json()["detail"]
    else:
        assert 1 <= len(answer.json()["leads"]) <= limit


def test_an_empty_or_missing_text_is_refused(client: TestClient) -> None:
    headers = signed_in(client, "expert1")
    assert search(client, headers, q="").status_code == 422
    assert client.get("/api/v1/leads/search", headers=headers).status_code == 422


def test_the_detail_of_a_closed_lead_and_an_unknown_one(client: TestClient, leads) -> None:  # type: ignore[no-untyped-def]
    headers = signed_in(client, "expert1")
    answer = client.get(f"/api/v1/leads/{leads['closed']}", headers=headers)
    assert answer.status_code == 200, answer.text
    detail = lead_detail_from_json(answer.json())
    assert detail.id == leads["closed"] and detail.status == LeadStatus.CLOSED
    assert detail.close_reason == CloseReason.NOT_INTERESTED
    assert [c.disposition for c in detail.calls] == [Disposition.NOT_INTERESTED]
    assert not detail.call.allowed
    missing = client.get(f"/api/v1/leads/{uuid.uuid4()}", headers=headers)
    assert missing.status_code == 404 and missing.json()["detail"] == "Lead inconnu."
