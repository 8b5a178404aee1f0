"""One change notification for the whole application.

Commands (through `Operations.run(changes=...)`) and the sync engine (rows received) announce
what changed: which tables, and which row ids when they are known. Every view subscribes to
the tables it shows and refreshes itself; no window refreshes another.

Tables are the workspace's table names (`leads`, `call_attempts`, `providers`, `contracts`,
`invoices`, ...), the same names the sync uses, so what a pull brings and what a command
writes are announced in the same words.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import shiboken6
from PySide6.QtCore import QObject, Signal

ALL: frozenset[uuid.UUID] = frozenset()  # "some rows of this table, which ones unknown"


@dataclass(frozen=True)
class Changes:
    """Tables changed, each with the ids of its changed rows (empty: unknown, assume any)."""

    tables: Mapping[str, frozenset[uuid.UUID]] = field(default_factory=dict)

    @classmethod
    def of(cls, table: str, *ids: uuid.UUID | None) -> Changes:
        return cls({table: frozenset(i for i in ids if i is not None)})

    @classmethod
    def tables_only(cls, *tables: str) -> Changes:
        return cls({table: ALL for table in tables})

    def __or__(self, other: Changes) -> Changes:
        merged = dict(self.tables)
        for table, ids in other.tables.items():
            if table in merged and merged[table] and ids:
                merged[table] = merged[table] | ids
            else:
                merged[table] = ALL if table in merged else ids
        return Changes(merged)

    def __bool__(self) -> bool:
        return bool(self.tables)

    def touches(self, tables: Iterable[str]) -> bool:
        return any(table in self.tables for table in tables)

    def ids(self, table: str) -> frozenset[uuid.UUID] | None:
        """The changed ids of `table`; ALL when unknown; None when the table did not change."""
        return self.tables.get(table)


class ChangeBus(QObject):
    """The application's one change signal; views `watch` the tables they show."""

    changed = Signal(object)  # Changes

    def announce(self, changes: Changes) -> None:
        if changes:
            self.changed.emit(changes)

    def watch(
        self, owner: QObject, tables: Iterable[str], refresh: Callable[[Changes], None]
    ) -> None:
        """Call `refresh` when one of `tables` changes, for as long as `owner` lives."""
        wanted = frozenset(tables)

        def on_changed(changes: Changes) -> None:
            if shiboken6.isValid(owner) and changes.touches(wanted):
                refresh(changes)

        self.changed.connect(on_changed)
        owner.destroyed.connect(lambda: _disconnect(self, on_changed))


def _disconnect(bus: ChangeBus, slot: Callable[[Changes], None]) -> None:
    if shiboken6.isValid(bus):
        with contextlib.suppress(RuntimeError, TypeError):  # already gone with the bus
            bus.changed.disconnect(slot)
