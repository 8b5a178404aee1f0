"""The change sequence, handed out in commit order.

A plain auto-increment is assigned when a row is written, not when its transaction commits:
a slow transaction holding number 41 can commit after number 42 was already pulled, and the
client, whose cursor is past 41, never sees it. Here each write transaction takes the 'sync'
counter row with a row lock as its last step and holds it until commit. At any moment only
one transaction holds numbers that are not yet committed, and they are the highest, so a
reader that saw number N has seen every number below N.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.persistence.models import Counter


def take_numbers(session: Session, name: str, count: int) -> int:
    """Reserve `count` numbers of counter `name`; returns the first. Locks until commit."""
    current = session.scalar(select(Counter.value).where(Counter.name == name).with_for_update())
    if current is None:
        raise RuntimeError(f"counter {name!r} missing: run the server migrations")
    session.execute(update(Counter).where(Counter.name == name).values(value=current + count))
    return current + 1


def stamp_changes(session: Session, rows: Sequence[Any]) -> None:
    """Give every changed synced row its sequence number; call just before commit."""
    session.flush()
    unique = list({id(r): r for r in rows}.values())
    if not unique:
        return
    first = take_numbers(session, "sync", len(unique))
    for offset, row in enumerate(unique):
        row.server_seq = first + offset
    session.flush()


def head(session: Session) -> int:
    return session.scalar(select(Counter.value).where(Counter.name == "sync")) or 0
