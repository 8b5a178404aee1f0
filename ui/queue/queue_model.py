"""The queue as a lazily loaded table model: rows arrive a page at a time as the view scrolls."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.clock import Clock
from app.domain.enums import DISPOSITION_LABELS, LEAD_STATUS_LABELS, OPEN_STATUSES
from app.domain.postcodes import zone_for_departement
from app.services.leads.queue import QueueCursor, QueueReader, QueueRow, QueueView
from ui.core import formatting

ModelIndex = QModelIndex | QPersistentModelIndex

(
    COL_NUMBER,
    COL_AGE,
    COL_NAME,
    COL_PLACE,
    COL_CATEGORY,
    COL_BUDGET,
    COL_INTEREST,
    COL_ATTEMPTS,
    COL_CALL,
    COL_STATUS,
) = range(10)
HEADERS = (
    "N°",
    "Reçu",
    "Demandeur",
    "Lieu",
    "Catégorie",
    "Budget",
    "Intérêt",
    "Appels",
    "Appel possible",
    "Statut",
)
LEAD_ID_ROLE = Qt.ItemDataRole.UserRole + 1

_BLOCKED = QBrush(QColor("#9a9a9a"))
_CALLBACK_DUE = QBrush(QColor("#fff4d6"))
_CALLABLE = QBrush(QColor("#1b7f3b"))


class QueueTableModel(QAbstractTableModel):
    def __init__(self, reader: QueueReader, clock: Clock) -> None:
        super().__init__()
        self._reader = reader
        self._clock = clock
        self._rows: list[QueueRow] = []
        self._cursor: QueueCursor | None = None
        self._more = False
        self._view = QueueView.CALL_QUEUE
        self._search: str | None = None
        # The server's results for the search shown, for leads this workstation does not hold.
        self._server_rows: list[QueueRow] = []
        self.on_loaded: Callable[[], None] | None = None

    # -- loading --------------------------------------------------------------------------

    @property
    def view(self) -> QueueView:
        return self._view

    @property
    def search_text(self) -> str | None:
        return self._search

    def show_view(self, view: QueueView) -> None:
        self._view, self._search = view, None
        self.reload()

    def show_search(self, text: str) -> None:
        self._search, self._server_rows = text, []
        self.reload()

    def add_server_rows(self, rows: list[QueueRow]) -> int:
        """Merge the server's results into the search shown: the leads held here keep their
        local row (fresher for what this workstation changed). Returns how many were added."""
        self._server_rows = [r for r in rows if r.from_server]
        self.reload()
        return sum(1 for r in self._rows if r.from_server)

    def _merged_search(self, text: str) -> list[QueueRow]:
        local = self._reader.search(text)
        held = {r.lead_id for r in local}
        remote = [r for r in self._server_rows if r.lead_id not in held]
        return sorted(local + remote, key=lambda r: (r.submitted_at, r.lead_id), reverse=True)

    def reload(self) -> None:
        self.beginResetModel()
        if self._search is not None:
            self._rows, self._cursor, self._more = self._merged_search(self._search), None, False
        else:
            head = self._reader.due_callbacks() if self._view == QueueView.CALL_QUEUE else []
            page = self._reader.page(self._view)
            self._rows = head + page.rows
            self._cursor, self._more = page.next_cursor, page.next_cursor is not None
        self.endResetModel()
        if self.on_loaded:
            self.on_loaded()

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more:
            return
        page = self._reader.page(self._view, self._cursor)
        known = {r.lead_id for r in self._rows}
        fresh = [r for r in page.rows if r.lead_id not in known]
        self._cursor, self._more = page.next_cursor, page.next_cursor is not None
        if fresh:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self._rows.extend(fresh)
            self.endInsertRows()

    def first_callable(self, exclude: set[uuid.UUID], max_pages: int = 50) -> QueueRow | None:
        """The first loaded row that may be called now, loading more pages if needed."""
        checked = 0
        for _ in range(max_pages + 1):
            for row in self._rows[checked:]:
                if row.lead_id not in exclude and row.call is not None and row.call.allowed:
                    return row
            checked = len(self._rows)
            if not self.canFetchMore():
                return None
            self.fetchMore()
        return None

    # -- access ---------------------------------------------------------------------------

    def row_of(self, lead_id: uuid.UUID) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.lead_id == lead_id), None)

    def lead_at(self, row: int) -> QueueRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # -- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == LEAD_ID_ROLE:
            return row.lead_id
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == COL_CALL and row.call is not None and row.call.allowed:
                return _CALLABLE
            if row.call is not None and not row.call.allowed:
                return _BLOCKED
        due = row.callback_due_at
        if role == Qt.ItemDataRole.BackgroundRole and due is not None and due <= self._clock():
            return _CALLBACK_DUE
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            COL_BUDGET,
            COL_INTEREST,
            COL_ATTEMPTS,
            COL_NUMBER,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_CALL:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and row.from_server:
            tip = "Lead absent de ce poste, trouvé sur le serveur : consultation seule."
            if row.last_outcome is not None:
                tip += f"\nDernier appel : {DISPOSITION_LABELS[row.last_outcome]}."
            return tip
        return None

    def _display(self, row: QueueRow, column: int) -> str:
        now = self._clock()
        match column:
            case 0:
                return str(row.number)
            case 1:
                return formatting.age(row.submitted_at, now)
            case 2:
                return row.full_name
            case 3:
                return f"{row.postcode} {row.city}"
            case 4:
                return row.category_name
            case 5:
                return formatting.format_euros(row.budget_cents)
            case 6:
                return str(row.interest_score)
            case 7:
                return str(row.attempts)
            case 8:
                tz = zone_for_departement(row.departement_code).timezone
                due = row.callback_due_at
                if due is not None and due > now and row.status in OPEN_STATUSES:
                    note = formatting.zone_note(due, tz)
                    return f"Rappel {formatting.short_when(due, now)}{note}"
                return formatting.call_decision(row.call, now, tz)
            case 9:
                label = LEAD_STATUS_LABELS[row.status]
                if row.from_server:
                    return f"{label} (serveur)"
                if row.callback_due_at is not None and row.callback_due_at <= now:
                    return "Rappel à faire"
                return label
        return ""
