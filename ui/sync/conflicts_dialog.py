"""The conflicts screen: two people changed the same field; someone chooses which value stays.

The open conflicts are read, and a choice written, on a worker thread; the list is a model
(`ConflictsModel`) that refreshes itself when a sync brings conflicts or resolutions
(`sync_conflicts` on the change bus).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.conflicts import ConflictSide, ConflictView, open_conflicts, resolve_conflict
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.core.dialog_parts import error_line
from ui.core.formatting import when
from ui.core.remembered import keep_window

TABLE = "sync_conflicts"
COLUMNS_KEY = "sync/conflicts"
AnyIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    RECORD = 0
    FIELD = 1
    KEPT = 2
    KEPT_BY = 3
    OTHER = 4
    OTHER_BY = 5


HEADERS = {
    Column.RECORD: "Enregistrement",
    Column.FIELD: "Champ",
    Column.KEPT: "Valeur retenue",
    Column.KEPT_BY: "Par, le",
    Column.OTHER: "Autre valeur",
    Column.OTHER_BY: "Par, le",
}


def _value(value: Any) -> str:
    if value is None or value == "":
        return "(vide)"
    if value is True:
        return "oui"
    if value is False:
        return "non"
    return str(value)


def _who(side: ConflictSide) -> str:
    return f"{side.user}, {when(side.at)}" if side.at else side.user


def cell(conflict: ConflictView, column: Column) -> str:
    match column:
        case Column.RECORD:
            return conflict.record
        case Column.FIELD:
            deleted = " (enregistrement supprimé)" if conflict.kind == "deleted" else ""
            return conflict.field + deleted
        case Column.KEPT:
            return _value(conflict.kept.value)
        case Column.KEPT_BY:
            return _who(conflict.kept)
        case Column.OTHER:
            return _value(conflict.other.value)
        case Column.OTHER_BY:
            return _who(conflict.other)


class ConflictsModel(QAbstractTableModel):
    """The open conflicts, one a row; the conflict itself under Qt.UserRole."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflicts: list[ConflictView] = []

    def set_conflicts(self, conflicts: list[ConflictView]) -> None:
        self.beginResetModel()
        self.conflicts = list(conflicts)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.conflicts)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.conflicts):
            return None
        conflict = self.conflicts[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return cell(conflict, Column(index.column()))
        if role == Qt.ItemDataRole.UserRole:
            return conflict
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(Column)
        ):
            return HEADERS[Column(section)]
        return None


class ConflictsDialog(QDialog):
    def __init__(
        self,
        context: AppContext,
        on_change: Callable[[], None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        """`on_change`: after a choice is written (the session syncs it at once)."""
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Conflits de synchronisation")
        self.resize(1100, 420)
        self._on_change = on_change
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Deux personnes ont modifié le même champ sans voir la modification de l'autre. "
                "Le serveur a retenu la plus récente ; choisissez la valeur à garder."
            )
        )
        self.model = ConflictsModel(self)
        self.sorted = QSortFilterProxyModel(self)
        self.sorted.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("conflicts")
        self.table.setModel(self.sorted)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # as read: oldest first
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column in Column:
            self.table.setColumnWidth(column, 180)
        self.table.verticalHeader().hide()
        context.remembered.keep_header(self.table.horizontalHeader(), COLUMNS_KEY)
        layout.addWidget(self.table)
        self.message = error_line()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.keep = QPushButton("Garder la valeur retenue")
        self.take_other = QPushButton("Reprendre l'autre valeur")
        close = QPushButton("Fermer")
        self.keep.clicked.connect(lambda: self._resolve(False))
        self.take_other.clicked.connect(lambda: self._resolve(True))
        close.clicked.connect(self.accept)
        buttons.addWidget(self.keep)
        buttons.addWidget(self.take_other)
        buttons.addStretch()
        buttons.addWidget(close)
        layout.addLayout(buttons)
        keep_window(context.remembered, self, "sync/conflicts")
        self._enable(False)
        context.changes.watch(self, {TABLE}, lambda _changes: self.reload())
        self.reload()

    @property
    def conflicts(self) -> list[ConflictView]:
        return self.model.conflicts

    def reload(self) -> None:
        sessions = self.context.workspace.sessions
        self.context.operations.run(lambda: open_conflicts(sessions), self._show, owner=self)

    def _show(self, conflicts: list[ConflictView]) -> None:
        self.model.set_conflicts(conflicts)
        if conflicts:
            self.table.selectRow(0)
        self._enable(bool(conflicts))

    def _enable(self, enabled: bool) -> None:
        for button in (self.keep, self.take_other):
            button.setEnabled(enabled)

    def _refuse(self, message: str) -> None:
        self.message.setText(message)
        self.message.show()

    def selected(self) -> ConflictView | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        value = index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole)
        return value if isinstance(value, ConflictView) else None

    def _resolve(self, take_other: bool) -> None:
        conflict = self.selected()
        if conflict is None:
            self._refuse("Choisissez un conflit dans la liste.")
            return
        sessions, user_id, clock = (
            self.context.workspace.sessions,
            self.context.user.id,
            self.context.clock,
        )
        changed = Changes.of(TABLE, conflict.id)
        if take_other and conflict.table:
            changed = changed | Changes.of(conflict.table, conflict.row_id)
        self._enable(False)
        self.context.operations.run(
            lambda: resolve_conflict(sessions, conflict.id, take_other, user_id, clock),
            lambda _none: self._resolved(),
            self._refused,
            owner=self,
            changes=changed,
        )

    def _resolved(self) -> None:
        # The list reloads itself: the write announced `sync_conflicts`.
        self.message.hide()
        self._on_change()

    def _refused(self, message: str) -> None:
        self._refuse(message)
        self._enable(bool(self.conflicts))
