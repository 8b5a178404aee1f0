"""A rep's contract reaches the server, which activates it on request; leads an expert releases
are sold under it within its cap; concurrent dispatch requests on two server workers never
oversell (SQLite, PostgreSQL and MariaDB)."""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.dispatch.matching import UnsoldReason
from app.domain.contracts import ContractStatus, RequestKind, RequestState
from app.domain.disputes import DisputeReason
from app.domain.enums import LeadStatus
from app.persistence.database import make_engine
from app.persistence.models import (
    Contract,
    ContractRequest,
    ContractVersion,
    Lead,
    LeadSale,
    ProviderCredit,
    UnsoldLead,
)
from app.services.auth import StaffMember
from app.services.billing.disputes import DisputeService
from app.services.contracts.contract_queries import ContractQueries
from app.services.contracts.contracts import ContractService
from app.services.leads.unsold import UnsoldQueries
from server.intake import issue_site_key
from tests.contract_fixtures import add_provider, category_id, terms
from tests.e2e.harness import PASSWORD, server_count


def _staff(station) -> StaffMember:  # type: ignore[no-untyped-def]
    assert station.user_id is not None
    return StaffMember(station.user_id, station.username, station.username, "sales")  # type: ignore[arg-type]


def _signed_contract(rep, name: str, **term_changes) -> tuple[uuid.UUID, uuid.UUID]:  # type: ignore[no-untyped-def]
    now = rep.wall()
    with rep.sessions.begin() as session:
        provider_id = add_provider(session, name, "75011", now)
        category = category_id(session)
    service = ContractService(rep.sessions, rep.wall, _staff(rep))
    start = (now - timedelta(days=1)).date()
    version_id = service.create(provider_id, terms(category, starts_on=start, **term_changes))
    service.move(version_id, ContractStatus.SENT)
    service.move(version_id, ContractStatus.SIGNED)
    return provider_id, version_id


def test_a_contract_is_activated_by_the_server_and_released_leads_arrive_within_the_cap(
    server, workstation
) -> None:  # type: ignore[no-untyped-def]
    rep = workstation("sales1")
    rep.sync()
    provider_id, version_id = _signed_contract(rep, "Bains Durand", cap_leads=3)
    request_id = ContractService(rep.sessions, rep.wall, _staff(rep)).request(
        version_id, RequestKind.ACTIVATE
    )
    rep.sync()
    request = rep.get(ContractRequest, request_id)
    assert request.state == RequestState.DONE, request.answer
    assert rep.get(ContractVersion, version_id).status == ContractStatus.ACTIVE
    contract = rep.get(Contract, rep.get(ContractVersion, version_id).contract_id)
    assert contract.reference and contract.reference.startswith("CT-")

    expert = workstation("expert1")
    expert.sync()
    with expert.sessions() as session:
        leads = list(session.scalars(select(Lead.id).order_by(Lead.number).limit(5)))
    for lead_id in leads:  # re-qualified with confirmed details, as the app releases
        expert.edit(
            Lead,
            lead_id,
            qualified_at=expert.wall(),
            contact_verified=True,
            status=LeadStatus.RELEASED,
        )
    expert.sync()

    assert server_count(server.database_url, LeadSale, provider_id=provider_id) == 3
    assert server_count(server.database_url, UnsoldLead, reason=UnsoldReason.CAPS_REACHED) == 2
    rep.sync()
    month = ContractQueries(rep.sessions).provider_month(provider_id, rep.wall())
    assert month.leads == 3 and len(month.sales) == 3
    assert month.amount_cents == 3 * 2500
    assert month.version is not None and month.version.version_id == version_id

    # The manager sees the two unsold leads and why, and asks the server to place them again.
    manager = workstation("manager1")
    manager.sync()
    unsold, total = UnsoldQueries(manager.sessions).rows()
    assert total == 2 and {r.reason for r in unsold} == {UnsoldReason.CAPS_REACHED}
    answer = asyncio.run(
        manager._run(lambda engine: engine.api.dispatch_leads([str(r.lead_id) for r in unsold]))
    )
    assert [p["unsold_reason"] for p in answer["placed"]] == ["caps_reached"] * 2

    # The provider disputes a lead; the rep accepts: the server makes the credit, once.
    disputes = DisputeService(rep.sessions, rep.wall, _staff(rep))
    dispute_id = disputes.file(month.sales[0].sale_id, DisputeReason.WRONG_CONTACT, "Faux numéro")
    disputes.decide(dispute_id, True, "Numéro non attribué")
    rep.sync()
    assert server_count(server.database_url, ProviderCredit, dispute_id=dispute_id) == 1
    month = ContractQueries(rep.sessions).provider_month(provider_id, rep.wall())
    assert month.credits_cents == 2500 and month.amount_cents == 2 * 2500


