"""The provider list: filters, saved searches, and a table model over the filtered rows.

Providers can be thousands: the model holds the pages read so far and asks for the next one
(`canFetchMore`/`fetchMore`) as the view scrolls; sorting a column reads the first page again
in that order (the database sorts, so a sorted list is right even before its last page).
Every read runs on a worker thread (`context.operations`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING, Any

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
from app.services.providers.provider_queries import ProviderFilter, ProviderRow
from ui.core import formatting
from ui.core.changes import Changes
from ui.core.item_views import on_row_activated
from ui.core.operations import Debouncer

if TYPE_CHECKING:
    from ui.core.context import AppContext

PROVIDER_ID = Qt.ItemDataRole.UserRole
PAGE = 200
Index = QModelIndex | QPersistentModelIndex
SavedSearches = list[tuple[uuid.UUID, str, ProviderFilter]]


class Column(IntEnum):
    NAME = 0
    CITY = 1
    DEPARTEMENT = 2
    STAGE = 3
    PHONE = 4
    SIREN = 5
    OWNER = 6
    SOURCE = 7
    LAST_CONTACT = 8


HEADERS = {
    Column.NAME: "Raison sociale",
    Column.CITY: "Ville",
    Column.DEPARTEMENT: "Dép.",
    Column.STAGE: "Étape",
    Column.PHONE: "Téléphone",
    Column.SIREN: "SIREN",
    Column.OWNER: "Commercial",
    Column.SOURCE: "Origine",
    Column.LAST_CONTACT: "Dernier contact",
}
# The ProviderRow field each column sorts by (ProviderQueries.SORT_KEYS).
SORT_FIELDS = {
    Column.NAME: "company_name",
    Column.CITY: "city",
    Column.DEPARTEMENT: "departement_code",
    Column.STAGE: "stage",
    Column.PHONE: "phone_e164",
    Column.SIREN: "siren",
    Column.OWNER: "owner_name",
    Column.SOURCE: "source",
    Column.LAST_CONTACT: "last_contact_at",
}
# Asks for `PAGE` rows from `offset` in the model's order; the model gets them via append.
PageRequest = Callable[[int], None]


def _cell(row: ProviderRow, column: Column) -> str:
    if column is Column.NAME:
        return row.company_name
    if column is Column.CITY:
        return f"{row.postcode} {row.city}"
    if column is Column.DEPARTEMENT:
        return row.departement_code
    if column is Column.STAGE:
        return STAGE_LABELS[row.stage]
    if column is Column.PHONE:
        return formatting.format_phone_national(row.phone_e164) if row.phone_e164 else ""
    if column is Column.SIREN:
        return row.siren or ""
    if column is Column.OWNER:
        return row.owner_name
    if column is Column.SOURCE:
        return SOURCE_LABELS.get(ProviderSource(row.source), row.source)
    return formatting.when(row.last_contact_at)


class ProviderTableModel(QAbstractTableModel):
    """The rows read so far of a list of `total` providers; asks for more as the view needs."""

    def __init__(self, request_page: PageRequest | None = None) -> None:
        super().__init__()
        self.rows: list[ProviderRow] = []
        self.total = 0
        self.sort_field = SORT_FIELDS[Column.NAME]
        self.descending = False
        self._request_page = request_page
        self._waiting = False  # a page was asked for and has not arrived
        self.on_sort: Callable[[], None] | None = None

    def set_rows(self, rows: list[ProviderRow], total: int | None = None) -> None:
        """The first page of a new list (a filter, a sort or a change read it)."""
        self.beginResetModel()
        self.rows = list(rows)
        self.total = len(rows) if total is None else max(total, len(rows))
        self._waiting = False
        self.endResetModel()

    def append_rows(self, offset: int, rows: list[ProviderRow]) -> None:
        """A following page; ignored when the list was read again meanwhile."""
        self._waiting = False
        if offset != len(self.rows) or not rows:
            if not rows:
                self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (
            not parent.isValid()
            and self._request_page is not None
            and not self._waiting
            and len(self.rows) < self.total
        )

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self._request_page is not None:
            self._waiting = True
            self._request_page(len(self.rows))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(Column)
        ):
            return HEADERS[Column(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == PROVIDER_ID:
            return row.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return _cell(row, Column(index.column()))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The database sorts: the list is read again from its first page in that order."""
        if not 0 <= column < len(Column):
            return
        field = SORT_FIELDS[Column(column)]
        descending = order == Qt.SortOrder.DescendingOrder
        if (field, descending) == (self.sort_field, self.descending):
            return
        self.sort_field, self.descending = field, descending
        if self.on_sort is not None:
            self.on_sort()


