"""What a workstation may push about contracts and disputes: the server refuses, with a French
reason, what the life cycle or the rules forbid, instead of failing the whole batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.contracts import ContractStatus, RequestKind, RequestState
from app.domain.disputes import DisputeReason, DisputeStatus
from app.domain.enums import LeadStatus, Role
from app.ids import uuid7
from app.persistence.database import make_engine, make_session_factory
from app.persistence.models import Contract, ContractVersion, LeadSale, User
from app.services.leads.intake import register_lead
from server.push import Operation, apply_push
from server.scope import UserScope
from sync.hlc import Stamp
from sync.schema import encode
from tests.contract_fixtures import add_provider, category_id
from tests.e2e.harness import lead_submission, seed_server

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'server.sqlite'}")
    seed_server(engine, 0, NOW)
    sessions = make_session_factory(engine)
    with sessions() as session:
        rep = session.scalars(select(User).where(User.username == "sales1")).one()
    yield sessions, UserScope(rep.id, Role.SALES)
    engine.dispose()


def _push(sessions, scope, table: str, row_id, kind: str = "insert", **fields: Any) -> dict:  # type: ignore[no-untyped-def]
    op = Operation(
        uuid7(),
        table,
        row_id,
        kind,
        str(Stamp(int(NOW.timestamp() * 1000), 0, "ws")),
        {k: encode(v) for k, v in fields.items()},
        {},
    )
    with sessions.begin() as session:
        answers, _changed = apply_push(session, scope, [op], NOW)
    return answers[0]


def _version(sessions, status: ContractStatus = ContractStatus.SIGNED):  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        provider = add_provider(session, "Alpha", "75011", NOW)
        contract = Contract(provider_id=provider)
        session.add(contract)
        session.flush()
        version = ContractVersion(
            contract_id=contract.id,
            number=1,
            status=status,
            status_changed_at=NOW,
            starts_on=date(2026, 12, 1),
            sharing_level=3,
        )
        session.add(version)
        session.flush()
        return provider, contract.id, version.id


def test_versions_are_born_drafts_and_numbers_are_not_taken_twice(server) -> None:  # type: ignore[no-untyped-def]
    sessions, scope = server
    _provider, contract_id, _version_id = _version(sessions)
    fields = dict(
        contract_id=contract_id,
        number=2,
        status=ContractStatus.ACTIVE,
        status_changed_at=NOW,
        starts_on=date(2027, 1, 1),
        sharing_level=3,
        created_at=NOW,
        updated_at=NOW,
    )
    assert "brouillon" in _push(sessions, scope, "contract_versions", uuid7(), **fields)["message"]
    fields["status"] = ContractStatus.DRAFT
    assert _push(sessions, scope, "contract_versions", uuid7(), **fields)["status"] == "applied"
    refused = _push(sessions, scope, "contract_versions", uuid7(), **fields)
    assert refused["status"] == "rejected" and "existe déjà" in refused["message"]


def test_signed_terms_are_frozen_and_activation_is_the_servers(server) -> None:  # type: ignore[no-untyped-def]
    sessions, scope = server
    _provider, _contract_id, version_id = _version(sessions)
    frozen = _push(sessions, scope, "contract_versions", version_id, "update", cap_leads=99)
    assert frozen["status"] == "rejected" and "avenant" in frozen["message"]
    active = _push(
        sessions, scope, "contract_versions", version_id, "update", status=ContractStatus.ACTIVE
    )
    assert active["status"] == "rejected" and "réservé au serveur" in active["message"]
    with sessions.begin() as session:
        category = category_id(session)
    price = _push(
        sessions,
        scope,
        "contract_prices",
        uuid7(),
        version_id=version_id,
        category_id=category,
        price_cents=100,
        created_at=NOW,
        updated_at=NOW,
    )
    assert price["status"] == "rejected"
    answered = _push(
        sessions,
        scope,
        "contract_requests",
        uuid7(),
        version_id=version_id,
        kind=RequestKind.ACTIVATE,
        requested_by_id=scope.user_id,
        requested_at=NOW,
        state=RequestState.DONE,
        created_at=NOW,
        updated_at=NOW,
    )
    assert answered["status"] == "rejected"
    with sessions() as session:
        assert session.get(ContractVersion, version_id).cap_leads is None


def test_a_sale_is_disputed_once_and_within_the_window(server) -> None:  # type: ignore[no-untyped-def]
    sessions, scope = server
    provider, contract_id, version_id = _version(sessions, ContractStatus.ACTIVE)
    with sessions.begin() as session:
        lead = register_lead(session, lead_submission(1, NOW))
        lead.status = LeadStatus.RELEASED
        sale = LeadSale(
            lead_id=lead.id,
            provider_id=provider,
            contract_id=contract_id,
            version_id=version_id,
            category_id=lead.category_id,
            lead_number=lead.number,
            lead_postcode="75011",
            lead_city="Paris",
            sold_at=NOW - timedelta(days=40),
            price_cents=2500,
            sharing_level=3,
            rank=1,
        )
        session.add(sale)
        session.flush()
        sale_id = sale.id

    def dispute(filed_at: datetime) -> dict:
        return _push(
            sessions,
            scope,
            "lead_disputes",
            uuid7(),
            sale_id=sale_id,
            provider_id=provider,
            reason=DisputeReason.FAKE_REQUEST,
            filed_at=filed_at,
            filed_by_id=scope.user_id,
            status=DisputeStatus.OPEN,
            created_at=NOW,
            updated_at=NOW,
        )

    late = dispute(NOW)
    assert late["status"] == "rejected" and "Délai" in late["message"]
    assert dispute(NOW - timedelta(days=20))["status"] == "applied"
    twice = dispute(NOW - timedelta(days=19))
    assert twice["status"] == "rejected" and "déjà contesté" in twice["message"]


def test_every_row_an_answered_request_writes_is_numbered_for_sync(server) -> None:  # type: ignore[no-untyped-def]
    """The audit event of a status step is added after the last flush: it must still get its
    sync number, or no workstation ever receives it."""
    from app.persistence.models import ContractEvent, ContractRequest
    from server.contracts import answer_request

    sessions, scope = server
    _provider, _contract_id, version_id = _version(sessions, ContractStatus.ACTIVE)
    request_id = uuid7()
    with sessions.begin() as session:
        session.add(
            ContractRequest(
                id=request_id,
                version_id=version_id,
                kind=RequestKind.SUSPEND,
                requested_by_id=scope.user_id,
                requested_at=NOW,
                state=RequestState.PENDING,
                reason="Test",
            )
        )
    with sessions.begin() as session:
        answer_request(session, request_id, NOW)
    with sessions() as session:
        events = session.scalars(
            select(ContractEvent).where(ContractEvent.version_id == version_id)
        ).all()
        assert [e.to_status for e in events] == [ContractStatus.SUSPENDED]
        assert all(e.server_seq for e in events)
        assert session.get(ContractRequest, request_id).server_seq
