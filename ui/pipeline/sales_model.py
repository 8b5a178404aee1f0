"""The leads sold to a provider (the account's last 500), as a sortable table model."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.domain.disputes import DISPUTE_STATUS_LABELS
from app.domain.money import format_euros
from app.services.contracts.contract_queries import SaleRow
from ui.core import formatting

SALE_ID = Qt.ItemDataRole.UserRole
Index = QModelIndex | QPersistentModelIndex


class SaleColumn(IntEnum):
    SOLD_AT = 0
    LEAD = 1
    CATEGORY = 2
    PLACE = 3
    PRICE = 4
    PACKAGE = 5
    DISPUTE = 6


SALE_HEADERS = {
    SaleColumn.SOLD_AT: "Vendu le",
    SaleColumn.LEAD: "Lead",
    SaleColumn.CATEGORY: "Catégorie",
    SaleColumn.PLACE: "Lieu",
    SaleColumn.PRICE: "Prix HT",
    SaleColumn.PACKAGE: "Forfait",
    SaleColumn.DISPUTE: "Contestation",
}
_SORT_KEYS: dict[SaleColumn, Callable[[SaleRow], Any]] = {
    SaleColumn.SOLD_AT: lambda s: s.sold_at,
    SaleColumn.LEAD: lambda s: s.lead_number,
    SaleColumn.CATEGORY: lambda s: s.category.casefold(),
    SaleColumn.PLACE: lambda s: s.place.casefold(),
    SaleColumn.PRICE: lambda s: s.price_cents,
    SaleColumn.PACKAGE: lambda s: s.within_package,
    SaleColumn.DISPUTE: lambda s: (
        DISPUTE_STATUS_LABELS[s.dispute_status] if s.dispute_status else ""
    ),
}


def _cell(sale: SaleRow, column: SaleColumn) -> str:
    if column is SaleColumn.SOLD_AT:
        return formatting.office_datetime(sale.sold_at)
    if column is SaleColumn.LEAD:
        return f"n° {sale.lead_number}"
    if column is SaleColumn.CATEGORY:
        return sale.category
    if column is SaleColumn.PLACE:
        return sale.place
    if column is SaleColumn.PRICE:
        return format_euros(sale.price_cents, with_cents=True)
    if column is SaleColumn.PACKAGE:
        return "inclus" if sale.within_package else ""
    return DISPUTE_STATUS_LABELS[sale.dispute_status] if sale.dispute_status else ""


class SalesModel(QAbstractTableModel):
    """At most 500 rows (the account reads the last 500): sorted in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.sales: list[SaleRow] = []
        self._sort: tuple[SaleColumn, bool] | None = None  # None: as read, newest first

    def set_sales(self, sales: list[SaleRow]) -> None:
        self.beginResetModel()
        self.sales = self._sorted(list(sales))
        self.endResetModel()

    def sale(self, row: int) -> SaleRow | None:
        return self.sales[row] if 0 <= row < len(self.sales) else None

    def _sorted(self, sales: list[SaleRow]) -> list[SaleRow]:
        if self._sort is None:
            return sales
        column, descending = self._sort
        return sorted(sales, key=_SORT_KEYS[column], reverse=descending)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.sales)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(SaleColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(SaleColumn)
        ):
            return SALE_HEADERS[SaleColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        sale = self.sale(index.row()) if index.isValid() else None
        if sale is None:
            return None
        if role == SALE_ID:
            return sale.sale_id
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(sale, SaleColumn(index.column()))
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(SaleColumn):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        ids = [self.sales[i.row()].sale_id for i in old]
        self._sort = (SaleColumn(column), order == Qt.SortOrder.DescendingOrder)
        self.sales = self._sorted(self.sales)
        rows = {sale.sale_id: r for r, sale in enumerate(self.sales)}
        self.changePersistentIndexList(
            old, [self.index(rows[s], i.column()) for s, i in zip(ids, old, strict=True)]
        )
        self.layoutChanged.emit()

    def sale_id_at(self, row: int) -> uuid.UUID | None:
        sale = self.sale(row)
        return sale.sale_id if sale else None
