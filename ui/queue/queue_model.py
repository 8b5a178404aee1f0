"""The queue as a lazily loaded table model: rows arrive a page at a time as the view scrolls,
read on worker threads."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.clock import Clock
from app.domain.enums import DISPOSITION_LABELS, LEAD_STATUS_LABELS, OPEN_STATUSES
from app.domain.postcodes import zone_for_departement
from app.services.leads.queue import QueueCursor, QueuePage, QueueReader, QueueRow, QueueView
from ui.core import formatting
from ui.core.operations import Operations

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


@dataclass(frozen=True)
class _Loaded:
    """What one reload read on a worker thread: the rows, where paging goes on, the lead asked."""

    rows: list[QueueRow]
    cursor: QueueCursor | None
    callable_row: QueueRow | None = None
    # What `find_callable`'s `also` read for that lead on the same worker (its detail).
    also: object = None


# A lead found by "next lead", and what was read for it beside (see `find_callable`).
Found = Callable[[QueueRow | None, object], None]


class QueueTableModel(QAbstractTableModel):
    """The queue's rows; every read runs on a worker thread of `operations`.

    Each reload has a generation number: the answer of an older reload (or of a page asked
    before it) arrives late and is dropped, so the rows shown always come from the latest
    reload and the pages that followed it. While a read runs, the model keeps the rows it has.
    """

    def __init__(self, reader: QueueReader, clock: Clock, operations: Operations) -> None:
        super().__init__()
        self._reader = reader
        self._clock = clock
        self._operations = operations
        self._rows: list[QueueRow] = []
        self._cursor: QueueCursor | None = None
        self._more = False
        self._view = QueueView.CALL_QUEUE
        self._search: str | None = None
        # The server's results for the search shown, for leads this workstation does not hold.
        self._server_rows: list[QueueRow] = []
        self._generation = 0
        self._loaded_generation = 0
        self._fetching = False
        # The "next lead" asked: (leads to pass over, what to do with the one found, what to
        # read for it on the worker).
        self._wanted: tuple[frozenset[uuid.UUID], Found, Callable[[QueueRow], object]] | None = None
        # The cells' texts by row, formatted once per minute of the clock (a repaint asks
        # each cell several times; formatting money and dates is the slow part of a paint).
        self._texts: dict[int, tuple[str, ...]] = {}
        self._texts_minute: datetime | None = None
        self.on_loaded: Callable[[], None] | None = None
        self.on_error: Callable[[str], None] | None = None

    # -- loading --------------------------------------------------------------------------

    @property
    def view(self) -> QueueView:
        return self._view

    @property
    def search_text(self) -> str | None:
        return self._search

    @property
    def loading(self) -> bool:
        """A reload or a page is being read."""
        return self._loaded_generation != self._generation or self._fetching

    def show_view(self, view: QueueView) -> None:
        self._view, self._search = view, None
        self.reload()

    def show_search(self, text: str, on_loaded: Callable[[], None] | None = None) -> None:
        self._search, self._server_rows = text, []
        self.reload(on_loaded)

    def add_server_rows(
        self, rows: list[QueueRow], on_loaded: Callable[[], None] | None = None
    ) -> None:
        """Merge the server's results into the search shown: the leads held here keep their
        local row (fresher for what this workstation changed)."""
        self._server_rows = [r for r in rows if r.from_server]
        self.reload(on_loaded)

    @property
    def server_row_count(self) -> int:
        return sum(1 for r in self._rows if r.from_server)

    def find_callable(
        self,
        exclude: set[uuid.UUID],
        found: Found,
        also: Callable[[QueueRow], object] = lambda _row: None,
    ) -> None:
        """Reload the call queue and hand `found` its first lead that may be called now, with
        what `also` read for that lead on the same worker (the window reads its detail there:
        one round trip to the worker, one repaint).

        The pages read until that lead is found stay in the model (one read, as the view
        would have paged). A reload started meanwhile takes the request over.
        """
        self._wanted = (frozenset(exclude), found, also)
        self.reload()

    def reload(self, on_loaded: Callable[[], None] | None = None) -> None:
        """Read the first page again in the background; `on_loaded` once it is shown."""
        self._generation += 1
        generation = self._generation
        view, search, reader = self._view, self._search, self._reader
        server_rows = list(self._server_rows)
        wanted = self._wanted if search is None and view == QueueView.CALL_QUEUE else None

        def read() -> _Loaded:
            if search is not None:
                return _Loaded(_merged_search(reader.search(search), server_rows), None)
            head = reader.due_callbacks() if view == QueueView.CALL_QUEUE else []
            page = reader.page(view)
            rows, cursor = head + page.rows, page.next_cursor
            if wanted is None:
                return _Loaded(rows, cursor)
            loaded = _first_callable(reader, view, rows, cursor, wanted[0])
            if loaded.callable_row is None:
                return loaded
            return dataclasses.replace(loaded, also=wanted[2](loaded.callable_row))

        def show(loaded: _Loaded) -> None:
            if generation != self._generation:
                return  # a newer reload is on its way
            self._show_rows(loaded.rows)
            self._cursor, self._more = loaded.cursor, loaded.cursor is not None
            self._loaded_generation = generation
            self._fetching = False
            if self.on_loaded:
                self.on_loaded()
            if on_loaded is not None:
                on_loaded()
            if wanted is not None and self._wanted is wanted:
                self._wanted = None
                wanted[1](loaded.callable_row, loaded.also)

        def failed(message: str) -> None:
            if generation == self._generation:
                self._loaded_generation = generation
                if wanted is not None and self._wanted is wanted:
                    self._wanted = None
                    wanted[1](None, None)
            if self.on_error is not None:
                self.on_error(message)

        self._operations.run(read, show, failed, owner=self)

    def _show_rows(self, rows: list[QueueRow]) -> None:
        """The rows of a reload. The same leads in the same order (a refresh after a change,
        "next lead") update the rows that differ in place: the view keeps its scroll and
        selection and repaints those rows only. Other rows reset the model."""
        old = self._rows
        if not old or [r.lead_id for r in old] != [r.lead_id for r in rows]:
            self.beginResetModel()
            self._rows, self._texts = rows, {}
            self.endResetModel()
            return
        self._rows = rows
        changed = [
            i for i, (before, after) in enumerate(zip(old, rows, strict=True)) if before != after
        ]
        for i in changed:
            self._texts.pop(i, None)
        last_column = len(HEADERS) - 1
        for first, last in _spans(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column))

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self.loading

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self.canFetchMore():
            return
        self._fetching = True
        generation, view, cursor, reader = self._generation, self._view, self._cursor, self._reader

        def append(page: QueuePage) -> None:
            if generation != self._generation:
                return  # the model was reloaded meanwhile: this page belongs to the old rows
            self._fetching = False
            known = {r.lead_id for r in self._rows}
            fresh = [r for r in page.rows if r.lead_id not in known]
            self._cursor, self._more = page.next_cursor, page.next_cursor is not None
            if fresh:
                start = len(self._rows)
                self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
                self._rows.extend(fresh)
                self.endInsertRows()

        def failed(message: str) -> None:
            if generation == self._generation:
                self._fetching = False
            if self.on_error is not None:
                self.on_error(message)

        self._operations.run(lambda: reader.page(view, cursor), append, failed, owner=self)

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
            return self._texts_of(index.row(), row)[column]
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
            return self._texts_of(index.row(), row)[column]
        if role == Qt.ItemDataRole.ToolTipRole and row.from_server:
            tip = "Lead absent de ce poste, trouvé sur le serveur : consultation seule."
            if row.last_outcome is not None:
                tip += f"\nDernier appel : {DISPOSITION_LABELS[row.last_outcome]}."
            return tip
        return None

    def _texts_of(self, position: int, row: QueueRow) -> tuple[str, ...]:
        now = self._clock()
        minute = now.replace(second=0, microsecond=0)
        if minute != self._texts_minute:
            self._texts, self._texts_minute = {}, minute
        texts = self._texts.get(position)
        if texts is None:
            texts = tuple(self._display(row, column, now) for column in range(len(HEADERS)))
            self._texts[position] = texts
        return texts

    def _display(self, row: QueueRow, column: int, now: datetime) -> str:
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


def _spans(positions: list[int]) -> list[tuple[int, int]]:
    """Sorted positions as runs of consecutive ones: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    spans: list[tuple[int, int]] = []
    for position in positions:
        if spans and spans[-1][1] == position - 1:
            spans[-1] = (spans[-1][0], position)
        else:
            spans.append((position, position))
    return spans


def _first_callable(
    reader: QueueReader,
    view: QueueView,
    rows: list[QueueRow],
    cursor: QueueCursor | None,
    exclude: frozenset[uuid.UUID],
    max_pages: int = 50,
) -> _Loaded:
    """On the worker: page on from `rows` until a lead may be called now (or none is left)."""
    rows = list(rows)
    checked = 0
    for _ in range(max_pages + 1):
        for row in rows[checked:]:
            if row.lead_id not in exclude and row.call is not None and row.call.allowed:
                return _Loaded(rows, cursor, row)
        checked = len(rows)
        if cursor is None:
            break
        page = reader.page(view, cursor)
        known = {r.lead_id for r in rows}
        rows.extend(r for r in page.rows if r.lead_id not in known)
        cursor = page.next_cursor
    return _Loaded(rows, cursor)


def _merged_search(local: list[QueueRow], server_rows: list[QueueRow]) -> list[QueueRow]:
    """Local results and the server's for leads not held here, freshest first."""
    held = {r.lead_id for r in local}
    remote = [r for r in server_rows if r.lead_id not in held]
    return sorted(local + remote, key=lambda r: (r.submitted_at, r.lead_id), reverse=True)
