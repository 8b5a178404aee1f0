"""A provider's file: identity, categories and zones, contacts, and the history of changes
and activities. Saves through the services; bad input stays in the form with its message."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ActionRefused, FieldErrors
from app.domain.providers import (
    CONTACT_ROLES,
    LEGAL_FORMS,
    SOURCE_LABELS,
    ProviderSource,
)
from app.services.providers.provider_queries import ProviderFile, ProviderQueries
from app.services.providers.providers import (
    ContactInput,
    NewProvider,
    ProviderForm,
    ProviderService,
    ZoneInput,
    form_of,
)
from ui.contracts.coverage_editor import Catalogue, CategoryTree, ZonePicker
from ui.core import formatting
from ui.core.dialog_parts import dialog_buttons, error_line
from ui.core.validated_form import ValidatedForm

_TEXT_FIELDS = (
    ("company_name", "Raison sociale *"),
    ("siren", "SIREN"),
    ("siret", "SIRET"),
    ("vat_number", "N° TVA intracom."),
    ("address_line", "Adresse"),
    ("postcode", "Code postal *"),
    ("city", "Ville *"),
    ("phone", "Téléphone"),
    ("email", "E-mail"),
    ("website", "Site web"),
    ("closing_rate_percent", "Taux de signature (%)"),
)


class ProviderDialog(QDialog):
    def __init__(
        self,
        service: ProviderService,
        queries: ProviderQueries,
        catalogue: Catalogue,
        provider_id: uuid.UUID | None = None,
        on_simulate: Callable[[uuid.UUID], None] | None = None,
        account: QWidget | None = None,
        payments: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.queries = queries
        self.provider_id = provider_id
        self._on_simulate = on_simulate
        self.file: ProviderFile | None = queries.provider_file(provider_id) if provider_id else None
        self.setWindowTitle(
            f"Prestataire – {self.file.provider.company_name}"
            if self.file
            else "Nouveau prestataire"
        )
        self.resize(1100, 720)

        self.inputs: dict[str, QLineEdit] = {}
        form = ValidatedForm()
        for key, label in _TEXT_FIELDS:
            widget = QLineEdit()
            widget.setObjectName(key)
            self.inputs[key] = widget
            form.add_field(label, key, widget)
        self.legal_form = QComboBox()
        self.legal_form.setEditable(True)
        self.legal_form.addItems(["", *LEGAL_FORMS])
        form.insertRow(1, "Forme juridique", self.legal_form)
        self.source = QComboBox()
        for source in ProviderSource:
            self.source.addItem(SOURCE_LABELS[source], source.value)
        form.addRow("Origine", self.source)
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(70)
        form.addRow("Notes", self.notes)
        self.form = form

        self.category_tree = CategoryTree(catalogue)
        self.category_tree.set_checked(self.file.category_ids if self.file else [])
        self.zone_picker = ZonePicker()
        self.zone_picker.set_zones(self.file.zones if self.file else [])
        coverage = QSplitter()
        coverage.addWidget(self.category_tree)
        coverage.addWidget(self.zone_picker)
        coverage.setSizes([300, 700])

        identity = QWidget()
        identity.setLayout(form)
        tabs = QTabWidget()
        tabs.addTab(identity, "Fiche")
        tabs.addTab(coverage, "Catégories et zones")
        tabs.addTab(self._contacts_tab(), "Contacts")
        tabs.addTab(self._history_tab(), "Historique")
        if account is not None:
            tabs.addTab(account, "Contrat et ventes")
        if payments is not None:
            tabs.addTab(payments, "Règlements")
        self.account = account
        self.payments = payments
        self.tabs = tabs
        self.error = error_line()
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        if provider_id and on_simulate:
            simulate = QPushButton("Simulation de demande…")
            simulate.clicked.connect(lambda: on_simulate(provider_id))
            buttons.addWidget(simulate)
        buttons.addStretch(1)
        buttons.addWidget(dialog_buttons(self, "Enregistrer", self.save))
        layout.addLayout(buttons)
        if self.file:
            self._fill(form_of(self.file.provider))

    def _contacts_tab(self) -> QWidget:
        tab = QWidget()
        column = QVBoxLayout(tab)
        self.contact_list = QListWidget()
        column.addWidget(self.contact_list)
        row = QHBoxLayout()
        self.contact_name = QLineEdit()
        self.contact_name.setPlaceholderText("Nom")
        self.contact_role = QComboBox()
        self.contact_role.setEditable(True)
        self.contact_role.addItems(CONTACT_ROLES)
        self.contact_phone = QLineEdit()
        self.contact_phone.setPlaceholderText("Téléphone")
        self.contact_email = QLineEdit()
        self.contact_email.setPlaceholderText("E-mail")
        add = QPushButton("Ajouter")
        add.clicked.connect(self.add_contact)
        for widget in (self.contact_name, self.contact_role, self.contact_phone,
                       self.contact_email, add):  # fmt: skip
            row.addWidget(widget)
        column.addLayout(row)
        self.contact_error = error_line()
        column.addWidget(self.contact_error)
        self._show_contacts()
        return tab

    def _history_tab(self) -> QWidget:
        self.history = QTreeWidget()
        self.history.setHeaderLabels(["Date", "Par", "Quoi", "Détail"])
        self.history.setColumnWidth(0, 150)
        self.history.setColumnWidth(2, 160)
        for entry in self.file.timeline if self.file else []:
            QTreeWidgetItem(
                self.history, [formatting.when(entry.at), entry.who, entry.what, entry.detail]
            )
        return self.history

    def _show_contacts(self) -> None:
        self.contact_list.clear()
        for contact in self.file.contacts if self.file else []:
            phone = (
                formatting.format_phone_national(contact.phone_e164) if contact.phone_e164 else ""
            )
            star = "★ " if contact.is_primary else ""
            self.contact_list.addItem(
                f"{star}{contact.full_name} – {contact.role}  {phone}  {contact.email or ''}"
            )

    def _fill(self, form: ProviderForm) -> None:
        for key, widget in self.inputs.items():
            widget.setText(getattr(form, key))
        self.legal_form.setCurrentText(form.legal_form)
        self.source.setCurrentIndex(max(self.source.findData(form.source), 0))
        self.notes.setPlainText(form.notes)

    def typed_form(self) -> ProviderForm:
        return ProviderForm(
            **{key: widget.text() for key, widget in self.inputs.items()},
            legal_form=self.legal_form.currentText(),
            source=self.source.currentData(),
            notes=self.notes.toPlainText(),
        )

    def typed_zones(self) -> list[ZoneInput]:
        return self.zone_picker.zones()

    def typed_categories(self) -> list[uuid.UUID]:
        return [c.id for c in self.category_tree.checked()]

    def save(self) -> None:
        self.form.clear_errors()
        self.error.hide()
        try:
            if self.provider_id is None:
                self.provider_id = self.service.create(
                    NewProvider(self.typed_form(), self.typed_categories(), self.typed_zones())
                )
            else:
                self.service.update(self.provider_id, self.typed_form())
                self.service.set_categories(self.provider_id, self.typed_categories())
                self.service.set_zones(self.provider_id, self.typed_zones())
        except FieldErrors as error:
            self.form.show_errors(error.errors)
            others = [m for k, m in error.errors.items() if k == "zones"]
            message = " ".join(others) or "Corrigez les champs signalés : rien n'a été enregistré."
            self.error.setText(message)
            self.error.show()
            if others:
                self.tabs.setCurrentIndex(1)
            return
        except ActionRefused as refused:
            QMessageBox.warning(self, "Action impossible", refused.message)
            return
        self.accept()

    def add_contact(self) -> None:
        self.contact_error.hide()
        if self.provider_id is None:
            self.contact_error.setText("Enregistrez d'abord le prestataire.")
            self.contact_error.show()
            return
        contact = ContactInput(
            self.contact_name.text(),
            self.contact_role.currentText(),
            self.contact_phone.text(),
            self.contact_email.text(),
            is_primary=not (self.file and self.file.contacts),
        )
        try:
            self.service.add_contact(self.provider_id, contact)
        except FieldErrors as error:
            self.contact_error.setText(" ".join(error.errors.values()))
            self.contact_error.show()
            return
        self.file = self.queries.provider_file(self.provider_id)
        self._show_contacts()
        for widget in (self.contact_name, self.contact_phone, self.contact_email):
            widget.clear()
