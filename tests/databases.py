"""The databases tests run on: SQLite always, PostgreSQL and MariaDB when CI gives URLs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

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
    return f"sqlite:///{tmp_path / 'db.sqlite'}" if param == "sqlite" else param


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
