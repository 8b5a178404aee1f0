"""The workstation side of sync, on SQLite: outbox batches, applying pulled pages, cursor.

Pulled pages are written on a connection with foreign-key checks off: the server checked
them, and a page in sequence order may hold a child whose parent changed later and so comes
in a later page. Local edits keep foreign-key checks on.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, delete, event, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.ids import uuid7
from app.persistence.database import make_engine
from app.persistence.models import (
    CallAttempt,
    Callback,
    JourneyEvent,
    Lead,
    LeadStatusChange,
    OutboxEntry,
    SyncConflict,
    SyncState,
)
from app.services.leads.derived import recompute_leads
from app.workspace import OWNER_KEY
from sync.hlc import CLOCK_AHEAD, HybridClock
from sync.schema import BY_NAME, decode
from sync.tracking import HLC_KEY, OFFSET_KEY

log = logging.getLogger(__name__)

CURSOR_KEY = "cursor"
# While a first download runs (over several syncs if cut off): the head its first page saw.
FIRST_DOWNLOAD_KEY = "first_download"
_LEAD_CHILDREN = (JourneyEvent, Callback, LeadStatusChange)


@dataclass(frozen=True)
class AppliedPage:
    """What one pulled page changed here: its rows written, and, by table name, the ids of
    the rows written, removed or recomputed (leads whose counts a pulled call changed)."""

    written: int
    rows: Mapping[str, frozenset[uuid.UUID]]


@dataclass(frozen=True)
class PendingOperation:
    seq: int
    payload: dict[str, Any]


def apply_engine(url: str) -> Engine:
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _no_fk(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    return engine


class LocalStore:
    def __init__(self, engine: Engine, hlc: HybridClock) -> None:
        self.engine = engine
        self.hlc = hlc

    # -- outbox -----------------------------------------------------------------------------

    def pending_batch(self, limit: int, author: uuid.UUID | None = None) -> list[PendingOperation]:
        """The next changes to push; with `author`, only that account's (and unattributed)
        ones: a change is never pushed under another account's token."""
        query = select(OutboxEntry).where(OutboxEntry.rejected_reason.is_(None))
        if author is not None:
            query = query.where(or_(OutboxEntry.user_id == author, OutboxEntry.user_id.is_(None)))
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(OutboxEntry.seq).limit(limit)).all()
        return [
            PendingOperation(
                r.seq,
                {
                    "op": str(r.op_id),
                    "table": r.table_name,
                    "id": str(r.row_id),
                    "kind": r.kind,
                    "hlc": r.hlc,
                    "fields": orjson.loads(r.fields),
                    "base": orjson.loads(r.base_clocks),
                },
            )
            for r in rows
        ]

    def acknowledge(self, results: list[dict[str, Any]]) -> int:
        """Drop what the server applied; keep what it refused, with the reason.

        An edit refused for its clock (stamped too far ahead of the server's time) is not
        lost: it is stamped again by this clock, held back to the server's time by now, and
        stays waiting under a new op id (the server remembers the refused one's answer).
        Returns how many were stamped again.
        """
        done = [uuid.UUID(r["op"]) for r in results if r["status"] != "rejected"]
        restamped = 0
        with self.engine.begin() as connection:
            if done:
                connection.execute(delete(OutboxEntry).where(OutboxEntry.op_id.in_(done)))
            for r in results:
                if r.get("op") is None:
                    # The server could not read that operation's id: nothing here to mark.
                    log.warning("push answer without an operation id: %s", r.get("message"))
                    continue
                if r["status"] == "rejected" and r.get("code") == CLOCK_AHEAD:
                    restamped += self._restamp(connection, uuid.UUID(r["op"]))
                elif r["status"] == "rejected":
                    connection.execute(
                        update(OutboxEntry)
                        .where(OutboxEntry.op_id == uuid.UUID(r["op"]))
                        .values(rejected_reason=r.get("message") or "refusé")
                    )
            if restamped:
                _save_state(connection, HLC_KEY, self.hlc.last)
        return restamped

    def _restamp(self, connection: Any, op_id: uuid.UUID) -> int:
        """A new stamp and op id for a waiting edit, and for the clocks its row keeps (so a
        later edit's base is the stamp the server will hold)."""
        entry = connection.execute(select(OutboxEntry).where(OutboxEntry.op_id == op_id)).first()
        if entry is None:
            return 0
        stamp = self.hlc.now()
        log.warning("edit %s refused for its clock (%s): stamped again %s", op_id, entry.hlc, stamp)
        connection.execute(
            update(OutboxEntry)
            .where(OutboxEntry.seq == entry.seq)
            .values(op_id=uuid7(), hlc=stamp, rejected_reason=None)
        )
        spec = BY_NAME.get(entry.table_name)
        if spec is None:
            return 1
        table = spec.table
        row = connection.execute(
            select(table.c.hlc, table.c.field_clocks).where(table.c.id == entry.row_id)
        ).first()
        if row is None:
            return 1
        if entry.kind == "insert" and row.hlc == entry.hlc:
            connection.execute(update(table).where(table.c.id == entry.row_id).values(hlc=stamp))
        clocks = orjson.loads(row.field_clocks or "{}")
        kept = {n: c for n, c in clocks.items() if n in orjson.loads(entry.fields)}
        if any(c[0] == entry.hlc for c in kept.values()):
            for name, clock in kept.items():
                if clock[0] == entry.hlc:
                    clocks[name] = [stamp, clock[1]]
            connection.execute(
                update(table)
                .where(table.c.id == entry.row_id)
                .values(field_clocks=orjson.dumps(clocks).decode())
            )
        return 1

    def learn_server_time(self, server_time: datetime) -> None:
        """The server's time (from /hello): this clock's bounds follow it (kept for offline
        work after a restart)."""
        self.hlc.follow(int(server_time.timestamp() * 1000))
        with self.engine.begin() as connection:
            _save_state(connection, OFFSET_KEY, str(self.hlc.offset_millis))

    def open_conflicts(self) -> int:
        with self.engine.connect() as connection:
            return (
                connection.scalar(
                    select(func.count()).where(
                        SyncConflict.resolved.is_(False), SyncConflict.deleted.is_(False)
                    )
                )
                or 0
            )

    def counts(self) -> tuple[int, int]:
        """(changes waiting, changes refused by the server)."""
        with self.engine.connect() as connection:
            waiting = connection.scalar(
                select(func.count()).where(OutboxEntry.rejected_reason.is_(None))
            )
            refused = connection.scalar(
                select(func.count()).where(OutboxEntry.rejected_reason.is_not(None))
            )
        return waiting or 0, refused or 0

    def owner(self) -> uuid.UUID | None:
        """The account the workspace belongs to (app.workspace.claim_workspace)."""
        with self.engine.connect() as connection:
            value = connection.scalar(select(SyncState.value).where(SyncState.key == OWNER_KEY))
        return uuid.UUID(value) if value else None

    # -- pull -------------------------------------------------------------------------------

    def cursor(self) -> int:
        with self.engine.connect() as connection:
            value = connection.scalar(select(SyncState.value).where(SyncState.key == CURSOR_KEY))
        return int(value) if value else 0

    def first_download_head(self) -> int | None:
        """On a first download: the head its first page saw (0 before any page); else None."""
        with self.engine.connect() as connection:
            state = dict(
                connection.execute(
                    select(SyncState.key, SyncState.value).where(
                        SyncState.key.in_([CURSOR_KEY, FIRST_DOWNLOAD_KEY])
                    )
                ).all()
            )
        if CURSOR_KEY not in state:
            return 0
        return int(state[FIRST_DOWNLOAD_KEY]) if FIRST_DOWNLOAD_KEY in state else None

    def end_first_download(self) -> None:
        """Caught up with the server: later pulls get their removes."""
        with self.engine.begin() as connection:
            connection.execute(delete(SyncState).where(SyncState.key == FIRST_DOWNLOAD_KEY))

    def apply_page(self, page: dict[str, Any], first_head: int | None = None) -> AppliedPage:
        """Write one pulled page and its cursor in one transaction; returns what it changed.

        `first_head`: a page of the first download (the head its first page saw), remembered
        until a page catches up."""
        written = 0
        leads_to_recompute: set[uuid.UUID] = set()
        changed: dict[str, set[uuid.UUID]] = defaultdict(set)
        with self.engine.begin() as connection:
            page_ids = [
                uuid.UUID(row[t["columns"].index("id")])
                for t in page["tables"]
                for row in t["rows"]
            ]
            pending = _pending_fields(connection, page_ids)
            stamps: list[str] = []
            for block in page["tables"]:
                spec = BY_NAME.get(block["name"])
                if spec is None:
                    continue
                columns = [c for c in block["columns"] if c in spec.table.columns]
                index = [block["columns"].index(c) for c in columns]
                rows = [
                    {c: decode(spec.name, c, raw[i]) for c, i in zip(columns, index, strict=True)}
                    for raw in block["rows"]
                ]
                for row in rows:
                    stamps.append(row["hlc"])
                    stamps.extend(entry[0] for entry in orjson.loads(row["field_clocks"]).values())
                clean = [r for r in rows if (spec.name, r["id"]) not in pending]
                _upsert(connection, spec, columns, clean)
                for row in rows:
                    keep = pending.get((spec.name, row["id"]))
                    if keep:
                        _upsert_keeping(connection, spec, columns, row, keep)
                written += len(rows)
                changed[spec.table.name].update(r["id"] for r in rows)
                if spec.model is Lead:
                    # The server's counts already include every attempt it has; only calls
                    # logged here and not yet pushed need adding back.
                    leads_to_recompute.update(_leads_with_local_calls(connection, rows))
                elif spec.model is CallAttempt:
                    leads_to_recompute.update(r["lead_id"] for r in rows)
            for table, ids in _remove(connection, page.get("removes", [])).items():
                changed[table].update(ids)
            if leads_to_recompute:
                recompute_leads(connection, leads_to_recompute)
                changed[Lead.__tablename__].update(leads_to_recompute)
            # Stamps beyond this clock's bound are not taken in (one bad row must not drag it).
            self.hlc.observe(*stamps)
            _save_state(connection, CURSOR_KEY, str(page["cursor"]))
            _save_state(connection, HLC_KEY, self.hlc.last)
            if first_head is not None and page["more"]:
                _save_state(connection, FIRST_DOWNLOAD_KEY, str(first_head))
            elif not page["more"]:
                connection.execute(delete(SyncState).where(SyncState.key == FIRST_DOWNLOAD_KEY))
        return AppliedPage(written, {t: frozenset(ids) for t, ids in changed.items() if ids})


