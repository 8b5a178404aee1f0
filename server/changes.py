"""Collecting the synced rows a server transaction creates or edits, to number them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from sync.schema import BY_MODEL


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
