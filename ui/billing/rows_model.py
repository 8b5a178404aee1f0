"""One table model for the billing lists: named columns, sorting, pages shown as one scrolls.

Every billing list (invoices, debits, batches, dunning, aged balance, mandates, statements)
is a list of frozen rows read on a worker thread; a `RowsModel` shows them through named
`Column`s. Rows arrive in two ways: `reset(rows)` (a new reading) and `append(rows)` (the next
page of a long list, asked by `fetchMore` through the `more` loader). Of what it holds, the
model shows `page` rows at a time, so the view never lays out thousands of rows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

R = TypeVar("R")
ROW_ROLE = Qt.ItemDataRole.UserRole
LATE = QColor(Qt.GlobalColor.darkRed)
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[R]):
    """A column: its title, its text for a row, and how it sorts (by its text by default)."""

    title: str
    text: Callable[[R], str]
    sort_key: Callable[[R], Any] | None = None
    right: bool = False
    late: Callable[[R], bool] | None = None  # drawn in dark red
    width: int | None = None


class RowsModel(QAbstractTableModel, Generic[R]):
    def __init__(
        self,
        columns: Sequence[Column[R]],
        page: int = 200,
        bold: Callable[[R], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.page = page
        self.bold = bold
        self._rows: list[R] = []
        self._shown = 0
        self._more: Callable[[], None] | None = None
        self._loading = False
        self._sorted: tuple[int, Qt.SortOrder] | None = None

    # -- filling --------------------------------------------------------------------------

    def reset(self, rows: Sequence[R], more: Callable[[], None] | None = None) -> None:
        """A new reading; `more` asks the next page (it calls `append` once it is read)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._sort_rows()
        self._shown = min(len(self._rows), self.page)
        self._more = more
        self._loading = False
        self.endResetModel()

    def append(self, rows: Sequence[R], more: Callable[[], None] | None = None) -> None:
        """The next page, read after `fetchMore` asked for it."""
        self._loading = False
        self._more = more
        if not rows:
            return
        if self._sorted is not None:  # the new rows take their place in the sort
            self.beginResetModel()
            self._rows.extend(rows)
            self._sort_rows()
            self._shown = len(self._rows)
            self.endResetModel()
            return
        self._rows.extend(rows)
        self._reveal(len(rows))

    @property
    def rows(self) -> list[R]:
        """Every row read so far (shown or not yet)."""
        return list(self._rows)

    @property
    def complete(self) -> bool:
        """Nothing more to read from the workspace."""
        return self._more is None

    def row_at(self, index: Index) -> R | None:
        if not index.isValid() or index.row() >= self._shown:
            return None
        return self._rows[index.row()]

    def find(self, wanted: Callable[[R], bool]) -> int | None:
        for number, row in enumerate(self._rows):
            if wanted(row):
                if number >= self._shown:
                    self._reveal(number + 1 - self._shown)
                return number
        return None

    def _reveal(self, count: int) -> None:
        last = min(len(self._rows), self._shown + count)
        if last <= self._shown:
            return
        self.beginInsertRows(QModelIndex(), self._shown, last - 1)
        self._shown = last
        self.endInsertRows()

    # -- Qt's model -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index)
        if row is None or not 0 <= index.column() < len(self.columns):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.late is not None and column.late(row):
            return QBrush(LATE)
        if role == Qt.ItemDataRole.FontRole and self.bold is not None and self.bold(row):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid():
            return False
        return self._shown < len(self._rows) or (self._more is not None and not self._loading)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        if self._shown < len(self._rows):
            self._reveal(self.page)
        elif self._more is not None and not self._loading:
            self._loading = True
            self._more()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            self._sorted = None
            return
        self.layoutAboutToBeChanged.emit()
        self._sorted = (column, order)
        self._sort_rows()
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        if self._sorted is None:
            return
        number, order = self._sorted
        column = self.columns[number]
        key = column.sort_key or column.text
        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)


def rows_view(
    model: RowsModel[Any], name: str, *, sortable: bool = True, parent: QWidget | None = None
) -> QTreeView:
    """A flat list over `model`: one row selected at a time, sortable by its headers."""
    view = QTreeView(parent)
    view.setObjectName(name)
    view.setRootIsDecorated(False)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setModel(model)
    if sortable:
        # No column sorted at first: the rows keep the order their query gives.
        view.header().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        view.setSortingEnabled(True)
    header: QHeaderView = view.header()
    for number, column in enumerate(model.columns):
        if column.width is not None:
            header.resizeSection(number, column.width)
    return view


def current_row(view: QTreeView) -> Any:
    """The row under the view's current index, or None."""
    model = view.model()
    if not isinstance(model, RowsModel):
        return None
    return model.row_at(view.currentIndex())


def select_row(view: QTreeView, number: int) -> None:
    model = view.model()
    view.setCurrentIndex(model.index(number, 0))
