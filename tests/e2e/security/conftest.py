"""One real two-worker server per test module and database, probed over HTTP as an attacker
with a valid staff account would probe it (a script instead of the app).

The server is module-scoped (starting one per test would make the suite slow): each test
arranges the rows it needs and must not depend on what other tests of its module did.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.clock import utc_now
from app.ids import uuid7
from app.persistence.database import make_engine, make_session_factory
from sync.hlc import Stamp
from sync.schema import SCHEMA_VERSION
from tests.databases import database_params, database_url, empty_engine, reset_database
from tests.e2e.harness import PASSWORD, ServerProcess, seed_server

SEED_LEADS = 20


@dataclass
class LiveServer:
    """The server process, its database (to arrange rows and check what was stored) and
    signed-in HTTP clients."""

    process: ServerProcess
    database_url: str
    engine: Engine
    sessions: sessionmaker[Session]
    _clients: dict[str, httpx.Client] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.process.url

    def anonymous(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)

    def client(self, username: str) -> httpx.Client:
        """A client signed in as `username` (one sign-in per module and user)."""
        if username not in self._clients:
            answer = httpx.post(
                f"{self.url}/api/v1/auth/sign-in",
                json={"username": username, "password": PASSWORD},
                timeout=60,
            )
            answer.raise_for_status()
            self._clients[username] = httpx.Client(
                base_url=self.url,
                timeout=60,
                headers={
                    "Authorization": f"Bearer {answer.json()['token']}",
                    "X-Schema-Version": str(SCHEMA_VERSION),
                },
            )
        return self._clients[username]

    def push(self, username: str, *ops: dict[str, Any]) -> httpx.Response:
        """Push raw operations (built with `op`, or hand-made malformed ones) in one batch."""
        return self.client(username).post(
            "/api/v1/sync/push", json={"batch": str(uuid.uuid4()), "ops": list(ops)}
        )

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def stamp(node: str = "attacker", millis: int | None = None, counter: int = 0) -> str:
    """A well-formed HLC stamp, now by default."""
    at = int(utc_now().timestamp() * 1000) if millis is None else millis
    return str(Stamp(at, counter, node))


def op(
    table: str,
    row_id: uuid.UUID | str,
    fields: dict[str, Any],
    kind: str = "update",
    hlc: str | None = None,
    base: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One pushed operation as the workstation sends it."""
    return {
        "op": str(uuid7()),
        "table": table,
        "id": str(row_id),
        "kind": kind,
        "hlc": hlc or stamp(),
        "fields": fields,
        "base": base or {},
    }


def statuses(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [r["status"] for r in answer.json()["results"]]


@pytest.fixture(scope="module", params=database_params())
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("security")
    engine = empty_engine(request.param, tmp)
    seed_server(engine, SEED_LEADS, utc_now())
    engine.dispose()
    url = database_url(request.param, tmp)
    process = ServerProcess(url, workers=2, log=tmp / "server.log")
    process.start()
    engine = make_engine(url)
    live = LiveServer(process, url, engine, make_session_factory(engine))
    yield live
    live.close()
    process.stop()
    if request.param != "sqlite":
        reset_database(engine)
    engine.dispose()
