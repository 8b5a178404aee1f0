"""The contract editor: a provider's contract versions, the terms of the selected one (category
and zone pickers, price grid, conditions, live totals), its history and the diff with the
previous version, the PDF, and the requests the server answers (activation, suspension...).

A draft is edited in place; a signed version is read-only and changes by amendment. Bad input
stays in the form with its message, and nothing is saved.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.clock import first_of_next_month, paris_today
from app.domain.contracts import (
    MAX_SHARING_LEVEL,
    REQUEST_LABELS,
    REQUEST_STATE_LABELS,
    STATUS_LABELS,
    ContractAction,
    ContractStatus,
    ContractTerms,
    PriceLine,
    RequestKind,
    RequestState,
    available_actions,
    monthly_ceiling_cents,
    sharing_label,
)
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.money import InvalidAmount, format_euros, parse_euros
from app.reports.contract_pdf import write_contract_pdf
from app.services.contracts.contract_queries import VersionDetail, VersionRow, VersionScreen
from ui.contracts.coverage_editor import Catalogue, CategoryTree, ZonePicker
from ui.core import formatting
from ui.core.changes import Changes
from ui.core.dialog_parts import error_line, save_in_background
from ui.core.item_views import on_row_activated
from ui.core.remembered import keep_window
from ui.core.validated_form import ValidatedForm

if TYPE_CHECKING:
    from ui.core.context import AppContext
    from ui.core.operations import Operation

ID_ROLE = Qt.ItemDataRole.UserRole
PENDING_POLL_MS = 3000
PDF_FOLDER_KEY = "contracts/pdf"
# What a change of which makes the editor check whether its version moved (a sync, another
# window): the versions, their status steps and the server's answers to requests.
CONTRACT_TABLES = frozenset(
    {"contracts", "contract_versions", "contract_events", "contract_requests"}
)


def pdf_bytes(write: Callable[[Path], object]) -> bytes:
    """The bytes of a PDF a report writer writes to a path (for `save_in_background`)."""
    with tempfile.TemporaryDirectory(prefix="crm-pdf-") as folder:
        path = Path(folder) / "document.pdf"
        write(path)
        return path.read_bytes()


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ContractEditor(QDialog):
    """One provider's contracts. Every read, write and PDF runs through `context.operations`:
    the dialog opens at once and fills itself when its version arrives."""

    def __init__(
        self,
        context: AppContext,
        catalogue: Catalogue,
        provider_id: uuid.UUID,
        provider_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.service = context.contracts
        self.queries = context.contract_queries
        self.provider_id = provider_id
        self.clock = context.clock
        self.letterhead = context.settings.letterhead
        self.detail: VersionDetail | None = None
        # A new contract (no version yet) or an amendment of this contract being written.
        self.writing_amendment_of: uuid.UUID | None = None
        self._typed_prices: dict[uuid.UUID, str] = {}
        self._busy = True  # a read or a write is running: the actions wait for it
        self.setWindowTitle(f"Contrat – {provider_name}")
        self.resize(1280, 820)

        self.header = QLabel()
        self.header.setObjectName("contract_header")
        self.header.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.request_state = QLabel()
        self.request_state.setObjectName("request_state")
        self.request_state.setWordWrap(True)

        self.categories = CategoryTree(catalogue)
        self.categories.changed.connect(self._categories_changed)
        self.price_grid = QTableWidget(0, 3)
        self.price_grid.setObjectName("price_grid")
        self.price_grid.setHorizontalHeaderLabels(["Catégorie", "Plancher", "Prix HT / lead"])
        header = self.price_grid.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.price_grid.setColumnWidth(1, 90)
        self.price_grid.setColumnWidth(2, 120)
        self.price_grid.verticalHeader().hide()
        self.price_grid.itemChanged.connect(self._price_edited)
        prices = QSplitter()
        prices.setObjectName("prices_splitter")
        prices.addWidget(self.categories)
        prices.addWidget(self.price_grid)
        prices.setSizes([420, 520])
        self.prices_splitter = prices

        self.zones = ZonePicker()
        self.zones.changed.connect(self._update_totals)

        self.tabs = QTabWidget()
        self.tabs.addTab(prices, "Catégories et prix")
        self.tabs.addTab(self.zones, "Zones")
        self.tabs.addTab(self._conditions_tab(), "Conditions")
        self.tabs.addTab(self._history_tab(), "Versions et historique")

        self.totals = QLabel()
        self.totals.setObjectName("totals")
        self.totals.setWordWrap(True)
        self.totals.setStyleSheet("padding: 6px; background: #eef4fa; border-radius: 4px;")
        self.error = error_line()
        self.error.setObjectName("contract_error")

        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, slot in (
            ("save", "Enregistrer le brouillon", self.save),
            ("sent", "Marquer envoyé", lambda: self._move(ContractStatus.SENT)),
            ("signed", "Marquer signé", lambda: self._move(ContractStatus.SIGNED)),
            ("draft", "Repasser en brouillon", lambda: self._move(ContractStatus.DRAFT)),
            ("activate", "Demander l'activation", lambda: self._request(RequestKind.ACTIVATE)),
            ("suspend", "Demander la suspension", lambda: self._request(RequestKind.SUSPEND)),
            ("resume", "Demander la reprise", lambda: self._request(RequestKind.RESUME)),
            ("terminate", "Résilier…", lambda: self._request(RequestKind.TERMINATE)),
            ("amend", "Rédiger un avenant", self.start_amendment),
            ("pdf", "Générer le PDF", self.generate_pdf),
        ):
            button = QPushButton(text)
            button.setObjectName(f"button_{key}")
            button.clicked.connect(lambda _c=False, slot=slot: slot())
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        row.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.request_state)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.error)
        layout.addLayout(row)

        self._poll = QTimer(self)
        self._poll.setInterval(PENDING_POLL_MS)
        self._poll.timeout.connect(self._reload_if_answered)

        remembered = context.remembered
        keep_window(remembered, self, "contracts/editor")
        remembered.keep_splitter(prices, "contracts/editor/prices")
        for view, key in (
            (self.price_grid.horizontalHeader(), "prices"),
            (self.version_list.header(), "versions"),
            (self.events.header(), "events"),
            (self.diff.header(), "diff"),
        ):
            remembered.keep_header(view, f"contracts/editor/{key}")
        context.changes.watch(self, CONTRACT_TABLES, lambda _c: self._reload_if_answered())

        self.header.setText("Chargement du contrat…")
        self._update_buttons()
        context.operations.run(
            lambda: self.queries.versions_of_provider(provider_id),
            self._first_versions,
            self._refused,
            owner=self,
            label="contrat",
        )

    def _first_versions(self, versions: list[VersionRow]) -> None:
        if versions:
            self.load_version(versions[0].version_id)
        else:
            self._start_new()

    # -- building ----------------------------------------------------------------------------

    def _conditions_tab(self) -> QWidget:
        form = ValidatedForm()
        self.starts_on = QDateEdit(calendarPopup=True)
        self.starts_on.setDisplayFormat("dd/MM/yyyy")
        self.has_end = QCheckBox("Durée déterminée, jusqu'au")
        self.ends_on = QDateEdit(calendarPopup=True)
        self.ends_on.setDisplayFormat("dd/MM/yyyy")
        self.has_end.toggled.connect(self.ends_on.setEnabled)
        end_row = QWidget()
        end_layout = QHBoxLayout(end_row)
        end_layout.setContentsMargins(0, 0, 0, 0)
        end_layout.addWidget(self.has_end)
        end_layout.addWidget(self.ends_on)
        end_layout.addStretch(1)
        self.tacit_renewal = QCheckBox("Tacite reconduction")
        self.notice_days = QSpinBox()
        self.notice_days.setRange(0, 999)
        self.notice_days.setSuffix(" jours")
        self.sharing = QComboBox()
        self.sharing.setObjectName("sharing_level")
        for level in range(1, MAX_SHARING_LEVEL + 1):
            self.sharing.addItem(sharing_label(level), level)
        self.cap_leads = QSpinBox()
        self.cap_leads.setObjectName("cap_leads")
        self.cap_leads.setRange(0, 100_000)
        self.cap_leads.setSpecialValueText("aucun")
        self.cap_euros = QLineEdit()
        self.cap_euros.setObjectName("cap_cents")
        self.cap_euros.setPlaceholderText("aucun (ex. : 1 500)")
        self.package_fee = QLineEdit()
        self.package_fee.setObjectName("package_fee")
        self.package_fee.setPlaceholderText("aucun forfait")
        self.package_leads = QSpinBox()
        self.package_leads.setRange(0, 100_000)
        self.package_leads.setSpecialValueText("—")
        package_row = QWidget()
        package_layout = QHBoxLayout(package_row)
        package_layout.setContentsMargins(0, 0, 0, 0)
        package_layout.addWidget(self.package_fee)
        package_layout.addWidget(QLabel("€ HT / mois pour"))
        package_layout.addWidget(self.package_leads)
        package_layout.addWidget(QLabel("leads inclus"))
        self.payment_days = QSpinBox()
        self.payment_days.setRange(0, 365)
        self.payment_days.setSuffix(" jours")
        self.sepa = QLineEdit()
        self.sepa.setPlaceholderText("RUM, ex. : MRT-2026-0042")
        form.add_field("Début *", "starts_on", self.starts_on)
        form.add_field("Fin", "ends_on", end_row)
        form.addRow("", self.tacit_renewal)
        form.add_field("Préavis", "notice_days", self.notice_days)
        form.add_field("Partage des leads", "sharing_level", self.sharing)
        form.add_field("Plafond mensuel (leads)", "cap_leads", self.cap_leads)
        form.add_field("Plafond mensuel (€ HT)", "cap_cents", self.cap_euros)
        form.add_field("Forfait mensuel", "package", package_row)
        form.add_field("Délai de paiement", "payment_days", self.payment_days)
        form.add_field("Mandat SEPA (RUM)", "sepa_mandate_ref", self.sepa)
        for signal in (
            self.cap_leads.valueChanged,
            self.package_leads.valueChanged,
            self.cap_euros.textChanged,
            self.package_fee.textChanged,
            self.sharing.currentIndexChanged,
        ):
            signal.connect(self._update_totals)
        self.conditions = form
        page = QWidget()
        page.setLayout(form)
        return page

    def _history_tab(self) -> QWidget:
        self.version_list = QTreeWidget()
        self.version_list.setRootIsDecorated(False)
        self.version_list.setObjectName("version_list")
        self.version_list.setHeaderLabels(["Version", "Statut", "Début", "Fin", "Dernière demande"])
        self.version_list.setColumnWidth(0, 120)
        self.version_list.setColumnWidth(1, 170)
        # load_version rebuilds this list: never from inside its own click.
        on_row_activated(self.version_list, ID_ROLE, self.load_version, on_click=True)
        self.events = QTreeWidget()
        self.events.setRootIsDecorated(False)
        self.events.setHeaderLabels(["Quand", "Qui", "Étape", "Note"])
        self.events.setColumnWidth(0, 140)
        self.events.setColumnWidth(2, 260)
        self.diff = QTreeWidget()
        self.diff.setRootIsDecorated(False)
        self.diff.setObjectName("diff")
        self.diff.setHeaderLabels(["Terme", "Version précédente", "Cette version"])
        self.diff.setColumnWidth(0, 260)
        self.diff.setColumnWidth(1, 240)
        self.diff_title = QLabel()
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Versions (la sélection s'affiche dans les autres onglets)"))
        layout.addWidget(self.version_list, 1)
        layout.addWidget(QLabel("Historique de la version"))
        layout.addWidget(self.events, 1)
        layout.addWidget(self.diff_title)
        layout.addWidget(self.diff, 1)
        return page

    # -- loading -----------------------------------------------------------------------------

    def _start_new(self) -> None:
        self._busy = False
        self.detail = None
        self.writing_amendment_of = None
        self._fill(ContractTerms(starts_on=first_of_next_month(paris_today(self.clock()))))
        self._show_versions([])
        self.header.setText("Nouveau contrat – brouillon non enregistré")
        self.request_state.clear()
        self._set_editable(True)
        self._update_buttons()

    def load_version(self, version_id: uuid.UUID) -> Operation[VersionScreen]:
        """Read the version (with the provider's versions and the diff), then show it."""
        self._busy = True
        self._update_buttons()
        provider_id = self.provider_id
        return self.context.operations.run(
            lambda: self.queries.version_screen(provider_id, version_id),
            self._show_version,
            self._load_failed,
            owner=self,
            label="version de contrat",
        )

    def _load_failed(self, message: str) -> None:
        self._busy = False
        self._update_buttons()
        self._refused(message)

    def _show_version(self, screen: VersionScreen) -> None:
        self._busy = False
        self.detail = screen.detail
        self.writing_amendment_of = None
        self._fill(self.detail.terms)
        self._show_versions(screen.versions)
        self._show_history(screen)
        self._show_header()
        self._set_editable(self.detail.row.status == ContractStatus.DRAFT)
        self._update_buttons()

    def _show_header(self) -> None:
        assert self.detail is not None
        row = self.detail.row
        reference = row.reference or "n° attribué à l'activation"
        kind = "avenant" if row.number > 1 else "version initiale"
        self.header.setText(
            f"Contrat {reference} – version {row.number} ({kind}) – {STATUS_LABELS[row.status]}"
        )
        last = row.last_request
        if last is None:
            self.request_state.clear()
            self._poll.stop()
            return
        text = f"{REQUEST_LABELS[last.kind]} : {REQUEST_STATE_LABELS[last.state]}"
        if last.state == RequestState.REFUSED and last.answer:
            text += f" – {last.answer}"
        if last.state == RequestState.PENDING:
            text += " (la réponse arrive avec la prochaine synchronisation)"
            self._poll.start()
        else:
            self._poll.stop()
        colour = {"pending": "#8a6d00", "done": "#1b6e2d", "refused": "#b00020"}[last.state]
        self.request_state.setStyleSheet(f"color: {colour};")
        self.request_state.setText(text)

    def _reload_if_answered(self) -> None:
        """Show the version again when it moved meanwhile (the server's answer, a sync)."""
        if self.detail is None or self._busy:
            return
        version_id = self.detail.row.version_id

        def compare(fresh: VersionDetail) -> None:
            if self.detail is not None and not self._busy and fresh.row != self.detail.row:
                self.load_version(fresh.row.version_id)

        self.context.operations.run(
            lambda: self.queries.detail(version_id), compare, lambda _m: None, owner=self
        )

    def _fill(self, terms: ContractTerms) -> None:
        self._typed_prices = {
            p.category_id: _euros_text(p.price_cents, with_cents=True) for p in terms.prices
        }
        self.categories.set_checked(p.category_id for p in terms.prices)
        self.zones.set_zones(terms.zones)
        self.starts_on.setDate(_qdate(terms.starts_on))
        self.has_end.setChecked(terms.ends_on is not None)
        self.ends_on.setEnabled(terms.ends_on is not None)
        self.ends_on.setDate(_qdate(terms.ends_on or terms.starts_on + timedelta(days=365)))
        self.tacit_renewal.setChecked(terms.tacit_renewal)
        self.notice_days.setValue(terms.notice_days)
        self.sharing.setCurrentIndex(max(self.sharing.findData(terms.sharing_level), 0))
        self.cap_leads.setValue(terms.cap_leads or 0)
        self.cap_euros.setText(_euros_text(terms.cap_cents))
        self.package_fee.setText(_euros_text(terms.package_fee_cents))
        self.package_leads.setValue(terms.package_leads or 0)
        self.payment_days.setValue(terms.payment_days)
        self.sepa.setText(terms.sepa_mandate_ref or "")
        self.conditions.clear_errors()
        self.error.hide()
        self._update_totals()

    def _show_versions(self, rows: list[VersionRow]) -> None:
        self.version_list.clear()
        current = self.detail.row.version_id if self.detail else None
        for row in rows:
            last = row.last_request
            item = QTreeWidgetItem(
                self.version_list,
                [
                    f"{row.reference or 'Contrat'} v{row.number}",
                    STATUS_LABELS[row.status],
                    f"{row.starts_on:%d/%m/%Y}",
                    f"{row.ends_on:%d/%m/%Y}" if row.ends_on else "—",
                    f"{REQUEST_LABELS[last.kind]} : {REQUEST_STATE_LABELS[last.state]}"
                    if last
                    else "",
                ],
            )
            item.setData(0, ID_ROLE, row.version_id)
            if row.version_id == current:
                self.version_list.setCurrentItem(item)

    def _show_history(self, screen: VersionScreen) -> None:
        """Status steps and requests to the server (refused ones too), oldest first."""
        detail = screen.detail
        self.events.clear()
        lines = []
        for event in detail.events:
            step = STATUS_LABELS[event.to_status]
            if event.from_status and event.from_status != event.to_status:
                step = f"{STATUS_LABELS[event.from_status]} → {step}"
            lines.append((event.occurred_at, event.who, step, event.note))
        for request in detail.requests:
            answer = REQUEST_STATE_LABELS[request.state]
            lines.append(
                (
                    request.requested_at,
                    "",
                    f"Demande : {REQUEST_LABELS[request.kind]} – {answer}",
                    request.answer,
                )
            )
        for at, who, step, note in sorted(lines, key=lambda line: line[0]):
            QTreeWidgetItem(self.events, [formatting.office_datetime(at), who, step, note])
        self.diff.clear()
        if screen.previous_number is None:
            self.diff_title.setText("Pas de version précédente à comparer.")
            return
        self.diff_title.setText(
            f"Différences avec la version {screen.previous_number} "
            f"({len(screen.changes)} terme(s) modifié(s))"
        )
        for change in screen.changes:
            QTreeWidgetItem(self.diff, [change.label, change.before, change.after])

    # -- the form ----------------------------------------------------------------------------

    def _set_editable(self, editable: bool) -> None:
        for widget in (self.categories, self.zones, self.conditions.parentWidget()):
            widget.setEnabled(editable)
        self.price_grid.setEditTriggers(
            QAbstractItemView.EditTrigger.AllEditTriggers
            if editable
            else QAbstractItemView.EditTrigger.NoEditTriggers
        )

    def _categories_changed(self) -> None:
        self.price_grid.blockSignals(True)
        self.price_grid.setRowCount(0)
        for choice in self.categories.checked():
            row = self.price_grid.rowCount()
            self.price_grid.insertRow(row)
            name = QTableWidgetItem(f"{choice.name} ({choice.sector})")
            name.setData(ID_ROLE, choice.id)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            floor = QTableWidgetItem(format_euros(choice.floor_cents, with_cents=True))
            floor.setFlags(floor.flags() & ~Qt.ItemFlag.ItemIsEditable)
            floor.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            default = _euros_text(choice.floor_cents, with_cents=True)
            price = QTableWidgetItem(self._typed_prices.setdefault(choice.id, default))
            price.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column, item in enumerate((name, floor, price)):
                self.price_grid.setItem(row, column, item)
        self.price_grid.blockSignals(False)
        self._update_totals()

    def _price_edited(self, item: QTableWidgetItem) -> None:
        if item.column() == 2:
            category_id = self.price_grid.item(item.row(), 0).data(ID_ROLE)
            self._typed_prices[category_id] = item.text()
            self._update_totals()

    def set_price(self, category_id: uuid.UUID, text: str) -> None:
        for row in range(self.price_grid.rowCount()):
            if self.price_grid.item(row, 0).data(ID_ROLE) == category_id:
                self.price_grid.item(row, 2).setText(text)

    def typed_terms(self) -> ContractTerms:
        """The terms as typed; FieldErrors for what cannot even be read."""
        errors: dict[str, str] = {}

        def amount(key: str, text: str) -> int | None:
            try:
                return parse_euros(text)
            except InvalidAmount as exc:
                errors[key] = str(exc)
                return None

        prices = []
        for row in range(self.price_grid.rowCount()):
            category_id = self.price_grid.item(row, 0).data(ID_ROLE)
            name = self.categories.names[category_id].name
            try:
                cents = parse_euros(self.price_grid.item(row, 2).text(), required=True)
            except InvalidAmount as exc:
                errors["prices"] = f"Prix de « {name} » : {exc}"
                continue
            prices.append(PriceLine(category_id, cents or 0))
        cap_cents = amount("cap_cents", self.cap_euros.text())
        fee = amount("package", self.package_fee.text())
        if errors:
            raise FieldErrors(errors)
        return ContractTerms(
            starts_on=_pydate(self.starts_on.date()),
            ends_on=_pydate(self.ends_on.date()) if self.has_end.isChecked() else None,
            tacit_renewal=self.tacit_renewal.isChecked(),
            notice_days=self.notice_days.value(),
            sharing_level=int(self.sharing.currentData()),
            cap_leads=self.cap_leads.value() or None,
            cap_cents=cap_cents,
            package_fee_cents=fee,
            package_leads=self.package_leads.value() or None,
            payment_days=self.payment_days.value(),
            sepa_mandate_ref=self.sepa.text().strip() or None,
            prices=tuple(prices),
            zones=tuple(self.zones.zones()),
        )

    def _update_totals(self) -> None:
        try:
            terms = self.typed_terms()
        except FieldErrors:
            self.totals.setText("Totaux : corrigez les montants signalés.")
            return
        count = len(terms.prices)
        average = sum(p.price_cents for p in terms.prices) // count if count else 0
        ceiling = monthly_ceiling_cents(terms)
        parts = [
            f"{count} catégorie(s), prix moyen {format_euros(average, with_cents=True)} HT",
            f"{len(terms.zones)} zone(s)",
            sharing_label(terms.sharing_level),
            f"plafond {terms.cap_leads} leads/mois" if terms.cap_leads else "sans plafond en leads",
        ]
        if terms.package_fee_cents:
            parts.append(
                f"forfait {format_euros(terms.package_fee_cents)} pour {terms.package_leads} leads"
            )
        parts.append(
            f"montant mensuel maximal {format_euros(ceiling)} HT"
            if ceiling is not None
            else "montant mensuel non plafonné"
        )
        self.totals.setText(" · ".join(parts))

    # -- actions -----------------------------------------------------------------------------

    def _show_errors(self, error: FieldErrors) -> None:
        self.conditions.show_errors(error.errors)
        elsewhere = [m for k, m in error.errors.items() if k in ("prices", "zones")]
        self.error.setText(
            " ".join(elsewhere) or "Corrigez les champs signalés : rien n'a été enregistré."
        )
        self.error.show()
        if "prices" in error.errors:
            self.tabs.setCurrentIndex(0)
        elif "zones" in error.errors:
            self.tabs.setCurrentIndex(1)
        else:
            self.tabs.setCurrentIndex(2)

    def _refused(self, message: str) -> None:
        self._busy = False
        self._update_buttons()
        self.error.setText(message)
        self.error.show()

    def save(
        self, then: Callable[[uuid.UUID], None] | None = None
    ) -> Operation[uuid.UUID | FieldErrors] | None:
        """Write what was typed (a new contract, an amendment or the draft), then show it, or
        hand the version to `then`. Refused terms stay in the form with their messages."""
        self.conditions.clear_errors()
        self.error.hide()
        try:
            terms = self.typed_terms()
        except FieldErrors as error:
            self._show_errors(error)
            return None
        service, provider_id = self.service, self.provider_id
        amendment_of = self.writing_amendment_of
        draft_id = self.detail.row.version_id if self.detail is not None else None

        def write() -> uuid.UUID | FieldErrors:
            try:
                if amendment_of is not None:
                    return service.amend(amendment_of, terms)
                if draft_id is None:
                    return service.create(provider_id, terms)
                service.save_draft(draft_id, terms)
                return draft_id
            except FieldErrors as error:
                return error  # a result, not a fault: shown on its fields

        def saved(result: uuid.UUID | FieldErrors) -> None:
            self._busy = False
            if isinstance(result, FieldErrors):
                self._update_buttons()
                self._show_errors(result)
            elif then is not None:
                then(result)
            else:
                self.load_version(result)

        def changed(result: uuid.UUID | FieldErrors) -> Changes:
            if isinstance(result, FieldErrors):
                return Changes()
            return Changes.of("contract_versions", result) | Changes.tables_only(
                "contracts", "contract_prices", "contract_zones", "contract_events"
            )

        self._busy = True
        self._update_buttons()
        return self.context.operations.run(
            write, saved, self._refused, owner=self, changes=changed, label="contrat"
        )

    def _move(self, status: ContractStatus) -> None:
        if self.detail is None:
            return
        if self.detail.row.status == ContractStatus.DRAFT:
            # What was typed is the draft that is sent.
            self.save(then=lambda version_id: self._record_step(version_id, status))
            return
        self._record_step(self.detail.row.version_id, status)

    def _record_step(self, version_id: uuid.UUID, status: ContractStatus) -> None:
        service = self.service

        def step() -> None:
            try:
                service.move(version_id, status)
            except FieldErrors as error:  # signing checks the terms again
                raise ActionRefused(" ".join(error.errors.values())) from error

        changes = Changes.of("contract_versions", version_id) | Changes.tables_only(
            "contract_events"
        )
        if status == ContractStatus.SIGNED:  # the provider's stage becomes "signed"
            changes = changes | Changes.of("providers", self.provider_id)
        self._busy = True
        self._update_buttons()
        self.context.operations.run(
            step,
            lambda _none: self.load_version(version_id),
            self._refused,
            owner=self,
            changes=changes,
            label="étape du contrat",
        )

    def _request(self, kind: RequestKind, reason: str | None = None) -> None:
        if self.detail is None:
            return
        if reason is None and kind in (RequestKind.SUSPEND, RequestKind.TERMINATE):
            reason, ok = QInputDialog.getText(self, REQUEST_LABELS[kind], "Motif :")
            if not ok:
                return
        version_id, service, motive = self.detail.row.version_id, self.service, reason or ""
        self._busy = True
        self._update_buttons()
        self.context.operations.run(
            lambda: service.request(version_id, kind, motive),
            lambda _request_id: self.load_version(version_id),
            self._refused,
            owner=self,
            changes=lambda request_id: Changes.of("contract_requests", request_id),
            label="demande au serveur",
        )

    def start_amendment(self) -> None:
        """Prefill a new version with the current terms, from the first day of next month."""
        if self.detail is None:
            return
        current = self.detail.terms
        self.writing_amendment_of = self.detail.row.contract_id
        starts = max(
            first_of_next_month(paris_today(self.clock())),
            current.starts_on + timedelta(days=1),
        )
        self._fill(replace(current, starts_on=starts))
        self.header.setText(
            f"Avenant au contrat {self.detail.row.reference or ''} – brouillon non enregistré"
        )
        self.request_state.clear()
        self._set_editable(True)
        self._update_buttons()

    def generate_pdf(self, path: Path | None = None) -> Operation[Path] | None:
        """Build the version's PDF and write it on a worker thread (asking where, unless
        `path` is given). Returns the running operation, None when nothing is written."""
        if self.detail is None:
            self._refused("Enregistrez d'abord le brouillon.")
            return None
        row = self.detail.row
        name = f"contrat-{row.reference or 'brouillon'}-v{row.number}.pdf"
        queries, letterhead = self.queries, self.letterhead
        made_on = paris_today(self.clock())
        version_id = row.version_id

        def content() -> bytes:
            document = queries.document(version_id, made_on)
            return pdf_bytes(lambda target: write_contract_pdf(document, letterhead, target))

        self._default_pdf_folder()
        return save_in_background(
            self.context,
            self,
            "Enregistrer le contrat",
            name,
            "PDF (*.pdf)",
            content,
            folder_key=PDF_FOLDER_KEY,
            path=path,
            on_saved=self._pdf_saved,
        )

    def _default_pdf_folder(self) -> None:
        """Before any PDF was saved, offer the workspace's folder (as before issue 15)."""
        remembered = self.context.remembered
        if remembered.settings.value(f"folders/{PDF_FOLDER_KEY}") is None:
            remembered.remember_folder(PDF_FOLDER_KEY, self.context.workspace.path)

    def _pdf_saved(self, path: Path) -> None:
        self.error.hide()
        self.request_state.setText(f"PDF enregistré : {path}")

    def _update_buttons(self) -> None:
        status = self.detail.row.status if self.detail else None
        writing = self.detail is None or self.writing_amendment_of is not None
        pending = bool(
            self.detail
            and self.detail.row.last_request
            and self.detail.row.last_request.state == RequestState.PENDING
        )
        enabled = available_actions(status, writing=writing, request_pending=pending)
        for key, button in self.buttons.items():
            button.setEnabled(not self._busy and ContractAction(key) in enabled)
        self.buttons["save"].setText(
            "Enregistrer l'avenant" if self.writing_amendment_of else "Enregistrer le brouillon"
        )


def _euros_text(cents: int | None, with_cents: bool = False) -> str:
    """An amount as typed in a field: '1 500', '28,50' (no currency sign)."""
    if cents is None:
        return ""
    text = format_euros(cents, with_cents=with_cents or cents % 100 != 0)
    return text.replace("\xa0€", "").replace("\u202f", " ").replace("\xa0", " ").strip()
