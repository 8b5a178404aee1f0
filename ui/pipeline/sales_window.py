"""The sales rep's main window: pipeline board, provider list, my day, import, simulation."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import ROLE_LABELS
from app.domain.errors import ActionRefused
from app.domain.providers import (
    ACTIVITY_LABELS,
    CALL_OUTCOME_LABELS,
    LOST_REASON_LABELS,
    STAGE_LABELS,
    ActivityKind,
    CallOutcome,
    ProviderStage,
)
from app.services.providers.provider_activities import DayItem
from app.services.providers.provider_queries import (
    CategoryChoice,
    ProviderFile,
    category_catalogue,
)
from ui.billing.billing_window import BillingCalls, BillingWindow
from ui.billing.provider_payments import ProviderPayments
from ui.contracts.contract_editor import ContractEditor
from ui.contracts.contracts_overview import ContractsOverview
from ui.contracts.coverage_editor import Catalogue
from ui.contracts.simulation_dialog import DemandSource, SimulationDialog, local_demand_source
from ui.core import formatting
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.core.item_views import on_row_activated
from ui.core.remembered import keep_window
from ui.pipeline.background import LatestRead, refusable
from ui.pipeline.import_dialog import ImportDialog
from ui.pipeline.my_day import PROVIDER_ID, DayColumn, DayModel
from ui.pipeline.pipeline_board import PipelineBoard
from ui.pipeline.provider_account import ProviderAccount
from ui.pipeline.provider_dialog import ProviderDialog
from ui.pipeline.provider_list import FilterBar, ProviderList, SavedSearches

log = logging.getLogger(__name__)
REFRESH_INTERVAL_MS = 60_000
# What each part of the window shows, as the change bus names it.
REFERENCE_TABLES = frozenset({"sectors", "categories", "saved_searches"})
PROVIDER_TABLES = frozenset(
    {"providers", "provider_categories", "provider_activities", "users", "contracts",
     "contract_versions"}
)  # fmt: skip
DAY_TABLES = frozenset({"provider_activities", "providers"})
_ACTIVITY_CHANGES = Changes.tables_only("provider_activities", "provider_changes")


def _quit() -> None:
    """Close every window (each may refuse, as the queue window does); the last one quits."""
    QApplication.closeAllWindows()


class SalesWindow(QMainWindow):
    def __init__(
        self,
        context: AppContext,
        on_sign_out: Callable[[], None] | None = None,
        status_widgets: tuple[QWidget, ...] = (),
    ) -> None:
        super().__init__()
        self.context = context
        self.workspace = workspace = context.workspace
        self.user = user = context.user
        self.clock = clock = context.clock
        self.dialer = context.dialer
        self.settings = context.settings
        # Synced sales workstations hold no leads: the server reads the history for them.
        self.demand_source: DemandSource = context.server.demand_history or local_demand_source(
            workspace, clock, self.settings
        )
        self._on_sign_out = on_sign_out
        self.service = context.providers
        self.activities = context.provider_activities
        self.queries = context.provider_queries
        # Filled by a background read; the pickers fill themselves when it arrives.
        self._categories: list[CategoryChoice] = []
        self.catalogue = Catalogue(lambda: self._categories, self)
        self.contracts = context.contracts
        self.contract_queries = context.contract_queries
        self.disputes = context.disputes
        self._latest_board, self._latest_day, self._latest_reference = (
            LatestRead(),
            LatestRead(),
            LatestRead(),
        )
        self.setWindowTitle(f"CRM Leads – Prospection – {user.display_name}")
        self.resize(1400, 860)

        self.count_label = QLabel()
        self.filters = FilterBar(context, self._load_providers, self.say)
        self.board = PipelineBoard(self.move_to_stage, self.open_provider, clock)
        self.list = ProviderList(context, self.filters, self.open_provider, self._show_count)
        self.day_model = DayModel(clock)
        self.day = QTreeView()
        self.day.setObjectName("my_day")
        self.day.setRootIsDecorated(False)
        self.day.setUniformRowHeights(True)
        self.day.setModel(self.day_model)
        self.day.setColumnWidth(DayColumn.DUE, 150)
        self.day.setColumnWidth(DayColumn.PROVIDER, 240)
        self.day.setColumnWidth(DayColumn.SUBJECT, 260)
        self.day.header().setSortIndicator(DayColumn.DUE, Qt.SortOrder.AscendingOrder)
        self.day.setSortingEnabled(True)
        context.remembered.keep_header(self.day.header(), "pipeline/day")
        on_row_activated(self.day, PROVIDER_ID, self.open_provider)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.board, "Pipeline")
        self.tabs.addTab(self.list, "Liste")
        self.tabs.addTab(self.day, "Ma journée")
        # The contracts screen as it is; it refreshes itself from the change bus.
        self.contracts_tab = ContractsOverview(context, self.open_contract)
        self.tabs.addTab(self.contracts_tab, "Contrats")
        central = QWidget()
        column = QVBoxLayout(central)
        column.addWidget(self.filters)
        column.addWidget(self.tabs)
        self.setCentralWidget(central)
        self._build_actions()
        self.statusBar().addPermanentWidget(self.count_label)
        for widget in status_widgets:
            self.statusBar().addPermanentWidget(widget)
        self.statusBar().addPermanentWidget(
            QLabel(f"{user.display_name} ({ROLE_LABELS[user.role]})")
        )
        self.billing_window: BillingWindow | None = None
        keep_window(context.remembered, self, "pipeline/window")
        context.changes.watch(self, REFERENCE_TABLES, self._load_reference)
        context.changes.watch(self, PROVIDER_TABLES, self._load_providers)
        context.changes.watch(self, DAY_TABLES, self._load_day)
        # "Overdue" and "today" move with the time, not with a change.
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_INTERVAL_MS)
        self._timer.timeout.connect(self._load_day)
        self._timer.start()
        self.refresh()

    def _build_actions(self) -> None:
        """The menus hold every action with its shortcut; the toolbar repeats the daily ones."""
        provider = (
            ("Nouveau prestataire", "Ctrl+N", lambda: self.open_provider(None)),
            ("Appeler", "F3", self.call_selected),
            ("Planifier un appel", "Ctrl+P", lambda: self.plan_selected(ActivityKind.CALL)),
            ("Tâche", "Ctrl+T", lambda: self.plan_selected(ActivityKind.TASK)),
            ("Note", "Ctrl+K", self.note_selected),
            None,
            ("Simulation", "Ctrl+M", self.simulate_selected),
            ("Contrat", "Ctrl+Shift+C", self.open_contract),
            None,
            ("Importer un CSV", "Ctrl+I", self.import_csv),
            ("Factures", "Ctrl+Shift+F", self.show_billing),
        )
        menus: tuple[tuple[str, tuple[tuple[str, str, Callable[[], object]] | None, ...]], ...] = (
            ("&Prestataire", provider),
            ("&Ma journée", (("Fait", "Ctrl+D", self.complete_day_item),)),
            ("&Affichage", (("Actualiser", "F5", self.refresh),)),
            (
                "&Session",
                (
                    ("Se déconnecter", "Ctrl+Shift+Q", self._sign_out),
                    None,
                    ("Quitter", "Ctrl+Q", _quit),
                ),
            ),
        )
        toolbar = QToolBar("Actions")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        self.actions_by_name: dict[str, QAction] = {}
        for title, entries in menus:
            menu = self.menuBar().addMenu(title)
            for entry in entries:
                if entry is None:
                    menu.addSeparator()
                    continue
                text, shortcut, slot = entry
                action = QAction(text, self)
                action.setShortcut(QKeySequence(shortcut))
                action.setToolTip(f"{text} ({shortcut})")
                action.triggered.connect(lambda _checked=False, slot=slot: slot())
                menu.addAction(action)
                if title != "&Session":
                    toolbar.addAction(action)
                self.actions_by_name[text] = action
        # A manager's second window: their session belongs to the queue window.
        self.actions_by_name["Se déconnecter"].setVisible(self._on_sign_out is not None)

    # -- reading -----------------------------------------------------------------------------

    def refresh(self, _changes: Changes | None = None) -> None:
        """Read everything the window shows again, in the background (F5, the timer).

        The views also refresh themselves from the change bus: a write of this window, of a
        dialog, or rows the sync brought announce what they changed.
        """
        self._load_reference()
        self._load_providers()
        self._load_day()

    def _load_reference(self, _changes: Changes | None = None) -> None:
        # A new synced workstation: the first download brings the reference data and the
        # saved searches after this window was built.
        sessions, user_id, queries = self.workspace.sessions, self.user.id, self.queries

        def read() -> tuple[list[CategoryChoice], SavedSearches]:
            return category_catalogue(sessions), queries.saved_searches(user_id)

        def show(result: tuple[list[CategoryChoice], SavedSearches]) -> None:
            self._categories, saved = result
            self.catalogue.reload()
            self.filters.show_saved(saved)

        self.context.operations.run(read, self._latest_reference.show(show), owner=self)

    def _load_providers(self, _changes: Changes | None = None) -> None:
        criteria = self.filters.criteria()
        self.context.operations.run(
            lambda: self.queries.board(criteria),
            self._latest_board.show(self.board.show_rows),
            owner=self,
        )
        self.list.load(criteria)

    def _show_count(self, total: int) -> None:
        self.count_label.setText(f"{total} prestataire(s)")

    def _load_day(self, _changes: Changes | None = None) -> None:
        self.context.operations.run(
            self.activities.my_day, self._latest_day.show(self._show_day), owner=self
        )

    def _show_day(self, items: list[DayItem]) -> None:
        self.day_model.set_items(items)
        self.tabs.setTabText(2, f"Ma journée ({len(items)})")

    def show_billing(self) -> BillingWindow:
        """Invoices, payments, dunning: what reps record and follow; the debit runs and credit
        notes are the managers' (from the Pilotage menu, where the server is asked)."""
        if self.billing_window is None:
            self.billing_window = BillingWindow(self.context, BillingCalls(), self)
        self.billing_window.show()
        self.billing_window.raise_()
        return self.billing_window

    def selected_provider(self) -> uuid.UUID | None:
        widget = self.tabs.currentWidget()
        if widget is self.board:
            return self.board.selected_provider()
        if widget is self.list:
            return self.list.selected_provider()
        if widget is self.contracts_tab:
            return self.contracts_tab.selected_provider()
        index = self.day.currentIndex()
        return self.day_model.provider_of(index.row()) if index.isValid() else None

    def _need_provider(self) -> uuid.UUID | None:
        provider_id = self.selected_provider()
        if provider_id is None:
            self.say("Sélectionnez d'abord un prestataire.")
        return provider_id

    def _with_file(self, provider_id: uuid.UUID, then: Callable[[ProviderFile], None]) -> None:
        """Read the provider's file in the background, then `then(file)` on the UI thread."""

        def read() -> ProviderFile:
            file = self.queries.provider_file(provider_id)
            if file is None:
                raise ActionRefused("Ce prestataire n'existe plus (supprimé entre-temps).")
            return file

        self.context.operations.run(read, then, owner=self)

    # -- actions -------------------------------------------------------------------------

    def say(self, message: str) -> None:
        # The shared message bar: the whole message, kept until replaced, copyable.
        from ui.core.message_bar import message_bar

        message_bar(self).show_message(message)

    def _write(
        self,
        work: Callable[[], object],
        changes: Changes,
        done_message: str | None = None,
    ) -> None:
        """Run a write in the background; a refusal is said in the message bar."""

        def done(_result: object) -> None:
            if done_message:
                self.say(done_message)

        self.context.operations.run(refusable(work), done, owner=self, changes=changes)

    def move_to_stage(self, provider_id: uuid.UUID, stage: ProviderStage) -> None:
        reason = None
        if stage is ProviderStage.LOST:
            labels = list(LOST_REASON_LABELS.values())
            label, ok = QInputDialog.getItem(self, "Prospect perdu", "Motif :", labels, 0, False)
            if not ok:
                return
            reason = next(r for r, text in LOST_REASON_LABELS.items() if text == label)
        self._write(
            lambda: self.service.move_to_stage(provider_id, stage, reason),
            Changes.of("providers", provider_id) | Changes.tables_only("provider_changes"),
            f"Déplacé vers « {STAGE_LABELS[stage]} ».",
        )

    def provider_dialog(
        self, provider_id: uuid.UUID | None, file: ProviderFile | None = None
    ) -> ProviderDialog:
        """The provider's dialog, from its file already read (None: a new provider)."""
        account = payments = None
        if provider_id is not None and file is not None:
            # The billing screen as it is: it reads its rows itself.
            payments = ProviderPayments(self.context, provider_id, file.provider.company_name)
            account = ProviderAccount(
                self.context, provider_id, lambda: self.open_contract(provider_id)
            )
        return ProviderDialog(
            self.context,
            self.catalogue,
            file,
            on_simulate=self.simulate,
            account=account,
            payments=payments,
            parent=self,
        )

    def open_provider(self, provider_id: uuid.UUID | None) -> None:
        if provider_id is None:
            self.provider_dialog(None).exec()
            return
        self._with_file(provider_id, lambda file: self.provider_dialog(provider_id, file).exec())

    def contract_editor(self, provider_id: uuid.UUID, company_name: str) -> ContractEditor:
        return ContractEditor(self.context, self.catalogue, provider_id, company_name, parent=self)

    def open_contract(self, provider_id: uuid.UUID | None = None) -> None:
        provider_id = provider_id or self._need_provider()
        if provider_id is None:
            return
        chosen = provider_id
        self._with_file(
            chosen,
            lambda file: self.contract_editor(chosen, file.provider.company_name).exec(),
        )

    def call_selected(self) -> None:
        provider_id = self._need_provider()
        if provider_id is not None:
            self._with_file(provider_id, lambda file: self._call(provider_id, file))

    def _call(self, provider_id: uuid.UUID, file: ProviderFile) -> None:
        phone = file.provider.phone_e164 or next(
            (c.phone_e164 for c in file.contacts if c.phone_e164), None
        )
        if phone is None:
            self.say("Aucun numéro pour ce prestataire : complétez sa fiche.")
        elif not self.dialer(f"tel:{phone}"):
            number = formatting.format_phone_national(phone)
            self.say(f"Pas de logiciel de téléphonie : composez le {number}.")
        labels = [CALL_OUTCOME_LABELS[o] for o in CallOutcome]
        label, ok = QInputDialog.getItem(
            self, f"Appel – {file.provider.company_name}", "Résultat :", labels, 0, False
        )
        if not ok:
            return
        outcome = next(o for o, text in CALL_OUTCOME_LABELS.items() if text == label)
        notes, _ok = QInputDialog.getMultiLineText(self, "Appel", "Notes :")
        self.log_call(provider_id, outcome, notes)

    def log_call(self, provider_id: uuid.UUID, outcome: CallOutcome, notes: str = "") -> None:
        self._write(
            lambda: self.activities.log(provider_id, ActivityKind.CALL, "Appel", notes, outcome),
            _ACTIVITY_CHANGES | Changes.of("providers", provider_id),
            f"Appel enregistré : {CALL_OUTCOME_LABELS[outcome]}.",
        )

    def note_selected(self) -> None:
        provider_id = self._need_provider()
        if provider_id is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Note", "Note :")
        if ok:
            self._write(
                lambda: self.activities.log(provider_id, ActivityKind.NOTE, notes=text),
                _ACTIVITY_CHANGES | Changes.of("providers", provider_id),
                "Note enregistrée.",
            )

    def plan_selected(self, kind: ActivityKind) -> None:
        provider_id = self._need_provider()
        if provider_id is None:
            return
        now = self.clock()
        self.context.operations.run(
            lambda: self.activities.next_call_slot(provider_id, now),
            lambda slot: self._plan(provider_id, kind, slot),
            owner=self,
        )

    def _plan(self, provider_id: uuid.UUID, kind: ActivityKind, slot: datetime) -> None:
        local = slot.astimezone(formatting.OFFICE_TZ)
        text, ok = QInputDialog.getText(
            self,
            ACTIVITY_LABELS[kind],
            "Quand (jj/mm/aaaa hh:mm, heure de Paris) :",
            text=f"{local:%d/%m/%Y %H:%M}",
        )
        if not ok:
            return
        subject = ""
        if kind is ActivityKind.TASK:
            subject, ok = QInputDialog.getText(self, "Tâche", "Objet :")
            if not ok:
                return
        try:
            due = datetime.strptime(text.strip(), "%d/%m/%Y %H:%M").replace(
                tzinfo=formatting.OFFICE_TZ
            )
        except ValueError:
            QMessageBox.warning(
                self, "Saisie à corriger", "Date illisible (ex. : 02/12/2026 09:30)."
            )
            return
        self._write(
            lambda: self.activities.plan(provider_id, kind, due, subject or "Appel"),
            _ACTIVITY_CHANGES,
            f"{ACTIVITY_LABELS[kind]} planifié(e) le {text}.",
        )

    def complete_day_item(self) -> None:
        index = self.day.currentIndex()
        item = self.day_model.item(index.row()) if index.isValid() else None
        if item is None or self.tabs.currentWidget() is not self.day:
            self.say("Choisissez une ligne de « Ma journée ».")
            return
        activity_id = item.activity_id
        outcome = None
        if item.kind is ActivityKind.CALL:
            labels = [CALL_OUTCOME_LABELS[o] for o in CallOutcome]
            label, ok = QInputDialog.getItem(self, "Appel", "Résultat :", labels, 0, False)
            if not ok:
                return
            outcome = next(o for o, text in CALL_OUTCOME_LABELS.items() if text == label)
        self._write(
            lambda: self.activities.complete(activity_id, outcome),
            Changes.of("provider_activities", activity_id)
            | Changes.of("providers", item.provider_id)
            | Changes.tables_only("provider_changes"),
        )

    def simulate_selected(self) -> None:
        provider_id = self.selected_provider()
        self.simulate(provider_id)

    def simulation_dialog(
        self, provider_id: uuid.UUID | None, file: ProviderFile | None = None
    ) -> SimulationDialog:
        """The simulation, preset from the provider's file already read (if any)."""
        return SimulationDialog(
            self.context,
            self.catalogue,
            source=self.demand_source,
            prospect_name=file.provider.company_name if file else "",
            provider_id=provider_id,
            preset_categories=file.category_ids if file else None,
            preset_zones=file.zones if file else None,
            closing_rate_percent=file.provider.closing_rate_percent if file else None,
            on_shown=lambda pid: self.move_to_stage(pid, ProviderStage.SIMULATION_SHOWN),
            parent=self,
        )

    def simulate(self, provider_id: uuid.UUID | None) -> None:
        if provider_id is None:
            self.simulation_dialog(None).exec()
            return
        self._with_file(provider_id, lambda file: self.simulation_dialog(provider_id, file).exec())

    def import_csv(self, path: Path | None = None) -> None:
        dialog = ImportDialog(self.context, path, self)
        if path is None:
            dialog.choose_file()
        dialog.exec()

    def _sign_out(self) -> None:
        self.close()
        if self._on_sign_out:
            self._on_sign_out()
