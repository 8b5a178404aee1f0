"""The server's database: the workstation schema plus the server-only tables."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from app.persistence.database import alembic_config, make_engine
from app.persistence.database import migrate as migrate_app
from server.persistence.models import Counter

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
COUNTERS = ("sync", "lead_number", "contract_number", "invoice_number")


def migrate(engine: Engine) -> None:
    migrate_app(engine)
    config = alembic_config(MIGRATIONS_DIR)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with Session(engine) as session, session.begin():
        present = set(session.scalars(select(Counter.name)))
        for name in COUNTERS:
            if name not in present:
                session.add(Counter(name=name, value=0))


def _begin_immediate(connection, *_args) -> None:  # type: ignore[no-untyped-def]
    # A deferred SQLite transaction that reads then writes fails at once with SQLITE_BUSY when
    # another worker wrote meanwhile; taking the write lock at BEGIN makes writers queue.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def server_engines(url: str) -> tuple[Engine, Engine]:
    """(writer, reader) engines. On SQLite the writer begins IMMEDIATE; elsewhere one engine."""
    writer = make_engine(url)
    if writer.dialect.name != "sqlite":
        return writer, writer
    writer = make_engine(url)

    @event.listens_for(writer, "connect")
    def _autocommit_driver(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None

    event.listen(writer, "begin", _begin_immediate)
    reader = make_engine(url)
    return writer, reader


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
