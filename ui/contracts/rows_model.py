"""A table model over a list of read rows: named columns, sorting, rows shown page by page.

The rows come from a background read (`set_rows`); the view asks for more as the user
scrolls (`canFetchMore`/`fetchMore`), so a long list never builds all its cells at once.
Sorting is done in the model on the column's sort key (dates as dates, counts as numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

ID_ROLE = Qt.ItemDataRole.UserRole
PROVIDER_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE = 200
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    sort_key: Callable[[Any], Any] | None = None  # default: the text
    right_aligned: bool = False


class RowsModel(QAbstractTableModel):
    def __init__(
        self,
        columns: Sequence[Column],
        roles: dict[int, Callable[[Any], Any]],
        page: int = PAGE,
    ) -> None:
        super().__init__()
        self.columns = tuple(columns)
        self._roles = roles
        self._page = page
        self._rows: list[Any] = []
        self._shown = 0

    # -- content ---------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace the rows; as many stay shown as before (at least a page)."""
        self.beginResetModel()
        shown = max(self._shown, self._page)
        self._rows = list(rows)
        self._shown = min(len(self._rows), shown)
        self.endResetModel()

    @property
    def total(self) -> int:
        """Every row read, shown or not yet."""
        return len(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, role: int, value: Any) -> int | None:
        """The row (among those shown) whose `role` data is `value`."""
        read = self._roles[role]
        return next((i for i in range(self._shown) if read(self._rows[i]) == value), None)

    # -- Qt --------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._shown < len(self._rows)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        more = min(self._page, len(self._rows) - self._shown)
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
        self._shown += more
        self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._shown:
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right_aligned:
            return int(RIGHT.value)
        if role in self._roles and index.column() == 0:
            return self._roles[role](row)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section].title
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        spec = self.columns[column]
        key = spec.sort_key or spec.text
        self.beginResetModel()
        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.endResetModel()
