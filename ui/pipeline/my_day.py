"""« Ma journée »: the rep's calls and tasks due by tonight, overdue ones in red.

A day holds a few dozen lines: the model keeps them all and sorts them in memory.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from app.domain.providers import ACTIVITY_LABELS
from app.services.providers.provider_activities import DayItem
from ui.core import formatting

ACTIVITY_ID = Qt.ItemDataRole.UserRole
PROVIDER_ID = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class DayColumn(IntEnum):
    DUE = 0
    KIND = 1
    PROVIDER = 2
    SUBJECT = 3
    PHONE = 4


DAY_HEADERS = {
    DayColumn.DUE: "Échéance",
    DayColumn.KIND: "Quoi",
    DayColumn.PROVIDER: "Prestataire",
    DayColumn.SUBJECT: "Objet",
    DayColumn.PHONE: "Téléphone",
}
_SORT_KEYS: dict[DayColumn, Callable[[DayItem], Any]] = {
    DayColumn.DUE: lambda i: i.due_at,
    DayColumn.KIND: lambda i: ACTIVITY_LABELS[i.kind],
    DayColumn.PROVIDER: lambda i: i.company_name.casefold(),
    DayColumn.SUBJECT: lambda i: i.subject.casefold(),
    DayColumn.PHONE: lambda i: i.phone_e164 or "",
}


class DayModel(QAbstractTableModel):
    def __init__(self, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.clock = clock
        self.items: list[DayItem] = []
        self._sort: tuple[DayColumn, bool] = (DayColumn.DUE, False)

    def set_items(self, items: list[DayItem]) -> None:
        self.beginResetModel()
        self.items = self._sorted(items)
        self.endResetModel()

    def item(self, row: int) -> DayItem | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    def _sorted(self, items: list[DayItem]) -> list[DayItem]:
        column, descending = self._sort
        return sorted(items, key=_SORT_KEYS[column], reverse=descending)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(DayColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(DayColumn)
        ):
            return DAY_HEADERS[DayColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role == ACTIVITY_ID:
            return item.activity_id
        if role == PROVIDER_ID:
            return item.provider_id
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(Qt.GlobalColor.darkRed) if item.overdue else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = DayColumn(index.column())
        if column is DayColumn.DUE:
            return formatting.short_when(item.due_at, self.clock())
        if column is DayColumn.KIND:
            return ACTIVITY_LABELS[item.kind]
        if column is DayColumn.PROVIDER:
            return f"{item.company_name} ({item.city})"
        if column is DayColumn.SUBJECT:
            return item.subject
        return formatting.format_phone_national(item.phone_e164) if item.phone_e164 else ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(DayColumn):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (DayColumn(column), order == Qt.SortOrder.DescendingOrder)
        old = self.persistentIndexList()
        ids = [self.items[i.row()].activity_id for i in old]
        self.items = self._sorted(self.items)
        rows = {item.activity_id: r for r, item in enumerate(self.items)}
        self.changePersistentIndexList(
            old, [self.index(rows[a], i.column()) for a, i in zip(ids, old, strict=True)]
        )
        self.layoutChanged.emit()

    def provider_of(self, row: int) -> uuid.UUID | None:
        item = self.item(row)
        return item.provider_id if item else None