class FilterBar(QWidget):
    """Text, stage, département, 'mine only', and the user's saved searches."""

    def __init__(
        self,
        context: AppContext,
        on_change: Callable[[], None],
        say: Callable[[str], None],
    ) -> None:
        super().__init__()
        self.context = context
        self.queries = context.provider_queries
        self.user_id = context.user.id
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
        self.saved.addItem("Recherches enregistrées…", None)
        save = QPushButton("Enregistrer la recherche…")
        save.clicked.connect(lambda: self.save_current())
        for widget in (self.text, self.stage, self.departement, self.mine, self.saved, save):
            row.addWidget(widget)
        row.setStretch(0, 1)
        # Typing waits for a pause before the list is read again; Entrée reads at once.
        self.typing = Debouncer(on_change, 250, self)
        self.text.textChanged.connect(self.typing.poke)
        self.departement.textChanged.connect(self.typing.poke)
        self.text.returnPressed.connect(self.typing.flush)
        self.departement.returnPressed.connect(self.typing.flush)
        self.stage.currentIndexChanged.connect(lambda _i: on_change())
        self.mine.toggled.connect(lambda _c: on_change())
        self.saved.activated.connect(self._apply_saved)

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
        """Read the user's saved searches in the background, then show them."""
        user_id = self.user_id
        self.context.operations.run(
            lambda: self.queries.saved_searches(user_id), self.show_saved, owner=self
        )

    def show_saved(self, saved: SavedSearches) -> None:
        """Refilled only when the searches changed, so a refresh leaves an open list alone."""
        searches = [(name, criteria) for _id, name, criteria in saved]
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
        user_id, criteria, chosen = self.user_id, self.criteria(), name

        def save() -> uuid.UUID | FieldErrors:
            try:
                return self.queries.save_search(user_id, chosen, criteria)
            except FieldErrors as error:
                return error

        def saved(result: uuid.UUID | FieldErrors) -> None:
            if isinstance(result, FieldErrors):
                self._say(next(iter(result.errors.values())))
            else:
                self._say(f"Recherche « {chosen.strip()} » enregistrée.")

        self.context.operations.run(
            save,
            saved,
            owner=self,
            changes=lambda result: (
                Changes()
                if isinstance(result, FieldErrors)
                else Changes.of("saved_searches", result)
            ),
        )


class ProviderList(QWidget):
    """The filtered providers, read page by page; `load` reads the first page again."""

    def __init__(
        self,
        context: AppContext,
        filters: FilterBar,
        on_open: Callable[[uuid.UUID], None],
        on_count: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.context = context
        self.queries = context.provider_queries
        self.filters = filters
        self._on_count = on_count
        self._criteria = ProviderFilter()
        self._generation = 0  # a page read for an older list is dropped
        self.model = ProviderTableModel(self._read_page)
        self.table = QTableView()
        self.table.setObjectName("providers")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        self.table.setColumnWidth(Column.NAME, 230)
        self.table.setColumnWidth(Column.CITY, 200)
        header.setSortIndicator(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        context.remembered.keep_header(header, "pipeline/providers")
        # From here a click on a header reads the list again in that order.
        self.model.on_sort = self.load
        on_row_activated(self.table, PROVIDER_ID, on_open)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table)

    def load(self, criteria: ProviderFilter | None = None) -> None:
        """Read the count and the first page (of the filter's list, in the model's order)."""
        if criteria is not None:
            self._criteria = criteria
        self._generation += 1
        generation, criteria = self._generation, self._criteria
        field, descending = self.model.sort_field, self.model.descending

        def read() -> tuple[list[ProviderRow], int]:
            rows = self.queries.rows(criteria, PAGE, 0, field, descending)
            total = len(rows) if len(rows) < PAGE else self.queries.count(criteria)
            return rows, total

        def show(result: tuple[list[ProviderRow], int]) -> None:
            if generation != self._generation:
                return
            rows, total = result
            self.model.set_rows(rows, total)
            if self._on_count is not None:
                self._on_count(total)

        self.context.operations.run(read, show, owner=self)

    def _read_page(self, offset: int) -> None:
        generation, criteria = self._generation, self._criteria
        field, descending = self.model.sort_field, self.model.descending

        def show(rows: list[ProviderRow]) -> None:
            if generation == self._generation:
                self.model.append_rows(offset, rows)

        self.context.operations.run(
            lambda: self.queries.rows(criteria, PAGE, offset, field, descending),
            show,
            owner=self,
        )

    def show_rows(self, rows: list[ProviderRow]) -> None:
        self.model.set_rows(rows)

    def selected_provider(self) -> uuid.UUID | None:
        index = self.table.currentIndex()
        return index.data(PROVIDER_ID) if index.isValid() else None
