"""Accounts, roles and what each workstation receives, against the real server."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from app.clock import utc_now
from app.domain.enums import CloseReason, LeadStatus
from app.persistence.models import JourneyEvent, Lead, OutboxEntry, Sector, User
from sync import engine as sync_engine
from sync.engine import ServerOutdatedError
from tests.e2e.harness import PASSWORD


def sign_in(server, username: str, password: str = PASSWORD) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/auth/sign-in",
        json={"username": username, "password": password},
        timeout=30,
    )


def user_id(station, username: str):
    with station.sessions() as session:
        return session.scalar(select(User.id).where(User.username == username))


def test_sign_in_gives_an_expiring_token_and_wrong_passwords_are_refused(server) -> None:
    good = sign_in(server, "expert1")
    assert good.status_code == 200 and good.json()["user"]["role"] == "expert"
    expires = datetime.fromisoformat(good.json()["expires_at"])
    assert utc_now() + timedelta(hours=1) < expires <= utc_now() + timedelta(hours=13)
    bad = sign_in(server, "expert1", "wrong")
    assert bad.status_code == 401 and "incorrect" in bad.json()["detail"]
    assert sign_in(server, "nobody").status_code == 401


def test_sign_out_revokes_the_token(server) -> None:
    token = sign_in(server, "expert1").json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.url}/api/v1/sync/pull", headers=headers).status_code == 200
    assert httpx.post(f"{server.url}/api/v1/auth/sign-out", headers=headers).status_code == 204
    assert httpx.get(f"{server.url}/api/v1/sync/pull", headers=headers).status_code == 401


def test_a_disabled_account_loses_its_token_and_cannot_sign_in(server, workstation) -> None:
    manager = workstation("manager1")
    manager.sync()
    expert_token = sign_in(server, "expert2").json()["token"]
    expert_id = user_id(manager, "expert2")
    manager_token = manager.token
    headers = {"Authorization": f"Bearer {expert_token}"}
    # An expert may not disable anyone; a manager may.
    assert (
        httpx.post(f"{server.url}/api/v1/users/{expert_id}/disable", headers=headers).status_code
        == 403
    )
    answer = httpx.post(
        f"{server.url}/api/v1/users/{expert_id}/disable",
        headers={"Authorization": f"Bearer {manager_token}"},
    )
    assert answer.status_code == 204
    assert httpx.get(f"{server.url}/api/v1/sync/pull", headers=headers).status_code == 401
    refused = sign_in(server, "expert2")
    assert refused.status_code == 401 and "désactivé" in refused.json()["detail"]
    manager.sync()
    assert manager.get(User, expert_id).active is False


def test_a_lead_leaving_the_experts_scope_leaves_their_workstation(workstation) -> None:
    expert, manager = workstation("expert1"), workstation("manager1")
    expert.sync()
    manager.sync()
    with expert.sessions() as session:
        lead_id = session.scalar(select(Lead.id).order_by(Lead.number).limit(1))
        assert session.scalar(select(func.count()).where(JourneyEvent.lead_id == lead_id)) == 1
    manager.edit(Lead, lead_id, status=LeadStatus.CLOSED, close_reason=CloseReason.DUPLICATE)
    with expert.sessions() as session:
        journey = set(
            session.scalars(select(JourneyEvent.id).where(JourneyEvent.lead_id == lead_id))
        )
    manager.sync()
    expert.received.clear()
    expert.sync()
    assert expert.get(Lead, lead_id) is None
    with expert.sessions() as session:
        assert session.scalar(select(func.count()).where(JourneyEvent.lead_id == lead_id)) == 0
    # The views are told of the lead and of what left with it.
    told = [changes for changes in expert.received if lead_id in changes.get("leads", ())]
    assert told and journey <= told[0]["journey_events"]
    # Removed from one workstation only: the manager still has it, closed.
    assert manager.get(Lead, lead_id).status == LeadStatus.CLOSED


def test_sales_reps_receive_no_leads(workstation) -> None:
    sales = workstation("sales1")
    sales.sync()
    with sales.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
        assert session.scalar(select(func.count()).select_from(Sector)) > 0


def test_an_edit_the_server_refuses_stays_on_the_workstation_with_its_reason(workstation):
    expert = workstation("expert1")
    expert.sync()
    with expert.sessions() as session:
        sector_id = session.scalar(select(Sector.id).limit(1))
    expert.edit(Sector, sector_id, qualification_threshold_cents=1)
    expert.sync()
    with expert.sessions() as session:
        entry = session.scalars(select(OutboxEntry)).one()
    assert entry.rejected_reason and "non modifiables" in entry.rejected_reason
    assert expert.store.counts() == (0, 1)


def test_an_outdated_workstation_is_told_to_update_and_changes_nothing(
    workstation, monkeypatch
) -> None:
    station = workstation("expert1")
    monkeypatch.setattr(sync_engine, "SCHEMA_VERSION", 1)
    with pytest.raises(ServerOutdatedError):
        station.sync()
    assert station.store.cursor() == 0
    with station.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0


def test_the_engine_reports_offline_and_keeps_edits_while_the_server_is_down(
    workstation, server
) -> None:
    station = workstation("expert1")
    station.sync()
    with station.sessions() as session:
        lead_id = session.scalar(select(Lead.id).limit(1))
    server.stop()
    station.edit(Lead, lead_id, city="Rennes")
    statuses = []

    async def one_round(engine) -> None:
        engine._on_status = statuses.append
        task = asyncio.ensure_future(engine.run(interval=0.2, max_backoff=0.5))
        await asyncio.sleep(1.5)
        task.cancel()

    asyncio.run(station._run(one_round))
    assert statuses[-1].state == "offline" and statuses[-1].waiting == 1
    assert statuses[-1].offline_since is not None
    server.start()
    station.sync()
    assert station.waiting() == 0
