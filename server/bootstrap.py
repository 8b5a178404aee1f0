"""Preparing a server database: sequence numbers and clocks for rows loaded in bulk, and
clocks repaired when an earlier version let far-future stamps in."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, bindparam, func, literal_column, select, update
from sqlalchemy.orm import Session

from app.clock import utc_now
from app.persistence.models import Lead
from server.persistence.models import Counter
from server.sequence import take_numbers
from sync.hlc import MAX_AHEAD, Stamp
from sync.schema import TABLES

log = logging.getLogger(__name__)


def stamp_unsequenced(engine: Engine, now: datetime | None = None) -> int:
    """Number every row that has no server sequence yet (bulk-loaded data); returns the head.

    Run while no server is writing (a bootstrap step): it takes the counter lock but numbers
    rows table by table in foreign-key order.
    """
    stamp = str(Stamp(int((now or utc_now()).timestamp() * 1000), 0, "server"))
    with Session(engine) as session, session.begin():
        counter = session.scalar(select(Counter).where(Counter.name == "sync").with_for_update())
        assert counter is not None, "run the server migrations first"
        head = counter.value
        for spec in TABLES:
            table = spec.table
            missing = table.c.server_seq.is_(None)
            session.execute(update(table).where(table.c.hlc == "").values(hlc=stamp))
            if engine.dialect.name == "sqlite":
                top = (
                    session.scalar(select(func.max(literal_column("rowid"))).select_from(table))
                    or 0
                )
                session.execute(
                    update(table).where(missing).values(server_seq=literal_column("rowid") + head)
                )
                head += top
                continue
            ids = list(session.scalars(select(table.c.id).where(missing).order_by(table.c.id)))
            numbered = [{"row_id": row_id, "seq": head + n + 1} for n, row_id in enumerate(ids)]
            for start in range(0, len(numbered), 1000):
                session.execute(
                    update(table)
                    .where(table.c.id == bindparam("b_id"))
                    .values(server_seq=bindparam("b_seq")),
                    numbered[start : start + 1000],
                )
            head += len(ids)
        counter.value = head
        numbers = session.scalar(
            select(Counter).where(Counter.name == "lead_number").with_for_update()
        )
        assert numbers is not None
        numbers.value = max(numbers.value, session.scalar(select(func.max(Lead.number))) or 0)
        return head


def repair_future_clocks(
    engine: Engine, now: datetime | None = None, max_ahead: timedelta = MAX_AHEAD
) -> int:
    """Bring back to `now` every stored stamp (a row's `hlc`, its `field_clocks`) beyond
    `now` + `max_ahead`; returns the rows repaired.

    Such a stamp (pushed before the server bounded clocks, or written while the server's own
    clock ran ahead) would make every later honest edit of its field lose. Brought back to
    `now`, it loses to any edit made after the repair, and keeps its node so that ties still
    break the same way everywhere. Repaired rows get new sequence numbers (taken last, under
    the counter's lock, as every server write does), so every workstation pulls the repaired
    stamps. Safe while servers run: candidates are found by a scan, then locked and checked
    again in the repairing transaction. Costs a scan of the synced tables' clock columns;
    run at start-up (python -m server), before the workers start.
    """
    at = now or utc_now()
    now_ms = int(at.timestamp() * 1000)
    limit = now_ms + int(max_ahead.total_seconds() * 1000)
    candidates: dict[str, list[Any]] = {}
    with engine.connect() as connection:
        for spec in TABLES:
            table = spec.table
            query = select(table.c.id, table.c.hlc, table.c.field_clocks)
            rows = connection.execution_options(yield_per=5000).execute(query)
            found = [r.id for r in rows if _repaired(r.hlc, r.field_clocks, limit, now_ms)]
            if found:
                candidates[spec.name] = found
    if not candidates:
        return 0
    repaired = 0
    with Session(engine) as session, session.begin():
        fixes: list[tuple[Any, list[dict[str, Any]]]] = []
        for spec in TABLES:
            ids = candidates.get(spec.name, [])
            table = spec.table
            changes: list[dict[str, Any]] = []
            for start in range(0, len(ids), 500):
                locked = session.execute(
                    select(table.c.id, table.c.hlc, table.c.field_clocks)
                    .where(table.c.id.in_(ids[start : start + 500]))
                    .with_for_update()
                )
                for row in locked:
                    fixed = _repaired(row.hlc, row.field_clocks, limit, now_ms)
                    if fixed:
                        changes.append({"b_id": row.id, "b_hlc": fixed[0], "b_clocks": fixed[1]})
            if changes:
                fixes.append((table, changes))
                repaired += len(changes)
        if not repaired:
            return 0
        first = take_numbers(session, "sync", repaired)
        for table, changes in fixes:
            for change in changes:
                change["b_seq"] = first
                first += 1
            session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    hlc=bindparam("b_hlc"),
                    field_clocks=bindparam("b_clocks"),
                    server_seq=bindparam("b_seq"),
                ),
                changes,
            )
            log.warning("clocks beyond the bound repaired: %s rows of %s", len(changes), table.name)
    return repaired


def _repaired(
    hlc: str, field_clocks: str | None, limit: int, now_ms: int
) -> tuple[str, str] | None:
    """(hlc, field_clocks) with every stamp beyond `limit` brought back to `now_ms`, or None
    when none is beyond. Unreadable stamps are left alone: they sort before every stamp."""

    def rein(text: str) -> str:
        try:
            stamp = Stamp.parse(text)
        except ValueError:
            return text
        return str(Stamp(now_ms, 0, stamp.node)) if stamp.millis > limit else text

    clocks: dict[str, Any] = {}
    if field_clocks:
        try:
            clocks = orjson.loads(field_clocks)
        except orjson.JSONDecodeError:
            clocks = {}
    changed = False
    for entry in clocks.values() if isinstance(clocks, dict) else ():
        if isinstance(entry, list) and entry and isinstance(entry[0], str):
            fixed = rein(entry[0])
            if fixed != entry[0]:
                entry[0], changed = fixed, True
    new_hlc = rein(hlc) if hlc else hlc
    if new_hlc == hlc and not changed:
        return None
    return new_hlc, orjson.dumps(clocks).decode() if changed else (field_clocks or "{}")
