"""A seeded server database on each database the tests run on, as (writer, reader) engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from server.persistence.database import server_engines
from tests.databases import database_params, empty_engine, reset_database
from tests.e2e.harness import seed_server

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
