"""Collecting the synced rows a server transaction creates or edits, to number them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.orm import Session

from server.sequence import stamp_changes
from sync.hlc import Stamp
from sync.schema import BY_MODEL, set_field_clock


class ChangedRows:
    """Watches one session: every synced row it adds or edits, stamped with `hlc` if new."""

    def __init__(self, session: Session, hlc: str) -> None:
        self.rows: list[Any] = []
        self._hlc = hlc
        event.listen(session, "before_flush", self._collect)

    def _collect(self, session: Session, _context: Any, _instances: Any) -> None:
        for obj in list(session.new):
            if type(obj) in BY_MODEL:
                if not obj.hlc:
                    obj.hlc = self._hlc
                    obj.field_clocks = "{}"
                self.rows.append(obj)
        self.rows.extend(
            obj for obj in session.dirty if type(obj) in BY_MODEL and session.is_modified(obj)
        )

    def stamp(self, session: Session, *also: Any) -> None:
        """Number every row collected so far, and `also`, for sync; call just before commit.

        Flushes first, so that rows added or edited since the last flush are collected too:
        reading `rows` before that flush would miss them, and an unnumbered row never syncs.
        """
        session.flush()
        stamp_changes(session, [*self.rows, *also])


def server_stamp(now: datetime) -> str:
    """The clock of an edit made by the server itself."""
    return str(Stamp(int(now.timestamp() * 1000), 0, "server"))


def server_edit(row: Any, values: dict[str, Any], now: datetime, by: uuid.UUID | None) -> None:
    """Change synced fields on the server, with field clocks so the edit merges as the newest."""
    clocks = orjson.loads(row.field_clocks or "{}")
    stamp = server_stamp(now)
    for name, value in values.items():
        setattr(row, name, value)
        set_field_clock(clocks, name, stamp, by)
    row.field_clocks = orjson.dumps(clocks).decode()
