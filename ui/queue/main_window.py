"""The qualification expert's main window: the queue, the lead, and the keyboard actions."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QToolBar,
    QWidget,
)

from app.domain.enums import (
    DISPOSITION_LABELS,
    OPEN_STATUSES,
    ROLE_LABELS,
    Disposition,
    LeadStatus,
    Role,
)
from app.services.leads.lead_actions import CallbackRequest, CallNotAllowed, StartedCall
from app.services.leads.lead_detail import LeadDetail, lead_detail_from_json, load_lead_detail
from app.services.leads.queue import QueueRow, QueueView, row_from_search_result
from app.services.staff import workspace_staff
from sync.engine import NotSignedIn, ServerOutdatedError, ServerRefused
from ui.core import formatting
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.core.message_bar import message_bar
from ui.core.remembered import keep_window
from ui.queue.callback_dialog import CallbackDialog
from ui.queue.close_dialog import CloseDialog
from ui.queue.lead_panel import LeadPanel
from ui.queue.queue_model import QueueTableModel
from ui.queue.requalification_dialog import RequalificationDialog

if TYPE_CHECKING:
    from ui.billing.billing_window import BillingWindow

log = logging.getLogger(__name__)

VIEW_LABELS = {
    QueueView.CALL_QUEUE: "File d'appel",
    QueueView.CALLBACKS: "Rappels planifiés",
    QueueView.QUALIFIED: "Qualifiés à libérer",
}
OUTCOME_KEYS = {
    Disposition.QUALIFIED: "Ctrl+1",
    Disposition.NOT_INTERESTED: "Ctrl+2",
    Disposition.UNREACHABLE: "Ctrl+3",
    Disposition.WRONG_NUMBER: "Ctrl+4",
    Disposition.CALLBACK_REQUESTED: "Ctrl+5",
    Disposition.DUPLICATE: "Ctrl+6",
}
REFRESH_INTERVAL_MS = 60_000
SERVER_SEARCH_LIMIT = 50
OFFLINE_SEARCH = "Recherche limitée aux leads de ce poste (serveur injoignable)."


@dataclass(frozen=True)
class ServerLeads:
    """The server's lead look-ups (sync.engine.ServerApi's search_leads and lead_detail): a
    workstation holds the open leads only, the server every lead with its state."""

    search: Callable[[str, int], Awaitable[list[dict[str, Any]]]]
    detail: Callable[[str], Awaitable[dict[str, Any]]]


def _unreachable(exc: Exception) -> bool:
    return isinstance(exc, httpx.TransportError | OSError | TimeoutError)


def _limited_search(exc: Exception) -> str:
    """Why the search shows this workstation's leads only, in the user's words."""
    if _unreachable(exc):
        return OFFLINE_SEARCH
    if isinstance(exc, ServerRefused | NotSignedIn | ServerOutdatedError) and str(exc):
        return f"Recherche limitée aux leads de ce poste : {exc}"
    return "Recherche limitée aux leads de ce poste (le serveur n'a pas pu répondre)."


# What the queue and the lead panel show: a change to one of them refreshes the window.
WATCHED_TABLES = frozenset(
    {"leads", "call_attempts", "callbacks", "lead_status_changes", "oppositions", "journey_events"}
)
# What the lead actions write (announced with the lead's id).
CALL_TABLES = ("leads", "call_attempts", "callbacks", "lead_status_changes")
COLUMN_WIDTHS = (62, 52, 160, 150, 170, 80, 52, 52, 210, 120)


class MainWindow(QMainWindow):
    def __init__(
        self,
        context: AppContext,
        on_sign_out: Callable[[], None] | None = None,
        status_widgets: tuple[QWidget, ...] = (),
        open_sales: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.context = context
        server = context.server
        self.search_server = (
            ServerLeads(server.search_leads, server.lead_detail)
            if server.search_leads and server.lead_detail
            else None
        )
        # The server calls under way (kept referenced until they end).
        self.server_task: asyncio.Future[None] | None = None
        self.detail_task: asyncio.Future[None] | None = None
        # Why the search shown has the local results only (the server could not answer).
        self._search_note: dict[str, str] = {}
        self.workspace = context.workspace
        self.user = user = context.user
        self.clock = clock = context.clock
        self.dialer = context.dialer
        self.redispatch = server.redispatch
        self._open_sales = open_sales
        self.billing_window: BillingWindow | None = None
        self._on_sign_out = on_sign_out
        self.settings = context.settings
        clock_note = context.clock_note
        self.reader = context.queue
        self.lead_actions = context.lead_actions
        self.setWindowTitle(f"CRM Leads – Qualification – {user.display_name}")
        self.resize(1400, 860)

        self.model = QueueTableModel(self.reader, clock, context.operations)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)

        self.panel = LeadPanel(clock)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([900, 500])
        self.splitter = splitter
        self.setCentralWidget(splitter)
        context.remembered.keep_splitter(splitter, "queue/main")
        context.remembered.keep_header(header, "queue/table")
        keep_window(context.remembered, self, "queue/window")

        self._build_actions()
        self._build_toolbar()
        self.messages = message_bar(self)
        self._build_status_bar(clock_note)
        for widget in status_widgets:
            self.statusBar().addPermanentWidget(widget)
        self.model.on_loaded = self._on_loaded
        self.model.on_error = self.say

        self._selecting = False
        self._taken: uuid.UUID | None = None  # the lead last handed out by "next lead"
        self._skipped: set[uuid.UUID] = set()
        # The lead the user is on (selected, or handed out by F2), whose detail is shown or on
        # its way; a detail read for another lead arrives late and is dropped.
        self._wanted: uuid.UUID | None = None
        self._detail_reads = 0  # detail reads of the token below not yet answered
        self._detail_token = 0
        self._counts_token = 0
        self._writes = 0  # lead writes on their way
        self._picking = False  # "next lead" is reading the queue
        self._starting_call = False
        # Keyboard actions pressed while the screen catches up (F2 then F3 at once): run in
        # order once the write, the next lead or the detail they depend on has arrived.
        self._queued: list[Callable[[], None]] = []
        context.changes.watch(self, WATCHED_TABLES, self._on_changes)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._refresh_timer.start()
        self._update_action_state()  # no lead yet: nothing to call, close or qualify
        self.model.reload()
        self.table.setFocus()

    def _lead_changes(self, lead_id: uuid.UUID, *tables: str) -> Changes:
        changes = Changes()
        for table in tables or CALL_TABLES:
            changes = changes | Changes.of(table, lead_id if table == "leads" else None)
        return changes

    # -- construction ----------------------------------------------------------------------

    def _action(
        self, text: str, shortcut: str, slot: Callable[[], object], tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip or text} ({shortcut})")
        action.triggered.connect(lambda _checked=False: self._when_ready(slot))
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.act_next = self._action(
            "Lead suivant", "F2", self.next_lead, "Prendre le prochain lead appelable"
        )
        self.act_call = self._action(
            "Appeler", "F3", self.call_lead, "Composer le numéro et lancer le chrono"
        )
        self.act_callback = self._action(
            "Rappel…", "F4", self.schedule_callback, "Planifier un rappel"
        )
        self.act_requalify = self._action("Requalifier…", "F6", self.requalify)
        self.act_release = self._action(
            "Libérer", "F7", self.release, "Libérer pour diffusion aux prestataires"
        )
        self.act_close = self._action("Clôturer…", "F8", self.close_lead, "Clôturer avec un motif")
        self.act_opposition = self._action(
            "Opposition…",
            "Shift+F8",
            self.record_opposition,
            "Le consommateur refuse tout nouvel appel",
        )
        self.act_refresh = self._action("Actualiser", "F5", self.refresh_and_unskip)
        self.act_search = self._action("Rechercher", "Ctrl+F", self.focus_search)
        self.outcome_actions = {
            disposition: self._action(
                f"{DISPOSITION_LABELS[disposition]}",
                key,
                lambda d=disposition: self.log_outcome(d),
                f"Issue : {DISPOSITION_LABELS[disposition]}",
            )
            for disposition, key in OUTCOME_KEYS.items()
        }
        menu = self.menuBar()
        lead_menu = menu.addMenu("&Lead")
        for action in (
            self.act_next,
            self.act_call,
            self.act_callback,
            self.act_requalify,
            self.act_release,
            self.act_close,
            self.act_opposition,
        ):
            lead_menu.addAction(action)
        outcome_menu = menu.addMenu("&Issue d'appel")
        for action in self.outcome_actions.values():
            outcome_menu.addAction(action)
        view_menu = menu.addMenu("&Affichage")
        view_menu.addAction(self.act_refresh)
        view_menu.addAction(self.act_search)
        if self.user.role in (Role.MANAGER, Role.ADMIN):
            steering = menu.addMenu("&Pilotage")
            unsold = QAction("Leads invendus…", self)
            unsold.triggered.connect(self.show_unsold)
            steering.addAction(unsold)
            invoices = QAction("Facturation mensuelle…", self)
            invoices.triggered.connect(self.show_invoice_run)
            steering.addAction(invoices)
            collection = QAction("Factures et encaissements…", self)
            collection.setShortcut(QKeySequence("Ctrl+Shift+F"))
            collection.triggered.connect(self.show_billing)
            steering.addAction(collection)
            accounts = QAction("Comptes…", self)
            accounts.triggered.connect(self.show_accounts)
            steering.addAction(accounts)
            if self._open_sales is not None:
                sales = QAction("Prospection, contrats et contestations…", self)
                sales.setShortcut(QKeySequence("Ctrl+Shift+P"))
                sales.triggered.connect(self._open_sales)
                steering.addAction(sales)
        session_menu = menu.addMenu("&Session")
        sign_out = QAction("Se déconnecter", self)
        sign_out.triggered.connect(self.sign_out)
        session_menu.addAction(sign_out)
        quit_action = QAction("Quitter", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        session_menu.addAction(quit_action)

    # The windows below are imported when first opened: billing brings in the PDF, Factur-X
    # and SEPA libraries, which an expert's session never needs (start-up time and memory).

    def show_invoice_run(self) -> None:
        from ui.billing.invoice_run_dialog import InvoiceRunDialog

        InvoiceRunDialog(
            self.context.server.invoice_run, self.clock, self, remembered=self.context.remembered
        ).exec()

    def show_billing(self) -> BillingWindow:
        from ui.billing.billing_window import BillingCalls, BillingWindow

        if self.billing_window is None:
            server = self.context.server
            calls = BillingCalls(server.invoice_run, server.debit_run, server.credit_note)
            self.billing_window = BillingWindow(self.context, calls, self)
        self.billing_window.show()
        self.billing_window.raise_()
        return self.billing_window

    def show_accounts(self) -> None:
        from ui.admin.accounts_dialog import AccountCalls, AccountsDialog

        server = self.context.server
        account_calls = (
            AccountCalls(server.sign_in_locks, server.unlock_sign_in, server.set_account_active)
            if server.sign_in_locks and server.unlock_sign_in and server.set_account_active
            else None
        )
        dialog = AccountsDialog(
            workspace_staff(self.workspace.sessions),
            account_calls,
            self,
            operations=self.context.operations,
            remembered=self.context.remembered,
        )
        if account_calls is not None:
            dialog.refresh()  # the sign-in locks, from the server
        dialog.exec()

    def show_unsold(self) -> None:
        from ui.queue.unsold_dialog import UnsoldDialog

        UnsoldDialog(self.context, self.redispatch, self).exec()

    def _build_toolbar(self) -> None:
        bar = QToolBar("Actions")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        self.view_picker = QComboBox()
        for view, label in VIEW_LABELS.items():
            self.view_picker.addItem(label, view)
        self.view_picker.currentIndexChanged.connect(self._on_view_changed)
        bar.addWidget(self.view_picker)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Nom, téléphone, code postal ou n° de lead (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(300)
        self.search.returnPressed.connect(self.run_search)
        self.search.textChanged.connect(self._on_search_text)
        bar.addWidget(self.search)
        bar.addSeparator()
        for action in (self.act_next, self.act_call):
            bar.addAction(action)
        for action in (self.act_callback, self.act_requalify, self.act_release, self.act_close):
            bar.addAction(action)
        self.addToolBarBreak()
        outcomes = QToolBar("Issues d'appel")
        outcomes.setMovable(False)
        outcomes.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        outcomes.addWidget(QLabel("  Issue de l'appel : "))
        for action in self.outcome_actions.values():
            outcomes.addAction(action)
        self.addToolBar(outcomes)
        for action in bar.actions() + outcomes.actions():
            if action.shortcut().toString():
                action.setIconText(f"{action.text()} [{action.shortcut().toString()}]")

    def _build_status_bar(self, clock_note: str) -> None:
        status = self.statusBar()
        self.count_label = QLabel()
        status.addPermanentWidget(self.count_label)
        if clock_note:
            note = QLabel(clock_note)
            note.setStyleSheet("color: #8a5a00;")
            status.addPermanentWidget(note)
        status.addPermanentWidget(
            QLabel(f"{self.user.display_name} ({ROLE_LABELS[self.user.role]})")
        )

    # -- helpers ---------------------------------------------------------------------------

    def say(self, message: str, copy_text: str | None = None) -> None:
        """Show a message in full until the next one; "Copier" copies `copy_text` or it."""
        self.messages.show_message(message, copy_text)

    def refuse(self, message: str) -> None:
        QMessageBox.warning(self, "Action impossible", message)

    def current_lead(self) -> LeadDetail | None:
        detail = self.panel.detail
        if detail is None or detail.id != self._wanted:
            self.say("Sélectionnez d'abord un lead (F2 : lead suivant).")
            return None
        if self.panel.from_server:
            self.say("Lead consulté sur le serveur : absent de ce poste, il ne peut être traité.")
            return None
        return detail

    # -- the screen catching up with the keyboard -------------------------------------------

    def _busy(self) -> bool:
        return self._writes > 0 or self._picking or self._detail_reads > 0

    def _when_ready(self, action: Callable[[], object]) -> None:
        """Run a keyboard action now, or once the screen shows what it acts on."""
        if self._busy():
            self._queued.append(lambda: action() and None)
        else:
            action()

    def _drain(self) -> None:
        while self._queued and not self._busy():
            self._queued.pop(0)()
        self._update_action_state()

    def _write(
        self,
        work: Callable[[], object],
        on_done: Callable[[object], None],
        changes: Changes | Callable[[object], Changes],
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """A lead write on a worker thread; the actions pressed meanwhile wait for it."""
        self._writes += 1

        def done(result: object) -> None:
            self._writes -= 1
            on_done(result)
            self._drain()

        def failed(message: str) -> None:
            self._writes -= 1
            self._queued.clear()  # refused: the user reads why before anything else happens
            (on_error or self.refuse)(message)
            self._drain()

        self.context.operations.run(work, done, failed, owner=self, changes=changes)

    # -- reading ---------------------------------------------------------------------------

    def _on_loaded(self) -> None:
        """The model shows fresh rows: highlight the lead the user is on, count the view."""
        if self._wanted is not None:
            self._highlight(self._wanted)
        self._update_counts()

    def _update_counts(self) -> None:
        if self.model.search_text is not None:
            self.count_label.setText(f"{self.model.rowCount()} résultat(s)")
            return
        self._counts_token += 1
        token, view, reader = self._counts_token, self.model.view, self.reader

        def show(total: int) -> None:
            if token == self._counts_token and self.model.search_text is None:
                self.count_label.setText(f"{VIEW_LABELS[view]} : {total} lead(s)")

        self.context.operations.run(lambda: reader.count(view), show, owner=self)

    def show_lead(self, lead_id: uuid.UUID | None, read: LeadDetail | None = None) -> None:
        """Show the lead's fresh detail, read in the background (a late one is dropped), or
        `read` when it was just read on a worker (by "next lead")."""
        self._wanted = lead_id
        self._detail_token += 1
        token = self._detail_token
        if read is not None:
            self._detail_reads = 0
            self._show_detail(read)
            self._drain()
            return
        index = self.model.row_of(lead_id) if lead_id else None
        row = self.model.lead_at(index) if index is not None else None
        if row is not None and row.from_server:
            self._detail_reads = 0
            self.show_server_lead(row)
            self._drain()
            return
        if lead_id is None:
            self._detail_reads = 0
            self._show_detail(None)
            self._drain()
            return
        self._detail_reads = 1
        self._update_action_state()
        sessions, clock, rules = self.workspace.sessions, self.clock, self.settings.calling

        def show(detail: LeadDetail | None) -> None:
            if token != self._detail_token:
                return  # the user has moved on to another lead, or asked again
            self._detail_reads = 0
            self._show_detail(detail)
            self._drain()

        def failed(message: str) -> None:
            if token == self._detail_token:
                self._detail_reads = 0
                self.say(message)
                self._drain()

        self.context.operations.run(
            lambda: load_lead_detail(sessions, lead_id, clock, rules), show, failed, owner=self
        )

    def _show_detail(self, detail: LeadDetail | None) -> None:
        self.panel.show_detail(detail)
        running = [c for c in detail.running_calls if c.caller_id == self.user.id] if detail else []
        if running and self.panel.timer.started_at is None:
            # A call started here before a crash or a restart: it still needs its outcome.
            self.panel.timer.start(running[0].started_at)
        self._update_action_state()

    def show_server_lead(self, row: QueueRow) -> asyncio.Future[None] | None:
        """A lead found on the server only: its detail, read-only, once the server sent it."""
        shown = self.panel.detail
        if self.panel.from_server and shown is not None and shown.id == row.lead_id:
            self._update_action_state()
            return None
        self.panel.show_message(f"Lead n° {row.number} : lecture sur le serveur…")
        self._update_action_state()
        if self.search_server is None:
            return None
        self.detail_task = asyncio.ensure_future(self.load_server_detail(row.lead_id))
        return self.detail_task

    async def load_server_detail(self, lead_id: uuid.UUID) -> None:
        assert self.search_server is not None
        try:
            data = await self.search_server.detail(str(lead_id))
        except Exception as exc:  # network or server: said in the panel, nothing changed
            log.info("lead detail from the server failed: %s", exc)
            reason = "serveur injoignable" if _unreachable(exc) else str(exc) or "erreur du serveur"
            if self._still_selected(lead_id):
                self.panel.show_message(f"Détail indisponible ({reason}).")
            return
        if self._still_selected(lead_id):
            self.panel.show_detail(lead_detail_from_json(data), from_server=True)
            self._update_action_state()

    def _still_selected(self, lead_id: uuid.UUID) -> bool:
        """The user has not moved to another lead while the server answered."""
        return self._wanted == lead_id

    def _update_action_state(self) -> None:
        detail = None if self.panel.from_server else self.panel.detail
        lead_actions = [
            self.act_call,
            self.act_callback,
            self.act_requalify,
            self.act_close,
            self.act_release,
            self.act_opposition,
            *self.outcome_actions.values(),
        ]
        if self._busy():
            # The keys pressed now wait for the screen (and are checked when they run).
            for action in lead_actions:
                action.setEnabled(True)
            return
        open_lead = detail is not None and detail.status not in (
            LeadStatus.RELEASED,
            LeadStatus.CLOSED,
        )
        for action in lead_actions:
            action.setEnabled(open_lead)
        self.act_release.setEnabled(
            open_lead and detail is not None and detail.qualified_at is not None
        )
        self.act_opposition.setEnabled(detail is not None)

    def _highlight(self, lead_id: uuid.UUID) -> None:
        row = self.model.row_of(lead_id)
        self._selecting = True
        try:
            if row is None:
                self.table.clearSelection()
            else:
                index = self.model.index(row, 0)
                self.table.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(index)
        finally:
            self._selecting = False

    def select_lead(self, lead_id: uuid.UUID, read: LeadDetail | None = None) -> None:
        """Highlight the lead in the table if it is loaded, and show its fresh detail once."""
        self._highlight(lead_id)
        self.show_lead(lead_id, read)

    def _on_current_row(self, current, _previous) -> None:
        if self._selecting:
            return
        row = self.model.lead_at(current.row()) if current.isValid() else None
        if row is None or row.lead_id == self._wanted:
            return
        chosen = row.lead_id
        kept = self._wanted

        def stay() -> None:  # still on the call: the selection goes back to its lead
            if kept is not None:
                QTimer.singleShot(0, self, lambda: self._highlight(kept))

        self.settle_running_call(lambda: self.show_lead(chosen), stay)

    def _on_view_changed(self, _index: int) -> None:
        self.search.clear()
        self.model.show_view(QueueView(self.view_picker.currentData()))

    def _on_search_text(self, text: str) -> None:
        if not text.strip() and self.model.search_text is not None:
            self.model.show_view(self.model.view)

    def _on_changes(self, _changes: Changes) -> None:
        """A write (here, in another window, or a sync) touched what the window shows."""
        self.refresh()

    # -- actions ---------------------------------------------------------------------------

    def refresh_and_unskip(self) -> None:
        self._skipped.clear()
        self.refresh()

    def refresh(self) -> None:
        """Read the queue and the lead shown again (in the background)."""
        self.model.reload()
        if self._wanted is not None:
            self.show_lead(self._wanted)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def run_search(self) -> asyncio.Future[None] | None:
        """This workstation's leads (read in the background); with a server, its results for
        the leads not held here (closed, released, opposed...) join them when they come."""
        text = self.search.text().strip()
        if not text:
            self.model.show_view(self.model.view)
            return None
        self._search_note = {}
        self.model.show_search(text, lambda: self._searched(text))
        if self.search_server is None:
            return None
        self.server_task = asyncio.ensure_future(self.search_on_server(text))
        return self.server_task

    def _searched(self, text: str) -> None:
        """The search's rows are in the model: go to the first one, or say none matched."""
        note = self._search_note.get(text)
        if self.model.rowCount() > 0:
            self.table.setFocus()
            self.table.selectRow(0)
            if note:
                self.say(note)
        elif note:
            self.say(f"Aucun lead de ce poste ne correspond à « {text} ». {note}")
        elif self.server_task is not None and not self.server_task.done():
            self.say(f"Recherche de « {text} » sur le serveur…")
        else:
            self.say(f"Aucun lead ne correspond à « {text} ».")

    async def search_on_server(self, text: str) -> None:
        assert self.search_server is not None
        try:
            found = await self.search_server.search(text, SERVER_SEARCH_LIMIT)
        except Exception as exc:  # network or server: the local results stand, and say so
            log.info("server search failed: %s", exc)
            if self.model.search_text != text:
                return
            self._search_note = {text: _limited_search(exc)}
            if not self.model.loading:
                self._searched(text)  # else said when the local results are shown
            return
        if self.model.search_text != text:
            return  # another search, or the queue, is shown meanwhile
        current = self._wanted
        rows = [row_from_search_result(r) for r in found]
        self.model.add_server_rows(rows, lambda: self._server_results_shown(text, current))

    def _server_results_shown(self, text: str, current: uuid.UUID | None) -> None:
        if self.model.search_text != text:
            return
        if self.model.rowCount() == 0:
            self.say(f"Aucun lead ne correspond à « {text} ».")
            return
        if current is not None and self.model.row_of(current) is not None:
            self._highlight(current)
        else:
            self.table.setFocus()
            self.table.selectRow(0)
        added = self.model.server_row_count
        if added:
            self.say(f"{added} lead(s) absent(s) de ce poste trouvé(s) sur le serveur.")

    def next_lead(self) -> None:
        self.settle_running_call(self._take_next)

    def _take_next(self) -> None:
        if self.model.search_text is not None or self.model.view != QueueView.CALL_QUEUE:
            self.search.clear()
            self.view_picker.setCurrentIndex(self.view_picker.findData(QueueView.CALL_QUEUE))
        # F2 again on a lead taken with F2 and left without an outcome skips it, until F5.
        if self._taken is not None and self._wanted == self._taken:
            self._skipped.add(self._taken)
        self._picking = True
        self._update_action_state()
        sessions, clock, rules = self.workspace.sessions, self.clock, self.settings.calling
        self.model.find_callable(
            self._skipped,
            self._took,
            also=lambda row: load_lead_detail(sessions, row.lead_id, clock, rules),
        )

    def _took(self, row: QueueRow | None, detail: object) -> None:
        """The lead "next lead" found, with its detail read on the same worker."""
        self._picking = False
        self._taken = row.lead_id if row else None
        if row is None:
            self.say(
                "Aucun lead ne peut être appelé maintenant : la colonne « Appel possible » "
                "indique quand chacun le pourra."
            )
            self._drain()
            return
        self.select_lead(row.lead_id, detail if isinstance(detail, LeadDetail) else None)
        self.table.setFocus()
        self._drain()

    def call_lead(self) -> None:
        detail = self.current_lead()
        if detail is None or self._starting_call:
            return
        self._starting_call = True
        actions = self.lead_actions

        def start() -> StartedCall | CallNotAllowed:
            try:
                return actions.start_call(detail.id)
            except CallNotAllowed as refused:  # its decision says when the law allows it
                return refused

        def started(result: object) -> None:
            self._starting_call = False
            if isinstance(result, CallNotAllowed):
                decision = result.decision
                tz = detail.zone.timezone
                later = (
                    "\nProchain créneau autorisé : "
                    f"{formatting.when_in_both_zones(decision.next_allowed_at, tz)}."
                    if decision.next_allowed_at
                    else "\nCe consommateur ne peut pas être appelé."
                )
                self.refuse(f"{result.message}{later}")
                return
            assert isinstance(result, StartedCall)
            self._dial(detail, result)

        def refused(message: str) -> None:
            self._starting_call = False
            self.refuse(message)

        self._write(
            start,
            started,
            lambda result: (
                Changes()
                if isinstance(result, CallNotAllowed)
                else self._lead_changes(detail.id, "leads", "call_attempts")
            ),
            refused,
        )

    def _dial(self, detail: LeadDetail, started: StartedCall) -> None:
        number = formatting.format_phone_national(detail.phone_e164)
        dialed = self.dialer(f"tel:{detail.phone_e164}")
        self.panel.timer.start(started.started_at)
        self.panel.notes.setFocus()
        if dialed:
            self.say(f"Appel du {number} en cours…", number)
        else:
            self.say(
                f"Aucun logiciel de téléphonie n'ouvre les liens « tel: » ; composez le {number}.",
                number,
            )
        self._update_action_state()

    def settle_running_call(
        self, then: Callable[[], None], stay: Callable[[], None] | None = None
    ) -> None:
        """Before leaving a lead whose call runs: ask its outcome, then go on with `then`.

        The attempt was recorded when the call started; leaving must not leave it without an
        outcome, so F2, F8, another lead and closing the window all come through here. When
        the user stays on the call (Annuler, or the outcome refused), `stay` runs instead.
        """
        detail = self.panel.detail
        if detail is None or self.panel.timer.started_at is None:
            then()
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Appel en cours")
        box.setText(
            f"Un appel au {formatting.format_phone_national(detail.phone_e164)} "
            f"(lead n° {detail.number}) est en cours. Quelle en est l'issue ?"
        )
        box.setInformativeText("Annuler : rester sur ce lead.")
        buttons = {}
        for disposition in OUTCOME_KEYS:
            label = DISPOSITION_LABELS[disposition]
            if disposition in (Disposition.QUALIFIED, Disposition.CALLBACK_REQUESTED):
                label += "…"
            buttons[box.addButton(label, QMessageBox.ButtonRole.ActionRole)] = disposition
        cancel = box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.exec()
        disposition = buttons.get(box.clickedButton())
        if disposition is None:
            if stay is not None:
                stay()
            return
        self.log_outcome(disposition, then, stay)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.panel.detail is not None and self.panel.timer.started_at is not None:
            event.ignore()  # closed again once the call has its outcome
            self.settle_running_call(self.close)
            return
        for task in (self.server_task, self.detail_task):
            if task is not None and not task.done():
                task.cancel()  # its answer would land on a closed window
        super().closeEvent(event)

    def log_outcome(
        self,
        disposition: Disposition,
        then: Callable[[], None] | None = None,
        stay: Callable[[], None] | None = None,
    ) -> None:
        """Record the outcome of the current call, then `then`; `stay` when not recorded."""
        detail = self.current_lead()
        if detail is None:
            if stay is not None:
                stay()
            return
        needs_requalification = disposition == Disposition.QUALIFIED and detail.qualified_at is None
        if needs_requalification and not self.requalify():
            if stay is not None:
                stay()
            return
        started_at = self.panel.timer.started_at or self.clock()
        seconds = self.panel.timer.elapsed()
        notes = self.panel.notes.toPlainText()
        actions, lead_id = self.lead_actions, detail.id
        changes = self._lead_changes(lead_id)

        def save(callback: CallbackRequest | None = None) -> None:
            actions.log_call(lead_id, disposition, started_at, seconds, notes, callback)

        def recorded(_result: object = None) -> None:
            self.panel.timer.stop()
            self.panel.notes.clear()
            self._taken = None
            self.say(f"Issue enregistrée : {DISPOSITION_LABELS[disposition]}. F2 : lead suivant.")
            if then is not None:
                then()

        def refused(message: str) -> None:
            self.refuse(message)
            if stay is not None:
                stay()

        if disposition == Disposition.CALLBACK_REQUESTED:
            dialog = CallbackDialog(
                detail.zone,
                self.clock(),
                save,
                consumer_requested=True,
                parent=self,
                operations=self.context.operations,
                changes=changes,
            )
            if dialog.exec() != CallbackDialog.DialogCode.Accepted:
                if stay is not None:
                    stay()
                return
            recorded()
        else:
            self._write(save, recorded, changes, refused)

    def schedule_callback(self) -> None:
        detail = self.current_lead()
        if detail is None:
            return
        actions, lead_id = self.lead_actions, detail.id

        def save(request: CallbackRequest) -> None:
            actions.schedule_callback(lead_id, request)

        dialog = CallbackDialog(
            detail.zone,
            self.clock(),
            save,
            consumer_requested=False,
            parent=self,
            operations=self.context.operations,
            changes=self._lead_changes(lead_id, "leads", "callbacks"),
        )
        if dialog.exec() == CallbackDialog.DialogCode.Accepted:
            self.say("Rappel planifié.")

    def requalify(self) -> bool:
        detail = self.current_lead()
        if detail is None:
            return False
        actions, lead_id = self.lead_actions, detail.id
        dialog = RequalificationDialog(
            detail,
            lambda form: actions.requalify(lead_id, form),
            self,
            operations=self.context.operations,
            changes=self._lead_changes(lead_id, "leads"),
        )
        if dialog.exec() != RequalificationDialog.DialogCode.Accepted:
            return False
        self.say("Requalification enregistrée.")
        return True

    def release(self) -> None:
        detail = self.current_lead()
        if detail is None:
            return
        actions, lead_id, number = self.lead_actions, detail.id, detail.number
        self._write(
            lambda: actions.release(lead_id),
            lambda _result: self.say(f"Lead n° {number} libéré pour diffusion."),
            self._lead_changes(lead_id),
        )

    def close_lead(self) -> None:
        self.settle_running_call(self._close_lead_now)

    def _close_lead_now(self) -> None:
        detail = self.current_lead()
        if detail is None or detail.status not in OPEN_STATUSES:
            return
        actions, lead_id = self.lead_actions, detail.id
        dialog = CloseDialog(
            lambda reason, comment: actions.close(lead_id, reason, comment),
            self,
            operations=self.context.operations,
            changes=self._lead_changes(lead_id, "leads", "callbacks", "lead_status_changes"),
        )
        if dialog.exec() == CloseDialog.DialogCode.Accepted:
            self.say(f"Lead n° {detail.number} clos.")

    def record_opposition(self) -> None:
        detail = self.current_lead()
        if detail is None:
            return
        # Irreversible: Entrée and Échap both answer "Non"; only a deliberate "Oui" records it.
        answer = QMessageBox.question(
            self,
            "Opposition aux appels",
            f"{formatting.format_phone_national(detail.phone_e164)} ne sera plus jamais appelé "
            "par aucune file, et le lead sera clos. Confirmer ?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        actions, lead_id, note = self.lead_actions, detail.id, self.panel.notes.toPlainText()

        def recorded(_result: object) -> None:
            # A call in progress ended there, as a refusal (recorded with the opposition).
            self.panel.timer.stop()
            self.panel.notes.clear()
            self.say("Opposition enregistrée.")

        self._write(
            lambda: actions.record_opposition(lead_id, note),
            recorded,
            self._lead_changes(lead_id, *CALL_TABLES, "oppositions"),
        )

    def sign_out(self) -> None:
        """Close the window (asking the outcome of a running call first), then sign out."""

        def leave() -> None:
            if not self.close():  # closing refused: nothing more to do here
                return
            self._refresh_timer.stop()
            if self._on_sign_out is not None:
                self._on_sign_out()

        self.settle_running_call(leave)
