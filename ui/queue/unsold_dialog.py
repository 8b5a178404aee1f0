"""The unsold list for managers: released leads no contract could take, with the reason, and
placing selected ones again once coverage was added (a request to the server)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
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
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.dispatch.matching import UNSOLD_LABELS
from app.services.leads.unsold import UnsoldRow
from ui.core import formatting
from ui.core.context import AppContext
from ui.core.remembered import keep_window

Redispatch = Callable[[list[str]], Awaitable[dict[str, Any]]]
ID_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ModelIndex = QModelIndex | QPersistentModelIndex


class UnsoldColumn(IntEnum):
    LEAD = 0
    SUBMITTED = 1
    CATEGORY = 2
    PLACE = 3
    REASON = 4
    RECORDED = 5
    SOLD_LATER = 6


HEADERS = {
    UnsoldColumn.LEAD: "Lead",
    UnsoldColumn.SUBMITTED: "Déposé le",
    UnsoldColumn.CATEGORY: "Catégorie",
    UnsoldColumn.PLACE: "Lieu",
    UnsoldColumn.REASON: "Motif",
    UnsoldColumn.RECORDED: "Constaté le",
    UnsoldColumn.SOLD_LATER: "Vendu depuis",
}
COLUMN_WIDTHS = (70, 120, 200, 220, 250, 120)


def _when(at: datetime | None) -> str:
    return formatting.office_datetime(at)


class UnsoldTableModel(QAbstractTableModel):
    """The unsold rows read last (at most the service's limit, the most recent first)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[UnsoldRow] = []

    def set_rows(self, rows: list[UnsoldRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> UnsoldRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(UnsoldColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[UnsoldColumn(section)] if 0 <= section < len(UnsoldColumn) else None
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = UnsoldColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == ID_ROLE:
            return row.lead_id
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        return None

    @staticmethod
    def _display(row: UnsoldRow, column: UnsoldColumn) -> str:
        match column:
            case UnsoldColumn.LEAD:
                return f"n° {row.number}"
            case UnsoldColumn.SUBMITTED:
                return _when(row.submitted_at)
            case UnsoldColumn.CATEGORY:
                return row.category
            case UnsoldColumn.PLACE:
                return f"{row.postcode} {row.city}"
            case UnsoldColumn.REASON:
                return UNSOLD_LABELS[row.reason]
            case UnsoldColumn.RECORDED:
                return _when(row.recorded_at)
            case UnsoldColumn.SOLD_LATER:
                return _when(row.sold_later_at)

    @staticmethod
    def _sort_key(row: UnsoldRow, column: UnsoldColumn) -> Any:
        match column:
            case UnsoldColumn.LEAD:
                return row.number
            case UnsoldColumn.SUBMITTED:
                return row.submitted_at.timestamp()
            case UnsoldColumn.RECORDED:
                return row.recorded_at.timestamp()
            case UnsoldColumn.SOLD_LATER:
                return row.sold_later_at.timestamp() if row.sold_later_at else 0.0
            case _:
                return UnsoldTableModel._display(row, column)


class UnsoldDialog(QDialog):
    def __init__(
        self,
        context: AppContext,
        redispatch: Redispatch | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.queries = context.unsold
        self.redispatch = redispatch
        self.setWindowTitle("Leads invendus")
        self.resize(1120, 600)
        self.only_open = QCheckBox("Seulement ceux toujours invendus")
        self.only_open.setChecked(True)
        self.only_open.toggled.connect(self.refresh)
        self.count = QLabel()
        self.model = UnsoldTableModel(self)
        self.sorted = QSortFilterProxyModel(self)
        self.sorted.setSourceModel(self.model)
        self.sorted.setSortRole(SORT_ROLE)
        self.list = QTableView()
        self.list.setObjectName("unsold")
        self.list.setModel(self.sorted)
        self.list.setSortingEnabled(True)
        self.list.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the service's order first
        self.list.verticalHeader().hide()
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.horizontalHeader().setStretchLastSection(True)
        self.list.horizontalHeader().setSectionsMovable(True)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.list.setColumnWidth(column, width)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.place = QPushButton("Relancer la diffusion de la sélection")
        self.place.setObjectName("redispatch")
        self.place.clicked.connect(self.place_selected)
        if redispatch is None:
            self.place.setEnabled(False)
            self.place.setToolTip("Poste non relié au serveur : la diffusion est faite par lui.")
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        top = QHBoxLayout()
        top.addWidget(self.only_open)
        top.addStretch(1)
        top.addWidget(self.count)
        bottom = QHBoxLayout()
        bottom.addWidget(self.place)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.list)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        keep_window(context.remembered, self, "queue/unsold")
        context.remembered.keep_header(self.list.horizontalHeader(), "queue/unsold")
        context.changes.watch(self, {"unsold_leads"}, lambda _changes: self.refresh())
        self._token = 0
        self.refresh()

    def say(self, message: str) -> None:
        self.status.setText(message)

    def refresh(self) -> None:
        """Read the list again in the background; a late answer of an older read is dropped."""
        self._token += 1
        token, queries, still_unsold = self._token, self.queries, self.only_open.isChecked()
        self.count.setText("Chargement…")

        def show(answer: tuple[list[UnsoldRow], int]) -> None:
            if token != self._token:
                return
            rows, total = answer
            self.model.set_rows(rows)
            shown = f" (les {len(rows)} plus récents)" if total > len(rows) else ""
            self.count.setText(f"{total} lead(s){shown}")

        self.context.operations.run(
            lambda: queries.rows(still_unsold=still_unsold), show, owner=self
        )

    def selected_leads(self) -> list[uuid.UUID]:
        rows = self.list.selectionModel().selectedRows()
        return [self.sorted.mapToSource(index).data(ID_ROLE) for index in rows]

    def place_selected(self) -> asyncio.Future[None] | None:
        leads = self.selected_leads()
        if not leads or self.redispatch is None:
            self.status.setText("Sélectionnez des leads à diffuser de nouveau.")
            return None
        self.place.setEnabled(False)
        self.status.setText(f"Diffusion de {len(leads)} lead(s) demandée au serveur…")
        return asyncio.ensure_future(self._place([str(x) for x in leads]))

    async def _place(self, lead_ids: list[str]) -> None:
        assert self.redispatch is not None
        try:
            answer = await self.redispatch(lead_ids)
        except Exception as exc:  # network or server: said to the user, nothing changed
            self.status.setText(f"Le serveur n'a pas pu diffuser : {exc}")
        else:
            placed = answer.get("placed", [])
            sold = sum(1 for p in placed if p["sold_to"])
            self.status.setText(
                f"{sold} lead(s) vendu(s), {len(placed) - sold} toujours invendu(s). "
                "La liste se met à jour à la prochaine synchronisation."
            )
        finally:
            self.place.setEnabled(True)
