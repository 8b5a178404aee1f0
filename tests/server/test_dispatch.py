"""Dispatch on the server: activation requests, the matching rule on real rows, caps, sharing
limits and unsold leads, and racing placements on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.dispatch.matching import DispatchPolicy, UnsoldReason
from app.domain.contracts import ContractStatus, RequestKind, RequestState
from app.domain.enums import LeadStatus, Role
from app.domain.zones import ZoneInput
from app.persistence.models import (
    Contract,
    ContractVersion,
    LeadSale,
    UnsoldLead,
    User,
)
from app.services.auth import StaffMember
from app.services.contracts.contracts import ContractService
from app.services.leads.intake import register_lead
from server.contracts import answer_request
from server.dispatch import dispatch_lead, dispatch_sessions
from server.persistence.database import session_factory
from tests.contract_fixtures import add_provider, category_id, terms
from tests.e2e.harness import lead_submission
from tests.server.conftest import SEEDED_AT

NOW = SEEDED_AT
POLICY = DispatchPolicy()


@pytest.fixture
def server_db(seeded_engines):  # type: ignore[no-untyped-def]
    writer, _reader = seeded_engines
    return session_factory(writer), dispatch_sessions(writer)


def _rep(sessions: sessionmaker[Session]) -> StaffMember:
    with sessions() as session:
        user = session.scalars(select(User).where(User.username == "sales1")).one()
        return StaffMember(user.id, user.username, user.display_name, Role.SALES)


def _active_contract(
    sessions: sessionmaker[Session], name: str, postcode: str = "75011", **term_changes
) -> tuple[uuid.UUID, uuid.UUID]:
    """A provider with a signed contract the server activated: (provider id, version id)."""
    rep = _rep(sessions)
    with sessions.begin() as session:
        provider_id = add_provider(session, name, postcode, NOW)
        category = category_id(session)
    service = ContractService(sessions, lambda: NOW, rep)
    version_id = service.create(provider_id, terms(category, **term_changes))
    service.move(version_id, ContractStatus.SENT)
    service.move(version_id, ContractStatus.SIGNED)
    request_id = service.request(version_id, RequestKind.ACTIVATE)
    with sessions.begin() as session:
        answered = answer_request(session, request_id, NOW)
        assert answered is not None and answered.state == RequestState.DONE, answered.answer
    return provider_id, version_id


def _released_leads(
    sessions: sessionmaker[Session], count: int, postcode: str = "75011", start: int = 0
) -> list[uuid.UUID]:
    ids = []
    with sessions.begin() as session:
        for n in range(start, start + count):
            submission = lead_submission(n, NOW)
            lead = register_lead(
                session, submission.__class__(**{**submission.__dict__, "postcode": postcode})
            )
            lead.status = LeadStatus.RELEASED
            ids.append(lead.id)
    return ids


def _place(dispatch: sessionmaker[Session], lead_id: uuid.UUID, now: datetime = NOW):
    with dispatch.begin() as session:
        return dispatch_lead(session, lead_id, now, POLICY)


def _sales(sessions: sessionmaker[Session], **where) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(LeadSale)
        for name, value in where.items():
            query = query.where(getattr(LeadSale, name) == value)
        return session.scalar(query) or 0


def test_activation_assigns_a_reference_and_an_amendment_ends_the_previous_version(server_db):
    sessions, _ = server_db
    _provider, first = _active_contract(sessions, "Alpha")
    rep = _rep(sessions)
    with sessions() as session:
        version = session.get(ContractVersion, first)
        contract = session.get(Contract, version.contract_id)
        assert contract.reference and contract.reference.startswith("CT-")
        category = category_id(session)
    service = ContractService(sessions, lambda: NOW, rep)
    amendment = service.amend(
        version.contract_id, terms(category, 3000, starts_on=date(2027, 1, 1))
    )
    service.move(amendment, ContractStatus.SENT)
    service.move(amendment, ContractStatus.SIGNED)
    request_id = service.request(amendment, RequestKind.ACTIVATE)
    with sessions.begin() as session:
        assert answer_request(session, request_id, NOW).state == RequestState.DONE
    with sessions() as session:
        assert session.get(ContractVersion, first).ends_on == date(2026, 12, 31)
        assert session.get(ContractVersion, amendment).status == ContractStatus.ACTIVE


def test_a_request_that_does_not_fit_is_refused_with_the_reason(server_db):
    sessions, _ = server_db
    _provider, version_id = _active_contract(sessions, "Alpha")
    rep = _rep(sessions)
    with sessions.begin() as session:
        # A second activation of an active version cannot be queued from the workstation
        # (the service refuses), so the server sees a request that arrived late, offline.
        from app.persistence.models import ContractRequest

        request = ContractRequest(
            version_id=version_id,
            kind=RequestKind.ACTIVATE,
            requested_by_id=rep.id,
            requested_at=NOW,
            state=RequestState.PENDING,
        )
        session.add(request)
        session.flush()
        request_id = request.id
    with sessions.begin() as session:
        answered = answer_request(session, request_id, NOW)
        assert answered.state == RequestState.REFUSED
        assert "Actif" in answered.answer


def test_leads_go_to_matching_providers_in_rank_order_within_sharing(server_db):
    sessions, dispatch = server_db
    cheap, _ = _active_contract(sessions, "Cheap", price_cents=2000)
    dear, _ = _active_contract(sessions, "Dear", price_cents=4000)
    radius, _ = _active_contract(
        sessions, "Radius", price_cents=2500, zones=(ZoneInput(postcode="75012", radius_km=5),)
    )
    _active_contract(sessions, "Lyon", price_cents=9000, zones=(ZoneInput(departement_code="69"),))
    [lead] = _released_leads(sessions, 1)
    placed = _place(dispatch, lead)
    # Same pace (nothing delivered yet), so the higher price comes first; Lyon does not cover
    # 75011, and sharing level 3 lets the three others take it.
    assert placed.sold_to == (dear, radius, cheap)
    again = _place(dispatch, lead)
    assert again.sold_to == ()  # idempotent
    assert _sales(sessions, lead_id=lead) == 3


def test_an_exclusive_contract_takes_the_lead_alone(server_db):
    sessions, dispatch = server_db
    exclusive, _ = _active_contract(sessions, "Exclusif", price_cents=9000, sharing_level=1)
    _active_contract(sessions, "Shared", price_cents=2000)
    [lead] = _released_leads(sessions, 1)
    assert _place(dispatch, lead).sold_to == (exclusive,)
    assert _sales(sessions, lead_id=lead) == 1


def test_caps_and_unsold_reasons(server_db):
    sessions, dispatch = server_db
    provider, _ = _active_contract(sessions, "Capped", cap_leads=2)
    leads = _released_leads(sessions, 3)
    outside = _released_leads(sessions, 1, postcode="69003", start=10)
    results = [_place(dispatch, lead) for lead in leads + outside]
    assert [r.sold_to for r in results[:2]] == [(provider,), (provider,)]
    assert results[2].unsold_reason == UnsoldReason.CAPS_REACHED
    assert results[3].unsold_reason == UnsoldReason.NO_COVERAGE
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(UnsoldLead)) == 2
    # Next month the cap starts again, and the unsold lead is marked sold when placed.
    later = NOW + timedelta(days=31)
    assert _place(dispatch, leads[2], later).sold_to == (provider,)
    with sessions() as session:
        unsold = session.scalars(select(UnsoldLead).where(UnsoldLead.lead_id == leads[2])).one()
        assert unsold.sold_later_at is not None


def test_a_suspended_contract_receives_nothing(server_db):
    sessions, dispatch = server_db
    _provider, version_id = _active_contract(sessions, "Paused")
    request_id = ContractService(sessions, lambda: NOW, _rep(sessions)).request(
        version_id, RequestKind.SUSPEND, "Impayé"
    )
    with sessions.begin() as session:
        answer_request(session, request_id, NOW)
    [lead] = _released_leads(sessions, 1)
    assert _place(dispatch, lead).unsold_reason == UnsoldReason.NO_COVERAGE


def test_termination_runs_its_notice_and_tacit_renewal_keeps_a_contract_going(server_db):
    sessions, dispatch = server_db
    leaving, version_id = _active_contract(sessions, "Leaving", notice_days=30)
    renewed, _ = _active_contract(
        sessions, "Renewed", ends_on=date(2026, 11, 30), tacit_renewal=True
    )
    request_id = ContractService(sessions, lambda: NOW, _rep(sessions)).request(
        version_id, RequestKind.TERMINATE, "Départ à la retraite"
    )
    with sessions.begin() as session:
        answer_request(session, request_id, NOW)
    with sessions() as session:
        version = session.get(ContractVersion, version_id)
        assert version.status == ContractStatus.TERMINATED
        assert version.ends_on == date(2026, 12, 31) and not version.tacit_renewal
    first, second = _released_leads(sessions, 2)
    assert set(_place(dispatch, first).sold_to) == {leaving, renewed}
    after_notice = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
    assert _place(dispatch, second, after_notice).sold_to == (renewed,)


def _race(work, threads: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    return errors


def _retrying(dispatch: sessionmaker[Session], lead_id: uuid.UUID) -> None:
    """What the server's write() does: retry on a deadlock or a busy database."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(10):
        try:
            _place(dispatch, lead_id)
            return
        except OperationalError:
            if attempt == 9:
                raise


def test_racing_placements_never_exceed_a_cap(server_db):
    sessions, dispatch = server_db
    provider, _ = _active_contract(sessions, "Capped", cap_leads=5)
    leads = _released_leads(sessions, 16)
    errors = _race(lambda i: _retrying(dispatch, leads[i]), len(leads))
    assert not errors, errors
    assert _sales(sessions, provider_id=provider) == 5


def test_racing_placements_of_one_lead_never_exceed_its_sharing(server_db):
    sessions, dispatch = server_db
    providers = [_active_contract(sessions, f"P{i}", sharing_level=2)[0] for i in range(4)]
    [lead] = _released_leads(sessions, 1)
    errors = _race(lambda _i: _retrying(dispatch, lead), 8)
    assert not errors, errors
    assert _sales(sessions, lead_id=lead) == 2
    assert len(providers) == 4