def test_concurrent_dispatch_requests_on_two_workers_never_oversell(server, workstation) -> None:  # type: ignore[no-untyped-def]
    rep = workstation("sales1")
    rep.sync()
    service = ContractService(rep.sessions, rep.wall, _staff(rep))
    caps = {}
    for name, changes in (
        ("Exclusif", {"sharing_level": 1, "cap_leads": 4, "price_cents": 5000}),
        ("Partage B", {"sharing_level": 2, "cap_leads": 6}),
        ("Partage C", {"sharing_level": 2, "cap_leads": 6}),
    ):
        provider_id, version_id = _signed_contract(rep, name, **changes)
        service.request(version_id, RequestKind.ACTIVATE)
        caps[provider_id] = (changes["cap_leads"], changes["sharing_level"])
    rep.sync()

    engine = make_engine(server.database_url)
    with Session(engine) as session, session.begin():
        leads = list(session.scalars(select(Lead.id).order_by(Lead.number).limit(12)))
        session.execute(update(Lead).where(Lead.id.in_(leads)).values(status=LeadStatus.RELEASED))
    token = httpx.post(
        f"{server.url}/api/v1/auth/sign-in",
        json={"username": "manager1", "password": PASSWORD},
    ).json()["token"]

    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def hammer(seed: int) -> None:
        order = [str(x) for x in leads]
        random.Random(seed).shuffle(order)
        barrier.wait()
        try:
            answer = httpx.post(
                f"{server.url}/api/v1/dispatch/leads",
                json={"lead_ids": order},
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            )
            answer.raise_for_status()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not errors, errors

    with Session(engine) as session:
        sales = session.execute(select(LeadSale.lead_id, LeadSale.provider_id)).all()
        per_lead = dict(
            session.execute(
                select(LeadSale.lead_id, func.min(LeadSale.sharing_level)).group_by(
                    LeadSale.lead_id
                )
            ).all()
        )
    engine.dispose()
    for provider_id, (cap, _level) in caps.items():
        assert sum(1 for _l, p in sales if p == provider_id) == cap  # filled, never beyond
    for lead_id, level in per_lead.items():
        assert sum(1 for lead, _p in sales if lead == lead_id) <= level
    assert len(set(sales)) == len(sales)


def test_a_small_request_from_a_web_form_is_sold_at_once_to_as_few_as_the_consumer_asked(
    server, workstation
) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.test_intake import form, post

    rep = workstation("sales1")
    rep.sync()
    service = ContractService(rep.sessions, rep.wall, _staff(rep))
    providers = []
    for name in ("Bains A", "Bains B"):
        provider_id, version_id = _signed_contract(rep, name)
        service.request(version_id, RequestKind.ACTIVATE)
        providers.append(provider_id)
    rep.sync()
    engine = make_engine(server.database_url)
    with Session(engine) as session, session.begin():
        key = issue_site_key(session, "devis-maison", rep.wall())
    engine.dispose()
    # No budget: not a large project, so released at once and dispatched by the server.
    small = form(phone="06 55 44 33 22", budget_cents=None, postcode="75011", max_providers=1)
    answer = post(server, key, small)
    assert answer.status_code == 201, answer.text
    lead_id = answer.json()["lead_id"]
    assert server_count(server.database_url, LeadSale, lead_id=uuid.UUID(lead_id)) == 1
    shared = post(server, key, form(phone="06 55 44 33 23", budget_cents=None, postcode="75011"))
    lead_id = uuid.UUID(shared.json()["lead_id"])
    assert server_count(server.database_url, LeadSale, lead_id=lead_id) == 2
