"""Reading changes after a cursor, one bounded page at a time, in sequence order."""

from __future__ import annotations

import heapq
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.scope import UserScope
from server.sequence import head
from sync.schema import SCHEMA_VERSION, TABLES, encode


def read_page(
    session: Session,
    scope: UserScope,
    cursor: int,
    limit: int,
    removes_after: int | None = None,
) -> dict[str, Any]:
    """Rows changed after `cursor`, at most `limit`, grouped by table in foreign-key order.

    The page ends at a sequence number `bound`: every change numbered up to `bound` is in it
    (or in the removes), so the client may move its cursor to `bound`.

    Removes are for rows the workstation may hold. A first download holds nothing at cursor
    0; on its later pages it holds only what it was sent, so only rows changed after its first
    page (numbered above `removes_after`, the head that page reported) can be rows it holds
    and must drop. Any other remove would only tell the ids of rows the user may not see.
    """
    floor = removes_after or 0
    top = head(session)
    seqs: list[int] = []
    for spec in TABLES:
        column = spec.table.c.server_seq
        seqs = heapq.nsmallest(
            limit,
            seqs
            + list(
                session.scalars(select(column).where(column > cursor).order_by(column).limit(limit))
            ),
        )
    if not seqs:
        return {
            "schema": SCHEMA_VERSION,
            "cursor": cursor,
            "head": top,
            "more": False,
            "tables": [],
            "removes": [],
        }
    bound = seqs[-1]
    tables: list[dict[str, Any]] = []
    removes: list[list[str]] = []
    for spec in TABLES:
        columns = spec.wire_columns
        table = spec.table
        result = session.execute(
            select(*(table.c[c] for c in columns))
            .where(table.c.server_seq > cursor, table.c.server_seq <= bound)
            .order_by(table.c.server_seq)
        )
        rows = [dict(zip(columns, r, strict=True)) for r in result]
        if not rows:
            continue
        kept, removed = scope.visible(session, spec.name, rows)
        if kept:
            tables.append(
                {
                    "name": spec.name,
                    "columns": columns,
                    "rows": [[encode(r[c]) for c in columns] for r in kept],
                }
            )
        if cursor > 0 and removed:
            numbered = {r["id"]: r["server_seq"] for r in rows}
            removes.extend([spec.name, str(i)] for i in removed if numbered[i] > floor)
    return {
        "schema": SCHEMA_VERSION,
        "cursor": bound,
        "head": max(top, bound),
        "more": bound < top,
        "tables": tables,
        "removes": removes,
    }
