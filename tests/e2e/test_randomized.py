"""Seeded random editing and syncing on three workstations: everyone converges, nothing lost."""

from __future__ import annotations

import random
from dataclasses import dataclass

import orjson
from sqlalchemy import select

from app.persistence.database import make_engine
from app.persistence.models import CallAttempt, Lead, OutboxEntry, SyncConflict
from sync.schema import BY_NAME
from tests.e2e.harness import table_dump
from tests.e2e.test_faults import log_attempt

STEPS = 300
FIELDS = ("city", "qualification_note", "email")


@dataclass(frozen=True)
class Edit:
    lead_id: object
    field: str
    value: str
    hlc: str
    base: str


def last_outbox(station) -> OutboxEntry:
    with station.sessions() as session:
        return session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq.desc())).first()


def test_random_edits_and_syncs_converge(workstation, server_database) -> None:
    rng = random.Random(20261128)
    stations = [workstation("expert1"), workstation("expert2"), workstation("manager1")]
    for station in stations:
        station.sync()
    with stations[0].sessions() as session:
        lead_ids = list(session.scalars(select(Lead.id).order_by(Lead.number)))[:6]
    edits: list[Edit] = []
    attempts: set[str] = set()
    for step in range(STEPS):
        station = rng.choice(stations)
        action = rng.random()
        if action < 0.55:
            lead_id, name = rng.choice(lead_ids), rng.choice(FIELDS)
            value = f"{name[:4]}-{step}" if name != "email" else f"c{step}@example.fr"
            station.edit(Lead, lead_id, **{name: value})
            entry = last_outbox(station)
            base = orjson.loads(entry.base_clocks)[name]
            edits.append(Edit(lead_id, name, value, entry.hlc, base))
        elif action < 0.7:
            note = f"appel {step}"
            log_attempt(station, rng.choice(lead_ids), note)
            attempts.add(note)
        else:
            station.sync()
    for _ in range(2):
        for station in stations:
            station.sync()

    columns = [c for c in BY_NAME["leads"].wire_columns]
    dumps = [table_dump(s.workspace.engine, Lead, columns) for s in stations]
    server = make_engine(server_database)
    try:
        dumps.append(table_dump(server, Lead, columns))
        server_attempts = {n for (n,) in table_dump(server, CallAttempt, ["notes"])}
    finally:
        server.dispose()
    for other in dumps[1:]:
        assert _diff(dumps[0], other, columns) is None
    assert attempts <= server_attempts
    for station in stations:
        with station.sessions() as session:
            assert set(session.scalars(select(CallAttempt.notes))) >= attempts
            assert station.waiting() == 0

    with stations[2].sessions() as session:  # the manager receives every conflict
        conflicts = {(c.loser_value, c.loser_hlc) for c in session.scalars(select(SyncConflict))}
        final = {
            (lead.id, name): getattr(lead, name)
            for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))
            for name in FIELDS
        }
    by_field: dict[tuple, list[Edit]] = {}
    for edit in edits:
        by_field.setdefault((edit.lead_id, edit.field), []).append(edit)
    for key, field_edits in by_field.items():
        newest = max(field_edits, key=lambda e: e.hlc)
        assert final[key] == newest.value, key
        for edit in field_edits:
            if edit is newest or edit.value == final[key]:
                continue
            overwritten_knowingly = any(e.base >= edit.hlc for e in field_edits if e is not edit)
            kept = (orjson.dumps(edit.value).decode(), edit.hlc) in conflicts
            assert overwritten_knowingly or kept, f"edit {edit} lost silently"


def _diff(a, b, columns):
    for ra, rb in zip(a, b, strict=True):
        for c, x, y in zip(columns, ra, rb, strict=True):
            if x != y:
                return c, x, y
    return None
