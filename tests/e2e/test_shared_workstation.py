"""Several accounts on one PC, against the real server: each its own workspace, and no
change ever pushed under another account's token (issue 13, item 1)."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from app.clock import utc_now
from app.domain.errors import ActionRefused
from app.persistence.models import Lead, OutboxEntry, Sector, SyncState
from app.services.auth import SignInUnavailable
from app.workspace import (
    OWNER_KEY,
    WorkstationFolder,
    adopt_shared_workspace,
    claim_workspace,
    create_workspace,
    open_workspace,
    workspace_owner,
)
from sync.engine import ForeignWorkspace, ServerApi, SyncEngine
from sync.local_store import LocalStore, apply_engine
from sync.tracking import workstation_clock
from tests.e2e.harness import PASSWORD, server_count
from ui.sync.sync_session import AccountSignIn, SyncSession


def in_loop(work: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(work())  # type: ignore[arg-type]


def signer(folder: Path, url: str) -> AccountSignIn:
    return AccountSignIn(WorkstationFolder(folder), url, open_workspace)


async def signed_in(sign: AccountSignIn, username: str, password: str = PASSWORD) -> SyncSession:
    # On a worker thread, as the sign-in dialog calls it (it opens and reads the workspace).
    await asyncio.to_thread(sign.authenticate, username, password)
    assert sign.session is not None
    await sign.session.engine.sync_once()
    return sign.session


def local_count(session: SyncSession, model: type) -> int:
    with session.workspace.sessions() as db:
        return db.scalar(select(func.count()).select_from(model))


def test_each_account_works_in_its_own_workspace_and_its_edits_wait_for_it(
    server, server_database: str, tmp_path: Path
) -> None:
    folder = tmp_path / "pc"
    sign = signer(folder, server.url)

    async def scenario() -> None:
        expert = await signed_in(sign, "expert1")
        assert local_count(expert, Lead) > 0
        with expert.workspace.sessions.begin() as db:
            lead = db.scalars(select(Lead).order_by(Lead.number).limit(1)).one()
            lead_id = lead.id
            lead.city = "Rennes"  # not sent: the expert signs out before the next sync
        expert_path = expert.workspace.path
        await expert.close(sign_out=True)

        sales = await signed_in(sign, "sales1")
        assert sales.workspace.path != expert_path
        # The rep's own download from the start (not the expert's cursor): no leads, the
        # reference data; and nothing of the expert's went up under the rep's token.
        assert local_count(sales, Lead) == 0 and local_count(sales, Sector) > 0
        assert server_count(server_database, Lead, id=lead_id, city="Rennes") == 0
        await sales.close(sign_out=True)

        waiting = open_workspace(expert_path)
        with waiting.sessions() as db:
            assert db.scalar(select(func.count()).select_from(OutboxEntry)) == 1
        waiting.close()

        again = await signed_in(sign, "expert1")
        assert again.workspace.path == expert_path
        assert server_count(server_database, Lead, id=lead_id, city="Rennes") == 1
        assert local_count(again, OutboxEntry) == 0
        await again.close()

    in_loop(scenario)
    known = WorkstationFolder(folder)
    assert [a.username for a in known.accounts()] == ["expert1", "sales1"]
    assert known.last_username() == "expert1"


def test_offline_sign_in_opens_the_accounts_own_workspace(server, tmp_path: Path) -> None:
    folder = tmp_path / "pc"
    sign = signer(folder, server.url)

    async def first_time() -> uuid.UUID:
        session = await signed_in(sign, "expert1")
        owner = session.member.id
        await session.close()
        return owner

    owner = in_loop(first_time)
    server.stop()

    async def offline() -> None:
        with pytest.raises(ActionRefused, match="connexion hors ligne"):
            await asyncio.to_thread(sign.authenticate, "expert1", "faux")
        member = await asyncio.to_thread(sign.authenticate, "expert1", PASSWORD)
        assert member.id == owner and sign.session is not None
        assert sign.session.workspace.path == WorkstationFolder(folder).workspace_path(owner)
        assert sign.session.offline_note
        await sign.session.close()
        # Never signed in here: the server is needed, and the password is not blamed.
        with pytest.raises(SignInUnavailable, match="première connexion doit se faire en ligne"):
            await asyncio.to_thread(sign.authenticate, "sales1", PASSWORD)

    in_loop(offline)


def test_a_workspace_of_another_account_is_never_pushed(server, tmp_path: Path) -> None:
    folder = tmp_path / "pc"
    sign = signer(folder, server.url)

    async def scenario() -> None:
        expert = await signed_in(sign, "expert1")
        expert_path = expert.workspace.path
        await expert.close()
        sales = await signed_in(sign, "sales1")
        sales_path, sales_id = sales.workspace.path, sales.member.id
        await sales.close()
        # A file copied by hand over the rep's: refused at sign-in...
        shutil.copy(expert_path, sales_path)
        with pytest.raises(SignInUnavailable, match="appartient à un autre compte"):
            await asyncio.to_thread(sign.authenticate, "sales1", PASSWORD)
        # ...and, as a last guard, by the engine under the rep's token.
        workspace = open_workspace(expert_path)
        store = LocalStore(
            apply_engine(f"sqlite:///{expert_path}"), workstation_clock(workspace.sessions)
        )
        try:
            async with httpx.AsyncClient(base_url=server.url) as client:
                api = ServerApi(client)
                await api.sign_in("sales1", PASSWORD)
                assert api.user_id == sales_id
                with pytest.raises(ForeignWorkspace):
                    await SyncEngine(store, api).sync_once()
        finally:
            store.engine.dispose()
            workspace.close()

    in_loop(scenario)


def test_the_shared_workspace_of_an_older_install_goes_to_its_owner(
    server, server_database: str, tmp_path: Path
) -> None:
    folder = tmp_path / "pc"
    shared = folder / "workstation.sqlite"
    # An older install: one workspace for everyone, the expert's edit waiting in it.
    sign = signer(folder, server.url)

    async def before() -> uuid.UUID:
        session = await signed_in(sign, "expert1")
        expert_id = session.member.id
        with session.workspace.sessions.begin() as db:
            db.scalars(select(Lead).order_by(Lead.number).limit(1)).one().city = "Brest"
        path = session.workspace.path
        await session.close()
        path.rename(shared)
        return expert_id

    expert_id = in_loop(before)
    legacy = open_workspace(shared)
    with legacy.sessions.begin() as db:  # as an older version left it: no owner recorded
        db.execute(delete(SyncState).where(SyncState.key == OWNER_KEY))
    legacy.close()

    adopt_shared_workspace(WorkstationFolder(folder), shared, utc_now())
    adopted = WorkstationFolder(folder).workspace_path(expert_id)
    assert adopted.exists() and not shared.exists()
    workspace = open_workspace(adopted)
    assert workspace_owner(workspace) == expert_id
    workspace.close()

    async def rep_then_owner() -> None:
        sales = await signed_in(sign, "sales1")
        assert server_count(server_database, Lead, city="Brest") == 0
        await sales.close()
        expert = await signed_in(sign, "expert1")
        assert expert.workspace.path == adopted
        assert server_count(server_database, Lead, city="Brest") == 1
        await expert.close()

    in_loop(rep_then_owner)


def test_a_shared_workspace_without_unsent_work_is_kept_aside(tmp_path: Path) -> None:
    folder = tmp_path / "pc"
    shared = folder / "workstation.sqlite"
    create_workspace(shared, reference_data=False).close()
    adopt_shared_workspace(WorkstationFolder(folder), shared, utc_now())
    assert not shared.exists()
    kept = [p.name for p in folder.iterdir()]
    assert len(kept) == 1 and kept[0].startswith("workstation.sqlite.avant-comptes-")


def test_claimed_workspace_records_its_owner(tmp_path: Path) -> None:
    workspace = create_workspace(tmp_path / "w.sqlite", reference_data=False)
    owner = uuid.uuid4()
    assert workspace_owner(workspace) is None
    claim_workspace(workspace, owner)
    assert workspace_owner(workspace) == owner
    workspace.close()
