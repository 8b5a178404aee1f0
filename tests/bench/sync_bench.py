"""make bench, sync part: first download, incremental sync, intake rate. Printed, not asserted.

The server database is a copy of the bench workspace keeping the leads and reference data
(journeys, calls and audit rows are dropped, so the figure is about the 600,000 leads the
issue names). The baseline is a raw executemany of the same lead rows into an empty
workstation database on the same machine.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import select

from app.clock import utc_now
from app.persistence.database import make_engine, make_session_factory
from app.persistence.models import Lead
from app.workspace import create_workspace
from server.bootstrap import stamp_unsequenced
from server.intake import issue_site_key
from server.persistence.database import migrate
from tests.e2e.harness import ServerProcess, Workstation
from tests.e2e.test_intake import form

DROPPED = ("journey_events", "call_attempts", "callbacks", "lead_status_changes", "oppositions")


def server_copy(workspace: Path) -> Path:
    target = workspace.with_name(workspace.stem + "-server.sqlite")
    if target.exists():
        return target
    print(f"Preparing the server database {target} …", flush=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(workspace, partial)
    connection = sqlite3.connect(partial)
    for table in DROPPED:
        connection.execute(f"DELETE FROM {table}")
    connection.commit()
    connection.execute("VACUUM")
    connection.close()
    engine = make_engine(f"sqlite:///{partial}")
    migrate(engine)
    stamp_unsequenced(engine)
    engine.dispose()
    partial.rename(target)
    return target


def raw_insert_seconds(server_db: Path, scratch: Path) -> float:
    target = scratch / "raw.sqlite"
    create_workspace(target).close()
    source = sqlite3.connect(server_db)
    rows = source.execute("SELECT * FROM leads").fetchall()
    columns = [d[0] for d in source.execute("SELECT * FROM leads LIMIT 1").description]
    source.close()
    connection = sqlite3.connect(target)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    marks = ",".join("?" * len(columns))
    started = time.perf_counter()
    connection.executemany(f"INSERT INTO leads ({','.join(columns)}) VALUES ({marks})", rows)
    connection.commit()
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def intake_rate(server: ServerProcess, key: str, requests: int = 400) -> float:
    def send(n: int) -> int:
        body = form(phone=f"07 81 {n // 10000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}")
        return client.post("/api/v1/intake/leads", json=body,
                           headers={"X-Api-Key": key}).status_code  # fmt: skip

    with httpx.Client(base_url=server.url, timeout=60) as client, ThreadPoolExecutor(4) as pool:
        started = time.perf_counter()
        codes = list(pool.map(send, range(1, requests + 1)))
        seconds = time.perf_counter() - started
    assert all(c in (200, 201) for c in codes), set(codes)
    return requests / seconds


def run(workspace: Path) -> list[tuple[str, str, str]]:
    server_db = server_copy(workspace)
    scratch = Path(tempfile.mkdtemp(prefix="crm-bench-", dir=workspace.parent))
    try:
        baseline = raw_insert_seconds(server_db, scratch)
        live_db = scratch / "server.sqlite"
        shutil.copyfile(server_db, live_db)
        url = f"sqlite:///{live_db}"
        server = ServerProcess(url, workers=1, log=scratch / "server.log")
        server.start(env={"CRM_SERVER_INTAKE_PER_MINUTE": "1000000"})
        try:
            first = Workstation(scratch / "first.sqlite", server.url, "manager1", utc_now)
            started = time.perf_counter()
            first.sync(timeout=600)
            download = time.perf_counter() - started
            with first.sessions() as session:
                lead_ids = list(session.scalars(select(Lead.id).limit(1000)))
            first.close()
            shutil.copyfile(scratch / "first.sqlite", scratch / "second.sqlite")
            editor = Workstation(scratch / "first.sqlite", server.url, "manager1", utc_now)
            reader = Workstation(scratch / "second.sqlite", server.url, "manager1", utc_now)
            with editor.sessions.begin() as session:
                for n, lead in enumerate(
                    session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))
                ):
                    lead.qualification_note = f"Note de bench {n}"
            timings = []
            started = time.perf_counter()
            editor.sync()
            timings.append(time.perf_counter() - started)
            started = time.perf_counter()
            reader.sync()
            timings.append(time.perf_counter() - started)
            editor.close()
            reader.close()
            engine = make_engine(url)
            with make_session_factory(engine).begin() as session:
                key = issue_site_key(session, "devis-maison", utc_now())
            engine.dispose()
            rate = intake_rate(server, key)
        finally:
            server.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    leads = (
        len(lead_ids)
        and sqlite3.connect(server_db).execute("SELECT count(*) FROM leads").fetchone()[0]
    )
    return [
        ("raw SQLite insert of the leads", f"{baseline:.1f} s", f"{leads:,} rows"),
        ("first sync to an empty workstation", f"{download:.1f} s",
         f"{download / baseline:.1f} x raw insert (target <= 5 x)"),
        ("1,000 edits: push + pull end to end", f"{sum(timings) * 1000:.0f} ms",
         f"push {timings[0] * 1000:.0f} ms, pull {timings[1] * 1000:.0f} ms (target < 1 s)"),
        ("lead intake, one worker", f"{rate:.0f} req/s", "4 concurrent senders"),
    ]  # fmt: skip
