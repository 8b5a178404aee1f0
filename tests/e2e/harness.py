"""A real server process on loopback and workstations that sync with it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.clock import utc_now
from app.domain.contracts import ContractStatus
from app.domain.enums import JourneyEventKind, Role
from app.persistence.database import make_engine, make_session_factory
from app.persistence.models import Contract, ContractVersion, Lead, LeadSale, User
from app.services.auth import hash_password
from app.services.leads.intake import JourneyInput, LeadSubmission, register_lead
from app.services.reference_data import install_reference_data
from app.workspace import Workspace, create_workspace, open_workspace
from server.bootstrap import stamp_unsequenced
from server.persistence.database import migrate
from sync.engine import ServerApi, SyncEngine
from sync.local_store import LocalStore, apply_engine
from sync.tracking import ChangeTracker, workstation_clock
from tests.contract_fixtures import add_provider

ROOT = Path(__file__).resolve().parents[2]
STAFF = (
    ("expert1", Role.EXPERT),
    ("expert2", Role.EXPERT),
    ("expert3", Role.EXPERT),
    ("manager1", Role.MANAGER),
    ("sales1", Role.SALES),
)
PASSWORD = "demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_server(engine: Engine, leads: int, now: datetime) -> None:
    """Schema, reference data, staff and `leads` open leads, all numbered for sync."""
    migrate(engine)
    sessions = make_session_factory(engine)
    digest = hash_password(PASSWORD)
    with sessions.begin() as session:
        install_reference_data(session)
        for username, role in STAFF:
            session.add(
                User(
                    username=username,
                    display_name=username.title(),
                    role=role,
                    password_hash=digest,
                )
            )
    with sessions.begin() as session:
        for n in range(leads):
            register_lead(session, lead_submission(n, now))
    stamp_unsequenced(engine, now)


def lead_submission(n: int, now: datetime, category: str = "bathroom") -> LeadSubmission:
    at = now - timedelta(hours=1, minutes=n)
    return LeadSubmission(
        submitted_at=at,
        first_name=f"Prénom{n}",
        last_name=f"Nom{n}",
        phone=f"06 12 {n // 10000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}",
        postcode="75011",
        city="Paris",
        category_code=category,
        site_code="devis-maison",
        budget_cents=2_000_000,
        description="Refaire la salle de bains",
        consent_form_code="form-bathroom",
        consent_at=at,
        consent_wording_version="2026-03",
        journey=(JourneyInput(at, JourneyEventKind.FORM_SUBMIT, "Envoi"),),
    )


class ServerProcess:
    """`python -m server` with two workers, started and stopped (or killed) by tests."""

    def __init__(self, database_url: str, workers: int = 2, log: Path | None = None) -> None:
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, env: dict[str, str] | None = None) -> None:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--database-url",
                self.database_url,
            ],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/api/v1/hello", timeout=0.5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start in 30 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=20)
        self.process = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


@dataclass
class Workstation:
    """A workstation database with its change tracking and sync engine (no UI)."""

    path: Path
    server_url: str
    username: str
    wall: Callable[[], datetime]
    workspace: Workspace = field(init=False)
    tracker: ChangeTracker = field(init=False)
    store: LocalStore = field(init=False)
    token: str | None = None
    user_id: uuid.UUID | None = None
    # What each pulled page changed here, as the sync engine announces it to the views.
    received: list[Mapping[str, frozenset[uuid.UUID]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.path.exists():
            self.workspace = open_workspace(self.path)
        else:
            self.workspace = create_workspace(self.path, reference_data=False)
        hlc = workstation_clock(self.workspace.sessions, self.wall)
        self.tracker = ChangeTracker(self.workspace.sessions, hlc, self.wall)
        self.store = LocalStore(apply_engine(f"sqlite:///{self.path}"), hlc)

    @property
    def sessions(self) -> Any:
        return self.workspace.sessions

    pull_page: int = 2000

    async def _run(self, work: Callable[[SyncEngine], Any], timeout: float = 30) -> Any:
        async with httpx.AsyncClient(base_url=self.server_url, timeout=timeout) as client:
            api = ServerApi(client)
            if self.token is None:
                data = await api.sign_in(self.username, PASSWORD)
                self.token = data["token"]
                self.user_id = uuid.UUID(data["user"]["id"])
                self.tracker.user_id = self.user_id
            api.token = self.token
            engine = SyncEngine(
                self.store, api, self.wall, pull_page=self.pull_page, on_rows=self.received.append
            )
            return await work(engine)

    def sync(self, timeout: float = 30, url: str | None = None) -> None:
        saved, self.server_url = self.server_url, url or self.server_url
        try:
            asyncio.run(self._run(lambda engine: engine.sync_once(), timeout))
        finally:
            self.server_url = saved

    def edit(self, model: type, row_id: uuid.UUID, **values: Any) -> None:
        with self.sessions.begin() as session:
            row = session.get(model, row_id)
            assert row is not None, f"{model.__name__} {row_id} not on {self.username}'s station"
            for name, value in values.items():
                setattr(row, name, value)

    def get(self, model: type, row_id: uuid.UUID) -> Any:
        with self.sessions() as session:
            return session.get(model, row_id)

    def waiting(self) -> int:
        return self.store.counts()[0]

    def close(self) -> None:
        self.workspace.close()
        self.store.engine.dispose()


def seed_month_sales(database_url: str, month: date, providers: int = 6) -> None:
    """A provider per lead (`providers` of them) with an active contract and one sale in `month`."""
    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():
        leads = list(session.scalars(select(Lead).order_by(Lead.number).limit(providers)))
        for n, lead in enumerate(leads):
            provider_id = add_provider(session, f"Client {n}", "75011", utc_now())
            contract = Contract(provider_id=provider_id, reference=f"E{n}")
            session.add(contract)
            session.flush()
            version = ContractVersion(
                contract_id=contract.id,
                number=1,
                status=ContractStatus.ACTIVE,
                status_changed_at=utc_now(),
                starts_on=month,
                sharing_level=3,
            )
            session.add(version)
            session.flush()
            session.add(
                LeadSale(
                    lead_id=lead.id,
                    provider_id=provider_id,
                    contract_id=contract.id,
                    version_id=version.id,
                    category_id=lead.category_id,
                    lead_number=lead.number,
                    lead_postcode=lead.postcode,
                    lead_city=lead.city,
                    sold_at=utc_now().replace(year=month.year, month=month.month, day=15),
                    price_cents=2500 + n,
                    sharing_level=3,
                    rank=1,
                )
            )
    stamp_unsequenced(engine)  # synced like rows the server wrote
    engine.dispose()


def table_dump(engine: Engine, model: type, columns: list[str]) -> list[tuple]:
    with Session(engine) as session:
        table = model.__table__
        return [
            tuple(r)
            for r in session.execute(select(*(table.c[c] for c in columns)).order_by(table.c.id))
        ]


def server_count(database_url: str, model, **where) -> int:
    """Rows of `model` on the server matching `where`, read straight from its database."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return connection.scalar(query)
    finally:
        engine.dispose()
