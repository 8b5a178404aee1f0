"""A seeded server database on each database the tests run on, as (writer, reader) engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.contracts import ContractStatus
from app.domain.enums import LeadStatus
from app.persistence.models import (
    Contract,
    ContractPrice,
    ContractVersion,
    ContractZone,
    LeadSale,
    ProviderCredit,
)
from app.services.leads.intake import register_lead
from server.dispatch import dispatch_sessions
from server.invoicing import issue_invoice, providers_to_invoice
from server.persistence.database import server_engines, session_factory
from tests.contract_fixtures import add_provider, category_id
from tests.databases import database_params, empty_engine, reset_database
from tests.e2e.harness import lead_submission, seed_server

SEEDED_AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(params=database_params())
def seeded_engines(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Engine, Engine]]:
    engine = empty_engine(request.param, tmp_path)
    seed_server(engine, 0, SEEDED_AT)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    writer, reader = server_engines(url)
    yield writer, reader
    writer.dispose()
    reader.dispose()
    cleanup = empty_engine(request.param, tmp_path)
    reset_database(cleanup)
    cleanup.dispose()


NOW = SEEDED_AT  # 1 December 2026: November is over
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def books(seeded_engines):  # type: ignore[no-untyped-def]
    """Three providers with November sales: Paris (package + credit), La Réunion, Guyane."""
    writer, _reader = seeded_engines
    sessions = session_factory(writer)
    providers = {}
    with sessions.begin() as session:
        category = category_id(session)
        for n, (name, postcode, package) in enumerate(
            (("Paris", "75011", True), ("Réunion", "97400", False), ("Guyane", "97300", False))
        ):
            provider_id = add_provider(session, name, postcode, NOW)
            contract = Contract(provider_id=provider_id, reference=f"T{n}")
            session.add(contract)
            session.flush()
            version = ContractVersion(
                contract_id=contract.id,
                number=1,
                status=ContractStatus.ACTIVE,
                status_changed_at=NOW,
                starts_on=date(2026, 1, 1),
                sharing_level=3,
                package_fee_cents=20_000 if package else None,
                package_leads=2 if package else None,
                payment_days=45,
            )
            session.add(version)
            session.flush()
            session.add(
                ContractPrice(version_id=version.id, category_id=category, price_cents=2999)
            )
            session.add(ContractZone(version_id=version.id, departement_code="75"))
            for i in range(3):
                lead = register_lead(session, lead_submission(n * 10 + i, NOW))
                lead.status = LeadStatus.RELEASED
                session.flush()
                session.add(
                    LeadSale(
                        lead_id=lead.id,
                        provider_id=provider_id,
                        contract_id=contract.id,
                        version_id=version.id,
                        category_id=category,
                        lead_number=lead.number,
                        lead_postcode="75011",
                        lead_city="Paris",
                        sold_at=NOW - timedelta(days=5 + i),
                        price_cents=2999,
                        within_package=package and i < 2,
                        sharing_level=3,
                        rank=1,
                    )
                )
            providers[name] = provider_id
        session.add(
            ProviderCredit(
                provider_id=providers["Paris"],
                amount_cents=2999,
                label="Avoir – lead contesté",
                granted_at=NOW - timedelta(days=3),
            )
        )
    return sessions, dispatch_sessions(writer), providers


def issue_all(dispatch: sessionmaker[Session]) -> None:
    """What the server's run does: each provider in its own transaction, retried."""
    with dispatch() as session:
        providers = providers_to_invoice(session, NOVEMBER)
    for provider_id in providers:
        for attempt in range(10):
            try:
                with dispatch.begin() as session:
                    issue_invoice(session, provider_id, NOVEMBER, NOW)
                break
            except (IntegrityError, OperationalError):
                if attempt == 9:
                    raise
