"""Migrations on every supported database, and the workspace file checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from app.persistence.database import current_revision, head_revision, make_engine, migrate
from app.persistence.models import Base, Site
from app.workspace import WorkspaceError, WorkspaceProblem, create_workspace, open_workspace
from tests.databases import database_params, empty_engine, reset_database


@pytest.fixture(params=database_params())
def empty_database(request: pytest.FixtureRequest, tmp_path: Path):
    engine = empty_engine(request.param, tmp_path)
    yield engine
    reset_database(engine)
    engine.dispose()


def test_migrations_build_the_models_schema(empty_database) -> None:
    migrate(empty_database)
    assert current_revision(empty_database) == head_revision()
    assert {"leads", "call_attempts", "callbacks", "oppositions"} <= set(
        inspect(empty_database).get_table_names()
    )
    with empty_database.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_datetimes_come_back_aware_with_microseconds(empty_database) -> None:
    migrate(empty_database)
    from app.persistence.database import make_session_factory

    sessions = make_session_factory(empty_database)
    stamp = datetime(2026, 12, 1, 10, 30, 15, 123456, tzinfo=UTC)
    with sessions.begin() as session:
        site = Site(code="s", name="S", domain="s.fr", kind="own", created_at=stamp)
        session.add(site)
    with sessions() as session:
        loaded = session.get(Site, site.id)
        assert loaded is not None and loaded.created_at == stamp
        assert loaded.created_at.tzinfo is not None


def test_naive_datetime_is_refused(workspace) -> None:
    with pytest.raises(Exception, match="naive"), workspace.sessions.begin() as session:
        session.add(
            Site(code="x", name="X", domain="x.fr", kind="own", created_at=datetime(2026, 1, 1))
        )


def test_missing_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError) as error:
        open_workspace(tmp_path / "nope.sqlite")
    assert error.value.problem == WorkspaceProblem.MISSING
    assert "introuvable" in error.value.message


def test_corrupt_workspace(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(WorkspaceError) as error:
        open_workspace(garbage)
    assert error.value.problem == WorkspaceProblem.CORRUPT


def test_truncated_workspace(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    create_workspace(path).close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\0" * 50 + data[150:4096])
    with pytest.raises(WorkspaceError) as error:
        open_workspace(path)
    assert error.value.problem == WorkspaceProblem.CORRUPT


def test_foreign_sqlite_file_and_newer_schema(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    engine = make_engine(f"sqlite:///{other}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x int)"))
    engine.dispose()
    with pytest.raises(WorkspaceError) as error:
        open_workspace(other)
    assert error.value.problem == WorkspaceProblem.CORRUPT

    newer = tmp_path / "newer.sqlite"
    create_workspace(newer).close()
    engine = make_engine(f"sqlite:///{newer}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(WorkspaceError) as error:
        open_workspace(newer)
    assert error.value.problem == WorkspaceProblem.TOO_NEW


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    create_workspace(path).close()
    workspace = open_workspace(path)
    with workspace.sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM categories")) >= 60
    workspace.close()
