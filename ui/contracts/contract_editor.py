"""The contract editor: a provider's contract versions, the terms of the selected one (category
and zone pickers, price grid, conditions, live totals), its history and the diff with the
previous version, the PDF, and the requests the server answers (activation, suspension...).

A draft is edited in place; a signed version is read-only and changes by amendment. Bad input
stays in the form with its message, and nothing is saved.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
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

from app.clock import Clock, paris_today
from app.domain.contracts import (
    MAX_SHARING_LEVEL,
    REQUEST_LABELS,
    REQUEST_STATE_LABELS,
    STATUS_LABELS,
    ContractStatus,
    ContractTerms,
    PriceLine,
    RequestKind,
    RequestState,
    monthly_ceiling_cents,
    sharing_label,
)
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.money import InvalidAmount, format_euros, parse_euros
from app.reports.contract_pdf import write_contract_pdf
from app.reports.pdf_parts import Letterhead
from app.services.contracts.contract_queries import ContractQueries, VersionDetail, VersionRow
from app.services.contracts.contracts import ContractService
from ui.contracts.coverage_editor import Catalogue, CategoryTree, ZonePicker
from ui.core.dialog_parts import error_line
from ui.core.item_views import on_row_activated
from ui.core.validated_form import ValidatedForm

ID_ROLE = Qt.ItemDataRole.UserRole
PENDING_POLL_MS = 3000


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ContractEditor(QDialog):
    def __init__(
        self,
        service: ContractService,
        queries: ContractQueries,
        catalogue: Catalogue,
        provider_id: uuid.UUID,
        provider_name: str,
        clock: Clock,
        letterhead: Letterhead,
        pdf_folder: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.queries = queries
        self.provider_id = provider_id
        self.clock = clock
        self.letterhead = letterhead
        self.pdf_folder = pdf_folder
        self.detail: VersionDetail | None = None
        # A new contract (no version yet) or an amendment of this contract being written.
        self.writing_amendment_of: uuid.UUID | None = None
        self._typed_prices: dict[uuid.UUID, str] = {}
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
        prices.addWidget(self.categories)
        prices.addWidget(self.price_grid)
        prices.setSizes([420, 520])

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

        versions = queries.versions_of_provider(provider_id)
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
        today = paris_today(self.clock())
        first_of_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        self.detail = None
        self.writing_amendment_of = None
        self._fill(ContractTerms(starts_on=first_of_next))
        self._show_versions([])
        self.header.setText("Nouveau contrat – brouillon non enregistré")
        self.request_state.clear()
        self._set_editable(True)
        self._update_buttons()

    def load_version(self, version_id: uuid.UUID) -> None:
        self.detail = self.queries.detail(version_id)
        self.writing_amendment_of = None
        self._fill(self.detail.terms)
        self._show_versions(self.queries.versions_of_provider(self.provider_id))
        self._show_history(self.detail)
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
        if self.detail is None:
            return
        fresh = self.queries.detail(self.detail.row.version_id)
        if fresh.row != self.detail.row:
            self.load_version(fresh.row.version_id)

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

    def _show_history(self, detail: VersionDetail) -> None:
        """Status steps and requests to the server (refused ones too), oldest first."""
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
            QTreeWidgetItem(
                self.events, [at.astimezone().strftime("%d/%m/%Y %H:%M"), who, step, note]
            )
        self.diff.clear()
        previous = [
            r
            for r in self.queries.versions_of_provider(self.provider_id)
            if r.contract_id == detail.row.contract_id and r.number < detail.row.number
        ]
        if not previous:
            self.diff_title.setText("Pas de version précédente à comparer.")
            return
        before = max(previous, key=lambda r: r.number)
        changes = self.queries.diff(before.version_id, detail.row.version_id)
        self.diff_title.setText(
            f"Différences avec la version {before.number} ({len(changes)} terme(s) modifié(s))"
        )
        for change in changes:
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
        self.error.setText(message)
        self.error.show()

    def save(self) -> None:
        self.conditions.clear_errors()
        self.error.hide()
        try:
            terms = self.typed_terms()
            if self.writing_amendment_of is not None:
                version_id = self.service.amend(self.writing_amendment_of, terms)
            elif self.detail is None:
                version_id = self.service.create(self.provider_id, terms)
            else:
                version_id = self.detail.row.version_id
                self.service.save_draft(version_id, terms)
        except FieldErrors as error:
            self._show_errors(error)
            return
        except ActionRefused as refused:
            self._refused(refused.message)
            return
        self.load_version(version_id)

    def _move(self, status: ContractStatus) -> None:
        if self.detail is None:
            return
        if self.detail.row.status == ContractStatus.DRAFT:
            self.save()  # what was typed is the draft that is sent
            if not self.error.isHidden():
                return
        try:
            self.service.move(self.detail.row.version_id, status)
        except (ActionRefused, FieldErrors) as error:
            self._refused(
                error.message
                if isinstance(error, ActionRefused)
                else " ".join(error.errors.values())
            )
            return
        self.load_version(self.detail.row.version_id)

    def _request(self, kind: RequestKind, reason: str | None = None) -> None:
        if self.detail is None:
            return
        if reason is None and kind in (RequestKind.SUSPEND, RequestKind.TERMINATE):
            reason, ok = QInputDialog.getText(self, REQUEST_LABELS[kind], "Motif :")
            if not ok:
                return
        try:
            self.service.request(self.detail.row.version_id, kind, reason or "")
        except ActionRefused as refused:
            self._refused(refused.message)
            return
        self.load_version(self.detail.row.version_id)

    def start_amendment(self) -> None:
        """Prefill a new version with the current terms, from the first day of next month."""
        if self.detail is None:
            return
        today = paris_today(self.clock())
        first_of_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        current = self.detail.terms
        self.writing_amendment_of = self.detail.row.contract_id
        starts = max(first_of_next, current.starts_on + timedelta(days=1))
        self._fill(ContractTerms(**{**current.__dict__, "starts_on": starts}))
        self.header.setText(
            f"Avenant au contrat {self.detail.row.reference or ''} – brouillon non enregistré"
        )
        self.request_state.clear()
        self._set_editable(True)
        self._update_buttons()

    def generate_pdf(self, path: Path | None = None) -> Path | None:
        if self.detail is None:
            self._refused("Enregistrez d'abord le brouillon.")
            return None
        row = self.detail.row
        name = f"contrat-{row.reference or 'brouillon'}-v{row.number}.pdf"
        if path is None:
            folder = self.pdf_folder or Path.home()
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Enregistrer le contrat", str(folder / name), "PDF (*.pdf)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        document = self.queries.document(row.version_id, paris_today(self.clock()))
        try:
            write_contract_pdf(document, self.letterhead, path)
        except OSError as exc:
            QMessageBox.warning(self, "PDF", f"Impossible d'écrire le fichier : {exc}")
            return None
        self.error.hide()
        self.request_state.setText(f"PDF enregistré : {path}")
        return path

    def _update_buttons(self) -> None:
        status = self.detail.row.status if self.detail else None
        writing = self.detail is None or self.writing_amendment_of is not None
        pending = bool(
            self.detail
            and self.detail.row.last_request
            and self.detail.row.last_request.state == RequestState.PENDING
        )
        enabled = {
            "save": writing or status == ContractStatus.DRAFT,
            "sent": not writing and status == ContractStatus.DRAFT,
            "signed": not writing and status == ContractStatus.SENT,
            "draft": not writing and status == ContractStatus.SENT,
            "activate": not writing and status == ContractStatus.SIGNED and not pending,
            "suspend": not writing and status == ContractStatus.ACTIVE and not pending,
            "resume": not writing and status == ContractStatus.SUSPENDED and not pending,
            "terminate": not writing
            and status in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED)
            and not pending,
            "amend": not writing
            and status in (ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.SUSPENDED),
            "pdf": not writing,
        }
        for key, button in self.buttons.items():
            button.setEnabled(enabled[key])
        self.buttons["save"].setText(
            "Enregistrer l'avenant" if self.writing_amendment_of else "Enregistrer le brouillon"
        )


def _euros_text(cents: int | None, with_cents: bool = False) -> str:
    """An amount as typed in a field: '1 500', '28,50' (no currency sign)."""
    if cents is None:
        return ""
    text = format_euros(cents, with_cents=with_cents or cents % 100 != 0)
    return text.replace("\xa0€", "").replace("\u202f", " ").replace("\xa0", " ").strip()