def _save_state(connection: Any, key: str, value: str) -> None:
    connection.execute(
        sqlite_insert(SyncState)
        .values(key=key, value=value)
        .on_conflict_do_update(index_elements=["key"], set_={"value": value})
    )


def _pending_fields(connection: Any, row_ids: list[uuid.UUID]) -> dict[tuple[str, Any], dict]:
    """Fields with local edits not yet acknowledged: {(table, id): {field: [hlc, user]}}."""
    found: dict[tuple[str, Any], dict] = defaultdict(dict)
    if not row_ids:
        return found
    if not connection.scalar(select(func.count()).select_from(OutboxEntry)):
        return found
    for start in range(0, len(row_ids), 500):
        entries = connection.execute(
            select(OutboxEntry).where(OutboxEntry.row_id.in_(row_ids[start : start + 500]))
        )
        for entry in entries:
            for name in orjson.loads(entry.fields):
                user = str(entry.user_id) if entry.user_id else None
                found[(entry.table_name, entry.row_id)][name] = [entry.hlc, user]
    return found


def _leads_with_local_calls(connection: Any, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    pending = connection.scalars(
        select(OutboxEntry.row_id).where(OutboxEntry.table_name == "call_attempts")
    ).all()
    if not pending:
        return set()
    lead_ids = set(
        connection.scalars(select(CallAttempt.lead_id).where(CallAttempt.id.in_(pending)))
    )
    return {r["id"] for r in rows if r["id"] in lead_ids}


def _with_local_only(spec: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not spec.local_only:
        return rows
    return [{**r, **{name: "" for name in spec.local_only}} for r in rows]


def _upsert(connection: Any, spec: Any, columns: list[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    statement = sqlite_insert(spec.table)
    statement = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={c: statement.excluded[c] for c in columns if c != "id"},
    )
    connection.execute(statement, _with_local_only(spec, rows))


def _upsert_keeping(
    connection: Any, spec: Any, columns: list[str], row: dict[str, Any], keep: dict
) -> None:
    """Take the server's row but keep the fields edited here and not yet pushed."""
    current = (
        connection.execute(select(spec.table).where(spec.table.c.id == row["id"]))
        .mappings()
        .first()
    )
    if current is None:
        _upsert(connection, spec, columns, [row])
        return
    clocks = orjson.loads(row["field_clocks"])
    clocks.update(keep)
    values = {c: row[c] for c in columns if c != "id" and c not in keep}
    values["field_clocks"] = orjson.dumps(clocks).decode()
    connection.execute(update(spec.table).where(spec.table.c.id == row["id"]).values(values))


def _remove(connection: Any, removes: list[list[str]]) -> dict[str, list[uuid.UUID]]:
    """Rows that left this user's scope: gone from this workstation, not deleted anywhere.
    Returns the ids removed, by table."""
    by_table: dict[str, list[uuid.UUID]] = defaultdict(list)
    removed: dict[str, list[uuid.UUID]] = defaultdict(list)
    for table, row_id in removes:
        by_table[table].append(uuid.UUID(row_id))
    for table, ids in by_table.items():
        spec = BY_NAME.get(table)
        if spec is None:
            continue
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            if spec.model is Lead:
                # Its journey, callbacks and status history go with it, and are announced
                # with it: a view of callbacks must drop the removed lead's too.
                for child in _LEAD_CHILDREN:
                    gone = connection.execute(
                        delete(child).where(child.lead_id.in_(chunk)).returning(child.id)
                    ).scalars()
                    removed[child.__tablename__].extend(gone)
            connection.execute(delete(spec.table).where(spec.table.c.id.in_(chunk)))
            removed[spec.table.name].extend(chunk)
    return removed
