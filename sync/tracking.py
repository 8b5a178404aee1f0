"""Change tracking on the workstation: every edit writes its outbox entry in its transaction.

Hooked on the session factory's `before_flush`, so an edit made through any service lands in
the outbox in the same SQLite transaction as the edit itself: a crash keeps both or neither.
Bulk Core statements bypass this hook; services must edit synced rows through the ORM.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock, utc_now
from app.ids import uuid7
from app.persistence.models import OutboxEntry, SyncState
from sync.hlc import HybridClock
from sync.schema import BOOKKEEPING, BY_MODEL, encode, field_clock, set_field_clock

NODE_KEY = "node"
HLC_KEY = "hlc"
# The server's time minus the wall clock's at the last sync (ms): kept so that the clock
# keeps its bounds offline, after a restart (sync.hlc's docstring).
OFFSET_KEY = "server_offset_ms"


def read_state(session: Session, key: str) -> str | None:
    return session.scalar(select(SyncState.value).where(SyncState.key == key))


def write_state(session: Session, key: str, value: str) -> None:
    session.merge(SyncState(key=key, value=value))


def workstation_clock(sessions: sessionmaker[Session], clock: Clock = utc_now) -> HybridClock:
    """The workstation's HLC, with a node id made once and kept in the workspace.

    A saved clock beyond the server's time plus the bound (it adopted a far-future stamp
    before clocks were bounded, or the wall clock was set back) is brought back to that and
    saved so (sync.hlc's docstring says why later local edits still win).
    """
    with sessions.begin() as session:
        node = read_state(session, NODE_KEY)
        if node is None:
            node = uuid.uuid4().hex[:12]
            write_state(session, NODE_KEY, node)
        last = read_state(session, HLC_KEY) or ""
        saved = read_state(session, OFFSET_KEY)
        offset = int(saved) if saved and saved.lstrip("-").isdigit() else None
        hlc = HybridClock(node, lambda: int(clock().timestamp() * 1000), last, offset_millis=offset)
        if last and hlc.last != last:
            write_state(session, HLC_KEY, hlc.last)
    return hlc


class ChangeTracker:
    """Writes outbox entries for edits made in sessions of one factory."""

    def __init__(self, sessions: sessionmaker[Session], hlc: HybridClock, clock: Clock) -> None:
        self.hlc = hlc
        self.user_id: uuid.UUID | None = None
        self._clock = clock
        event.listen(sessions, "before_flush", self._before_flush)

    def _before_flush(self, session: Session, _context: Any, _instances: Any) -> None:
        wrote = False
        for obj in list(session.new):
            spec = BY_MODEL.get(type(obj))
            if spec is not None:
                self._record_insert(session, obj, spec)
                wrote = True
        for obj in list(session.dirty):
            spec = BY_MODEL.get(type(obj))
            if spec is not None and not spec.append_only and session.is_modified(obj):
                wrote = self._record_update(session, obj, spec) or wrote
        if wrote:
            write_state(session, HLC_KEY, self.hlc.last)

    def _record_insert(self, session: Session, obj: Any, spec: Any) -> None:
        stamp = self.hlc.now()
        now = self._clock()
        if obj.id is None:
            obj.id = uuid7()
        if obj.created_at is None:
            obj.created_at = now
        obj.updated_at = obj.updated_at or now
        obj.deleted = bool(obj.deleted)
        obj.hlc, obj.field_clocks = stamp, "{}"
        fields = {
            name: encode(getattr(obj, name))
            for name in spec.content_columns
            if name not in spec.local_only and name not in spec.derived
        }
        self._add(session, spec.name, obj.id, "insert", stamp, fields, {})

    def _record_update(self, session: Session, obj: Any, spec: Any) -> bool:
        state = inspect(obj)
        changed = [
            attr.key
            for attr in state.attrs
            if attr.key in spec.table.columns
            and attr.key not in BOOKKEEPING
            and attr.key not in spec.local_only
            and attr.key not in spec.derived
            and attr.history.has_changes()
        ]
        if not changed:
            return False
        stamp = self.hlc.now()
        if "updated_at" not in changed:
            obj.updated_at = self._clock()
            changed.append("updated_at")
        clocks = orjson.loads(obj.field_clocks or "{}")
        base = {name: field_clock(clocks, name, obj.hlc)[0] for name in changed}
        for name in changed:
            set_field_clock(clocks, name, stamp, self.user_id)
        obj.field_clocks = orjson.dumps(clocks).decode()
        fields = {name: encode(getattr(obj, name)) for name in changed}
        self._add(session, spec.name, obj.id, "update", stamp, fields, base)
        return True

    def _add(
        self,
        session: Session,
        table: str,
        row_id: uuid.UUID,
        kind: str,
        stamp: str,
        fields: dict[str, Any],
        base: dict[str, str],
    ) -> None:
        session.add(
            OutboxEntry(
                op_id=uuid7(),
                table_name=table,
                row_id=row_id,
                kind=kind,
                hlc=stamp,
                fields=orjson.dumps(fields).decode(),
                base_clocks=orjson.dumps(base).decode(),
                user_id=self.user_id,
                created_at=self._clock(),
            )
        )
