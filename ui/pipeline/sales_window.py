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
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import ROLE_LABELS
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.providers import (
    ACTIVITY_LABELS,
    CALL_OUTCOME_LABELS,
    LOST_REASON_LABELS,
    STAGE_LABELS,
    ActivityKind,
    CallOutcome,
    ProviderStage,
)
from app.services.billing.collection import CollectionService
from app.services.billing.collection_queries import CollectionQueries
from app.services.providers.provider_queries import category_catalogue
from ui.billing.billing_window import BillingCalls, BillingWindow
from ui.billing.provider_payments import ProviderPayments
from ui.contracts.contract_editor import ContractEditor
from ui.contracts.contracts_overview import ContractsOverview
from ui.contracts.coverage_editor import Catalogue
from ui.contracts.simulation_dialog import DemandSource, SimulationDialog, local_demand_source
from ui.core import formatting
from ui.core.context import AppContext
from ui.core.item_views import on_row_activated
from ui.pipeline.import_dialog import ImportDialog
from ui.pipeline.pipeline_board import PipelineBoard
from ui.pipeline.provider_account import ProviderAccount
from ui.pipeline.provider_dialog import ProviderDialog
from ui.pipeline.provider_list import FilterBar, ProviderList

log = logging.getLogger(__name__)
ACTIVITY_ID = Qt.ItemDataRole.UserRole
PROVIDER_ID = Qt.ItemDataRole.UserRole + 1
REFRESH_INTERVAL_MS = 60_000


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
        self.catalogue = Catalogue(lambda: category_catalogue(workspace.sessions), self)
        self.contracts = context.contracts
        self.contract_queries = context.contract_queries
        self.disputes = context.disputes
        self.setWindowTitle(f"CRM Leads – Prospection – {user.display_name}")
        self.resize(1400, 860)

        self.filters = FilterBar(self.queries, user.id, self.refresh, self.say)
        self.board = PipelineBoard(self.move_to_stage, self.open_provider, clock)
        self.list = ProviderList(self.queries, self.filters, self.open_provider)
        self.day = QTreeWidget()
        self.day.setObjectName("my_day")
        self.day.setHeaderLabels(["Échéance", "Quoi", "Prestataire", "Objet", "Téléphone"])
        self.day.setColumnWidth(0, 150)
        self.day.setColumnWidth(2, 240)
        self.day.setColumnWidth(3, 260)
        on_row_activated(self.day, PROVIDER_ID, self.open_provider)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.board, "Pipeline")
        self.tabs.addTab(self.list, "Liste")
        self.tabs.addTab(self.day, "Ma journée")
        self.contracts_tab = ContractsOverview(
            self.contract_queries, self.disputes, clock, self.open_contract
        )
        self.tabs.addTab(self.contracts_tab, "Contrats")
        central = QWidget()
        column = QVBoxLayout(central)
        column.addWidget(self.filters)
        column.addWidget(self.tabs)
        self.setCentralWidget(central)
        self._build_actions()
        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.count_label)
        for widget in status_widgets:
            self.statusBar().addPermanentWidget(widget)
        self.statusBar().addPermanentWidget(
            QLabel(f"{user.display_name} ({ROLE_LABELS[user.role]})")
        )
        self.billing_window: BillingWindow | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_INTERVAL_MS)
        self._timer.timeout.connect(self.refresh)
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

    def refresh(self) -> None:
        # Called when sync rows arrive too: the first download of a new workstation brings the
        # reference data and the saved searches after this window was built.
        self.catalogue.reload()
        self.filters.reload_saved()
        criteria = self.filters.criteria()
        self.board.show_rows(self.queries.board(criteria))
        rows = self.queries.rows(criteria)
        self.list.show_rows(rows)
        self.count_label.setText(f"{len(rows)} prestataire(s)")
        self._show_day()
        self.contracts_tab.refresh()
        if self.billing_window is not None and self.billing_window.isVisible():
            self.billing_window.refresh()

    def show_billing(self) -> BillingWindow:
        """Invoices, payments, dunning: what reps record and follow; the debit runs and credit
        notes are the managers' (from the Pilotage menu, where the server is asked)."""
        if self.billing_window is None:
            self.billing_window = BillingWindow(self.context, BillingCalls(), self)
        self.billing_window.show()
        self.billing_window.raise_()
        return self.billing_window

    def _show_day(self) -> None:
        self.day.clear()
        items = self.activities.my_day()
        for item in items:
            phone = formatting.format_phone_national(item.phone_e164) if item.phone_e164 else ""
            row = QTreeWidgetItem(
                self.day,
                [
                    formatting.short_when(item.due_at, self.clock()),
                    ACTIVITY_LABELS[item.kind],
                    f"{item.company_name} ({item.city})",
                    item.subject,
                    phone,
                ],
            )
            row.setData(0, ACTIVITY_ID, item.activity_id)
            row.setData(0, PROVIDER_ID, item.provider_id)
            if item.overdue:
                for c in range(5):
                    row.setForeground(c, Qt.GlobalColor.darkRed)
        self.tabs.setTabText(2, f"Ma journée ({len(items)})")

    def selected_provider(self) -> uuid.UUID | None:
        widget = self.tabs.currentWidget()
        if widget is self.board:
            return self.board.selected_provider()
        if widget is self.list:
            return self.list.selected_provider()
        if widget is self.contracts_tab:
            return self.contracts_tab.selected_provider()
        item = self.day.currentItem()
        return item.data(0, PROVIDER_ID) if item else None

    def _need_provider(self) -> uuid.UUID | None:
        provider_id = self.selected_provider()
        if provider_id is None:
            self.say("Sélectionnez d'abord un prestataire.")
        return provider_id

    # -- actions -------------------------------------------------------------------------

    def say(self, message: str) -> None:
        # The shared message bar: the whole message, kept until replaced, copyable.
        from ui.core.message_bar import message_bar

        message_bar(self).show_message(message)

    def _refused(self, error: Exception) -> None:
        if isinstance(error, FieldErrors):
            QMessageBox.warning(self, "Saisie à corriger", "\n".join(error.errors.values()))
        elif isinstance(error, ActionRefused):
            QMessageBox.warning(self, "Action impossible", error.message)

    def move_to_stage(self, provider_id: uuid.UUID, stage: ProviderStage) -> None:
        reason = None
        if stage is ProviderStage.LOST:
            labels = list(LOST_REASON_LABELS.values())
            label, ok = QInputDialog.getItem(self, "Prospect perdu", "Motif :", labels, 0, False)
            if not ok:
                self.refresh()
                return
            reason = next(r for r, text in LOST_REASON_LABELS.items() if text == label)
        try:
            self.service.move_to_stage(provider_id, stage, reason)
        except (FieldErrors, ActionRefused) as error:
            self._refused(error)
        self.refresh()
        self.say(f"Déplacé vers « {STAGE_LABELS[stage]} ».")

    def provider_dialog(self, provider_id: uuid.UUID | None) -> ProviderDialog:
        account = payments = None
        if provider_id is not None:
            payments = ProviderPayments(
                CollectionQueries(self.workspace.sessions),
                CollectionService(
                    self.workspace.sessions, self.clock, self.user, self.settings.dunning
                ),
                provider_id,
                self.queries.provider_file(provider_id).provider.company_name,
                self.clock,
            )
            account = ProviderAccount(
                self.contract_queries,
                self.disputes,
                provider_id,
                self.clock,
                lambda: self.open_contract(provider_id),
                self.settings.letterhead,
            )
        return ProviderDialog(
            self.service,
            self.queries,
            self.catalogue,
            provider_id,
            on_simulate=self.simulate,
            account=account,
            payments=payments,
            parent=self,
        )

    def open_provider(self, provider_id: uuid.UUID | None) -> None:
        self.provider_dialog(provider_id).exec()
        self.refresh()

    def contract_editor(self, provider_id: uuid.UUID) -> ContractEditor:
        file = self.queries.provider_file(provider_id)
        return ContractEditor(
            self.contracts,
            self.contract_queries,
            self.catalogue,
            provider_id,
            file.provider.company_name if file else "",
            self.clock,
            self.settings.letterhead,
            pdf_folder=self.workspace.path.parent,
            parent=self,
        )

    def open_contract(self, provider_id: uuid.UUID | None = None) -> None:
        provider_id = provider_id or self._need_provider()
        if provider_id is None:
            return
        self.contract_editor(provider_id).exec()
        self.refresh()

    def call_selected(self) -> None:
        provider_id = self._need_provider()
        if provider_id is None:
            return
        file = self.queries.provider_file(provider_id)
        if file is None:
            return
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
        try:
            self.activities.log(provider_id, ActivityKind.CALL, "Appel", notes, outcome)
        except (FieldErrors, ActionRefused) as error:
            self._refused(error)
            return
        self.refresh()
        self.say(f"Appel enregistré : {CALL_OUTCOME_LABELS[outcome]}.")

    def note_selected(self) -> None:
        provider_id = self._need_provider()
        if provider_id is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Note", "Note :")
        if ok:
            try:
                self.activities.log(provider_id, ActivityKind.NOTE, notes=text)
            except (FieldErrors, ActionRefused) as error:
                self._refused(error)
            self.refresh()

    def plan_selected(self, kind: ActivityKind) -> None:
        provider_id = self._need_provider()
        if provider_id is None:
            return
        slot = self.activities.next_call_slot(provider_id, self.clock())
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
        try:
            self.activities.plan(provider_id, kind, due, subject or "Appel")
        except (FieldErrors, ActionRefused) as error:
            self._refused(error)
            return
        self.refresh()
        self.say(f"{ACTIVITY_LABELS[kind]} planifié(e) le {text}.")

    def complete_day_item(self) -> None:
        item = self.day.currentItem()
        if item is None or self.tabs.currentWidget() is not self.day:
            self.say("Choisissez une ligne de « Ma journée ».")
            return
        activity_id = item.data(0, ACTIVITY_ID)
        outcome = None
        if item.text(1) == ACTIVITY_LABELS[ActivityKind.CALL]:
            labels = [CALL_OUTCOME_LABELS[o] for o in CallOutcome]
            label, ok = QInputDialog.getItem(self, "Appel", "Résultat :", labels, 0, False)
            if not ok:
                return
            outcome = next(o for o, text in CALL_OUTCOME_LABELS.items() if text == label)
        try:
            self.activities.complete(activity_id, outcome)
        except (FieldErrors, ActionRefused) as error:
            self._refused(error)
        self.refresh()

    def simulate_selected(self) -> None:
        provider_id = self.selected_provider()
        self.simulate(provider_id)

    def simulation_dialog(self, provider_id: uuid.UUID | None) -> SimulationDialog:
        file = self.queries.provider_file(provider_id) if provider_id else None
        return SimulationDialog(
            self.catalogue,
            self.demand_source,
            self.clock,
            self.settings,
            prospect_name=file.provider.company_name if file else "",
            provider_id=provider_id,
            preset_categories=file.category_ids if file else None,
            preset_zones=file.zones if file else None,
            closing_rate_percent=file.provider.closing_rate_percent if file else None,
            on_shown=lambda pid: self.move_to_stage(pid, ProviderStage.SIMULATION_SHOWN),
            parent=self,
        )

    def simulate(self, provider_id: uuid.UUID | None) -> None:
        self.simulation_dialog(provider_id).exec()
        self.refresh()

    def import_csv(self, path: Path | None = None) -> None:
        dialog = ImportDialog(self.workspace, self.service, path, self)
        if path is None:
            dialog.choose_file()
        dialog.exec()
        self.refresh()

    def _sign_out(self) -> None:
        self.close()
        if self._on_sign_out:
            self._on_sign_out()
