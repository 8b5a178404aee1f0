"""Faults on a real server process: kills, lost responses, interrupted downloads, skew."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, text

from app.clock import utc_now
from app.domain.enums import Disposition
from app.persistence.database import make_engine
from app.persistence.models import CallAttempt, JourneyEvent, Lead, SyncConflict
from sync.schema import TABLES
from tests.e2e.harness import ROOT, server_count, table_dump
from tests.e2e.proxy import LossyProxy


def log_attempt(station, lead_id, note: str = "") -> None:
    with station.sessions.begin() as session:
        session.add(
            CallAttempt(
                lead_id=lead_id,
                phone_e164="+33612000000",
                caller_id=station.user_id,
                started_at=utc_now(),
                duration_seconds=30,
                disposition=Disposition.UNREACHABLE,
                notes=note,
            )
        )


@contextlib.contextmanager
def writers_blocked(database_url: str):
    """Hold the lock a server write transaction needs last (SQLite: the whole database)."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=1)
        connection.isolation_level = None
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = make_engine(database_url)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("SELECT value FROM server_counters WHERE name = 'sync' FOR UPDATE"))
        try:
            yield
        finally:
            transaction.rollback()
    engine.dispose()


def first_lead_id(station):
    with station.sessions() as session:
        return session.scalar(select(Lead.id).order_by(Lead.number).limit(1))


def test_server_killed_during_a_push_loses_nothing_and_applies_once(
    workstation, server, server_database
) -> None:
    station = workstation("expert1")
    station.sync()
    lead_id = first_lead_id(station)
    log_attempt(station, lead_id, "avant la panne")
    station.edit(Lead, lead_id, city="Lyon")
    assert station.waiting() == 2

    failure: list[BaseException] = []

    def push() -> None:
        try:
            station.sync(timeout=60)
        except BaseException as exc:
            failure.append(exc)

    with writers_blocked(server_database):
        thread = threading.Thread(target=push)
        thread.start()
        time.sleep(1.5)  # the push is inside the server, waiting for the lock
        server.kill()
        thread.join(30)
    assert failure and isinstance(failure[0], httpx.TransportError)
    assert station.waiting() == 2, "the outbox must keep every unacknowledged edit"

    server.start()
    station.sync()
    assert station.waiting() == 0
    assert server_count(server_database, CallAttempt, notes="avant la panne") == 1
    assert station.get(Lead, lead_id).city == "Lyon"


def test_a_lost_response_is_retried_without_duplicating(workstation, server, server_database):
    proxy = LossyProxy(server.port)
    try:
        station = workstation("expert1")
        station.sync(url=proxy.url)
        lead_id = first_lead_id(station)
        log_attempt(station, lead_id, "réponse perdue")
        proxy.drop_push_responses = True
        with pytest.raises(httpx.TransportError):
            station.sync(url=proxy.url)
        assert proxy.dropped == 1
        # The server committed; the workstation does not know it and still holds the edit.
        assert server_count(server_database, CallAttempt, notes="réponse perdue") == 1
        assert station.waiting() == 1
        proxy.drop_push_responses = False
        station.sync(url=proxy.url)
        assert station.waiting() == 0
        assert server_count(server_database, CallAttempt, notes="réponse perdue") == 1
        with station.sessions() as session:
            assert (
                session.scalar(select(func.count()).where(CallAttempt.notes == "réponse perdue"))
                == 1
            )
    finally:
        proxy.close()


KILLED_DURING_APPLY = """
import os, sys
from pathlib import Path
import sync.local_store as store
from app.clock import utc_now
from tests.e2e.harness import Workstation

calls = {"n": 0}
real = store._remove

def dying(connection, removes):
    calls["n"] += 1
    removed = real(connection, removes)
    if calls["n"] == 3:
        os._exit(9)  # rows of the third page written, not committed
    return removed

store._remove = dying
station = Workstation(Path(sys.argv[1]), sys.argv[2], "manager1", utc_now)
station.pull_page = 7
station.sync()
"""


def test_workstation_killed_while_applying_a_pull_resumes_without_gap_or_double(
    workstation, server, server_database, tmp_path
) -> None:
    path = tmp_path / "killed.sqlite"
    result = subprocess.run(
        [sys.executable, "-c", KILLED_DURING_APPLY, str(path), server.url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 9, result.stderr.decode()[-2000:]
    station = workstation("manager1", name="killed")
    assert station.path == path
    partial = station.store.cursor()
    assert partial > 0
    station.sync()
    server_engine = make_engine(server_database)
    try:
        for spec in TABLES:
            columns = [c for c in spec.wire_columns if c != "updated_at"]
            assert table_dump(station.workspace.engine, spec.model, columns) == table_dump(
                server_engine, spec.model, columns
            ), spec.name
    finally:
        server_engine.dispose()
    with station.sessions() as session:
        assert session.scalar(select(func.count()).select_from(JourneyEvent)) == 20


def test_skewed_clocks_cannot_make_an_old_edit_win(workstation) -> None:
    fast = workstation("expert1", wall=lambda: utc_now() + timedelta(hours=3))
    slow = workstation("expert2", wall=lambda: utc_now() - timedelta(hours=3))
    fast.sync()
    slow.sync()
    lead_id = first_lead_id(fast)
    # Sequential: the slow station sees the fast one's edit, then edits after it.
    fast.edit(Lead, lead_id, city="Lyon")
    fast.sync()
    slow.sync()
    slow.edit(Lead, lead_id, city="Marseille")
    slow.sync()
    fast.sync()
    assert fast.get(Lead, lead_id).city == slow.get(Lead, lead_id).city == "Marseille"
    with fast.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SyncConflict)) == 0
    # Concurrent: the fast clock wins, and the other value is kept as a conflict, not lost.
    fast.edit(Lead, lead_id, city="Nice")
    slow.edit(Lead, lead_id, city="Brest")
    slow.sync()
    fast.sync()
    slow.sync()
    assert fast.get(Lead, lead_id).city == slow.get(Lead, lead_id).city == "Nice"
    with slow.sessions() as session:
        kept = session.scalars(select(SyncConflict.loser_value)).all()
    assert kept == ['"Brest"']
