"""Providers made on a rep's workstation reach the server and the other reps' and managers'
workstations, never the experts'; the server reads the demand history for reps."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from app.domain.providers import ActivityKind, CallOutcome, ProviderStage
from app.persistence.models import Category, Provider, ProviderChange, ProviderContact
from app.services.auth import StaffMember
from app.services.demand_history import DemandSelection, history_from_json
from app.services.providers.provider_activities import ProviderActivities
from app.services.providers.providers import (
    ContactInput,
    NewProvider,
    ProviderForm,
    ProviderService,
)
from sync.engine import ServerApi
from tests.e2e.harness import PASSWORD


def _count(station, model) -> int:  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_provider_syncs_to_sales_and_managers_only(server, workstation) -> None:  # type: ignore[no-untyped-def]
    rep = workstation("sales1")
    rep.sync()
    assert rep.user_id is not None
    staff = StaffMember(rep.user_id, "sales1", "Sales1", "sales")  # type: ignore[arg-type]
    with rep.sessions() as session:
        category = session.scalar(select(Category.id).limit(1))
    provider_id = ProviderService(rep.sessions, rep.wall, staff).create(
        NewProvider(
            ProviderForm(
                company_name="Plomberie Durand",
                siren="732829320",
                postcode="75011",
                city="Paris",
                phone="01 43 55 12 12",
            ),
            [category],
            contacts=[ContactInput("Jean Durand", "Gérant", "06 12 34 56 78")],
        )
    )
    ProviderActivities(rep.sessions, rep.wall, staff).log(
        provider_id, ActivityKind.CALL, notes="OK", outcome=CallOutcome.REACHED
    )
    rep.sync()
    assert rep.waiting() == 0

    manager = workstation("manager1")
    manager.sync()
    provider = manager.get(Provider, provider_id)
    assert provider is not None and provider.stage == ProviderStage.CONTACTED
    assert _count(manager, ProviderContact) == 1
    assert _count(manager, ProviderChange) == 2  # created, then the stage

    expert = workstation("expert1")
    expert.sync()
    assert _count(expert, Provider) == 0

    # The history of demand comes from the server's leads; experts may not ask for it.
    async def ask(username: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            api = ServerApi(client)
            api.token = (await api.sign_in(username, PASSWORD))["token"]
            selection = DemandSelection((category,), ("75", "92")).to_json()
            return await client.post(
                "/api/v1/demand/history", json=selection, headers=api._headers()
            )

    answer = asyncio.run(ask("sales1"))
    assert answer.status_code == 200
    history = history_from_json(answer.json())
    assert len(history.months) == 24
    assert asyncio.run(ask("expert1")).status_code == 403
