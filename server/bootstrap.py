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
                    .where(table.c.id == bindparam("row_id"))
                    .values(server_seq=bindparam("seq")),
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


# Columns holding one stamp: a row's own clock, and a conflict's two sides (shown as times).
_STAMP_COLUMNS = ("hlc", "winner_hlc", "loser_hlc")


def repair_future_clocks(
    engine: Engine, now: datetime | None = None, max_ahead: timedelta = MAX_AHEAD
) -> int:
    """Bring back to `now` every stored stamp (a row's `hlc` and `field_clocks`, a conflict's
    sides) beyond `now` + `max_ahead`; returns the rows repaired.

    Such a stamp (pushed before the server bounded clocks, or written while the server's own
    clock ran ahead) would make every later honest edit of its field lose. Brought back to
    `now`, it loses to any edit made after the repair, and keeps its node so that ties still
    break the same way everywhere. Repaired rows get new sequence numbers (under the
    counter's lock, held until commit, as every server write does), so every workstation
    pulls the repaired stamps. Safe while servers run: candidates are found by a scan, then
    locked and checked again in the repairing transaction. Costs a scan of the synced tables'
    clock columns; run at start-up (python -m server), before the workers start.
    """
    at = now or utc_now()
    now_ms = int(at.timestamp() * 1000)
    limit = now_ms + int(max_ahead.total_seconds() * 1000)
    candidates: dict[str, list[Any]] = {}
    with engine.connect() as connection:
        for spec in TABLES:
            columns = _clock_columns(spec.table)
            rows = connection.execution_options(yield_per=5000).execute(select(*columns))
            found = [r.id for r in rows if _repaired(r._mapping, limit, now_ms)]
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
                    select(*_clock_columns(table))
                    .where(table.c.id.in_(ids[start : start + 500]))
                    .with_for_update()
                )
                for row in locked:
                    fixed = _repaired(row._mapping, limit, now_ms)
                    if fixed:
                        changes.append({"b_id": row.id, **{f"b_{k}": v for k, v in fixed.items()}})
            if changes:
                fixes.append((table, changes))
                repaired += len(changes)
        if not repaired:
            return 0
        first = take_numbers(session, "sync", repaired)
        for table, changes in fixes:
            for change in changes:
                change["b_server_seq"] = first
                first += 1
            names = [c.name for c in _clock_columns(table)[1:]] + ["server_seq"]
            session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values({name: bindparam(f"b_{name}") for name in names}),
                changes,
            )
            log.warning("clocks beyond the bound repaired: %s rows of %s", len(changes), table.name)
    return repaired


def _clock_columns(table: Any) -> list[Any]:
    """id, then every column holding stamps."""
    names = [n for n in _STAMP_COLUMNS if n in table.c] + ["field_clocks"]
    return [table.c.id, *(table.c[n] for n in names)]


def _repaired(row: Any, limit: int, now_ms: int) -> dict[str, Any] | None:
    """The row's stamp columns with every stamp beyond `limit` brought back to `now_ms`, or
    None when none is beyond. Unreadable stamps are left alone: they sort before every stamp."""

    def rein(text: str) -> str:
        try:
            stamp = Stamp.parse(text)
        except ValueError:
            return text
        return str(Stamp(now_ms, 0, stamp.node)) if stamp.millis > limit else text

    values = {n: row[n] for n in _STAMP_COLUMNS if n in row}
    fixed = {n: rein(v) if v else v for n, v in values.items()}
    changed = fixed != values
    clocks: Any = {}
    if row["field_clocks"]:
        try:
            clocks = orjson.loads(row["field_clocks"])
        except orjson.JSONDecodeError:
            clocks = {}
    clocks_changed = False
    for entry in clocks.values() if isinstance(clocks, dict) else ():
        if isinstance(entry, list) and entry and isinstance(entry[0], str):
            stamp = rein(entry[0])
            if stamp != entry[0]:
                entry[0], clocks_changed = stamp, True
    if not (changed or clocks_changed):
        return None
    fixed["field_clocks"] = (
        orjson.dumps(clocks).decode() if clocks_changed else (row["field_clocks"] or "{}")
    )
    return fixed
