"""The provider list: filters, saved searches, and a table model over the filtered rows."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import FieldErrors
from app.domain.providers import SOURCE_LABELS, STAGE_LABELS, ProviderSource, ProviderStage
from app.services.providers.provider_queries import ProviderFilter, ProviderQueries, ProviderRow
from ui.core import formatting
from ui.core.item_views import on_row_activated

PROVIDER_ID = Qt.ItemDataRole.UserRole
HEADERS = ("Raison sociale", "Ville", "Dép.", "Étape", "Téléphone", "SIREN", "Commercial",
           "Origine", "Dernier contact")  # fmt: skip
Index = QModelIndex | QPersistentModelIndex


class ProviderTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ProviderRow] = []

    def set_rows(self, rows: list[ProviderRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == PROVIDER_ID:
            return row.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        phone = formatting.format_phone_national(row.phone_e164) if row.phone_e164 else ""
        source = SOURCE_LABELS.get(ProviderSource(row.source), row.source)
        values = (row.company_name, f"{row.postcode} {row.city}", row.departement_code,
                  STAGE_LABELS[row.stage], phone, row.siren or "", row.owner_name, source,
                  formatting.when(row.last_contact_at))  # fmt: skip
        return values[index.column()]


class FilterBar(QWidget):
    """Text, stage, département, 'mine only', and the user's saved searches."""

    def __init__(
        self,
        queries: ProviderQueries,
        user_id: uuid.UUID,
        on_change: Callable[[], None],
        say: Callable[[str], None],
    ) -> None:
        super().__init__()
        self.queries = queries
        self.user_id = user_id
        self._on_change = on_change
        self._say = say
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.text = QLineEdit()
        self.text.setPlaceholderText("Nom, SIREN, ville ou code postal…")
        self.text.setClearButtonEnabled(True)
        self.stage = QComboBox()
        self.stage.addItem("Toutes les étapes", None)
        for stage in ProviderStage:
            self.stage.addItem(STAGE_LABELS[stage], stage.value)
        self.departement = QLineEdit()
        self.departement.setPlaceholderText("Dép.")
        self.departement.setMaximumWidth(60)
        self.mine = QCheckBox("Mes prestataires")
        self.mine.setChecked(True)
        self.saved = QComboBox()
        self.saved.setMinimumWidth(180)
        save = QPushButton("Enregistrer la recherche…")
        save.clicked.connect(self.save_current)
        for widget in (self.text, self.stage, self.departement, self.mine, self.saved, save):
            row.addWidget(widget)
        row.setStretch(0, 1)
        self.text.textChanged.connect(lambda _t: on_change())
        self.departement.textChanged.connect(lambda _t: on_change())
        self.stage.currentIndexChanged.connect(lambda _i: on_change())
        self.mine.toggled.connect(lambda _c: on_change())
        self.saved.activated.connect(self._apply_saved)
        self.reload_saved()

    def criteria(self) -> ProviderFilter:
        stage = self.stage.currentData()
        return ProviderFilter(
            text=self.text.text(),
            stages=(stage,) if stage else (),
            owner_id=str(self.user_id) if self.mine.isChecked() else None,
            departement=self.departement.text().strip().upper(),
        )

    def set_criteria(self, criteria: ProviderFilter) -> None:
        for widget in (self.text, self.departement, self.stage, self.mine):
            widget.blockSignals(True)
        self.text.setText(criteria.text)
        self.departement.setText(criteria.departement)
        index = self.stage.findData(criteria.stages[0]) if criteria.stages else 0
        self.stage.setCurrentIndex(max(index, 0))
        self.mine.setChecked(criteria.owner_id is not None)
        for widget in (self.text, self.departement, self.stage, self.mine):
            widget.blockSignals(False)
        self._on_change()

    def reload_saved(self) -> None:
        """Refilled only when the searches changed, so a refresh leaves an open list alone."""
        searches = [
            (name, criteria) for _id, name, criteria in self.queries.saved_searches(self.user_id)
        ]
        shown = [
            (self.saved.itemText(i), self.saved.itemData(i)) for i in range(1, self.saved.count())
        ]
        if self.saved.count() and searches == shown:
            return
        self.saved.clear()
        self.saved.addItem("Recherches enregistrées…", None)
        for name, criteria in searches:
            self.saved.addItem(name, criteria)

    def _apply_saved(self, index: int) -> None:
        criteria = self.saved.itemData(index)
        if criteria is not None:
            self.set_criteria(criteria)

    def save_current(self, name: str | None = None) -> None:
        if not name:
            name, ok = QInputDialog.getText(self, "Enregistrer la recherche", "Nom :")
            if not ok:
                return
        try:
            self.queries.save_search(self.user_id, name, self.criteria())
        except FieldErrors as error:
            self._say(next(iter(error.errors.values())))
            return
        self.reload_saved()
        self._say(f"Recherche « {name.strip()} » enregistrée.")


class ProviderList(QWidget):
    def __init__(
        self,
        queries: ProviderQueries,
        filters: FilterBar,
        on_open: Callable[[uuid.UUID], None],
    ) -> None:
        super().__init__()
        self.queries = queries
        self.filters = filters
        self.model = ProviderTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 230)
        self.table.setColumnWidth(1, 200)
        on_row_activated(self.table, PROVIDER_ID, on_open)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table)

    def show_rows(self, rows: list[ProviderRow]) -> None:
        self.model.set_rows(rows)

    def selected_provider(self) -> uuid.UUID | None:
        index = self.table.currentIndex()
        return index.data(PROVIDER_ID) if index.isValid() else None
