"""The databases tests run on: SQLite always, PostgreSQL and MariaDB when CI gives URLs."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from app.persistence.database import make_engine
from app.persistence.models import Base
from server.persistence.models import ServerBase


def database_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    for name, var in (("postgresql", "CRM_TEST_POSTGRES_URL"), ("mariadb", "CRM_TEST_MARIADB_URL")):
        url = os.environ.get(var)
        marks = [] if url else [pytest.mark.skip(reason=f"{var} not set: no {name} to test on")]
        params.append(pytest.param(url or name, id=name, marks=marks))
    return params


def database_url(param: str, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite'}" if param == "sqlite" else worker_database(param)


@functools.cache
def worker_database(url: str) -> str:
    """The database of this pytest-xdist worker on the server of `url`: `test_gw0`,
    `test_gw1`... beside `test` (created if missing), so workers never share tables.
    `url` itself outside xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")  # CREATE DATABASE: no transaction
    try:
        with admin.connect() as connection:
            if admin.dialect.name == "postgresql":
                exists = connection.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                )
                if not exists:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                connection.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}`"))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def reset_database(engine: Engine) -> None:
    """Drop every table of ours (workstation and server) and both migration version tables."""
    ServerBase.metadata.drop_all(engine)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        connection.execute(text("DROP TABLE IF EXISTS server_alembic_version"))


def empty_engine(param: str, tmp_path: Path) -> Engine:
    engine = make_engine(database_url(param, tmp_path))
    reset_database(engine)
    return engine
