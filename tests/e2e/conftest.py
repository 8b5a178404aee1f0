from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from app.clock import utc_now
from tests.databases import database_params, database_url, empty_engine
from tests.e2e.harness import ServerProcess, Workstation, seed_server

SEED_LEADS = 20


@pytest.fixture(params=database_params())
def server_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A seeded server database URL: SQLite, and PostgreSQL / MariaDB when CI gives them."""
    engine = empty_engine(request.param, tmp_path)
    seed_server(engine, SEED_LEADS, utc_now())
    engine.dispose()
    yield database_url(request.param, tmp_path)
    if request.param != "sqlite":
        empty_engine(request.param, tmp_path).dispose()  # drops our tables


@pytest.fixture
def server(server_database: str, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(server_database, workers=2, log=tmp_path / "server.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def workstation(server: ServerProcess, tmp_path: Path) -> Iterator[Callable[..., Workstation]]:
    made: list[Workstation] = []

    def make(
        username: str, name: str | None = None, wall: Callable[[], datetime] = utc_now
    ) -> Workstation:
        station = Workstation(tmp_path / f"{name or username}.sqlite", server.url, username, wall)
        made.append(station)
        return station

    yield make
    for station in made:
        station.close()
