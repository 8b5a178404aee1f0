"""A provider's file: identity, categories and zones, contacts, and the history of changes
and activities. Saves through the services; bad input stays in the form with its message."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

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

from app.domain.errors import FieldErrors
from app.domain.providers import (
    CONTACT_ROLES,
    LEGAL_FORMS,
    SOURCE_LABELS,
    ProviderSource,
)
from app.services.providers.provider_queries import ProviderFile
from app.services.providers.providers import (
    ContactInput,
    NewProvider,
    ProviderForm,
    ZoneInput,
    form_of,
)
from ui.contracts.coverage_editor import Catalogue, CategoryTree, ZonePicker
from ui.core import formatting
from ui.core.changes import Changes
from ui.core.dialog_parts import dialog_buttons, error_line
from ui.core.remembered import keep_window
from ui.core.validated_form import ValidatedForm

if TYPE_CHECKING:
    from ui.core.context import AppContext

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
    """Built from the provider's file already read (`file`; None: a new provider): nothing
    is read on the UI thread; saves and contacts are written in the background."""

    def __init__(
        self,
        context: AppContext,
        catalogue: Catalogue,
        file: ProviderFile | None = None,
        on_simulate: Callable[[uuid.UUID], None] | None = None,
        account: QWidget | None = None,
        payments: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.service = context.providers
        self.queries = context.provider_queries
        self.file: ProviderFile | None = file
        self.provider_id: uuid.UUID | None = file.provider.id if file else None
        provider_id = self.provider_id
        self._on_simulate = on_simulate
        self.setWindowTitle(
            f"Prestataire – {self.file.provider.company_name}"
            if self.file
            else "Nouveau prestataire"
        )
        self.resize(1100, 720)
        keep_window(context.remembered, self, "pipeline/provider_dialog")

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
        coverage.setObjectName("coverage")
        coverage.addWidget(self.category_tree)
        coverage.addWidget(self.zone_picker)
        coverage.setSizes([300, 700])
        context.remembered.keep_splitter(coverage, "pipeline/provider_dialog/coverage")

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
        self.buttons = dialog_buttons(self, "Enregistrer", self.save)
        buttons.addWidget(self.buttons)
        layout.addLayout(buttons)
        if self.file:
            self._fill(form_of(self.file.provider))
        if provider_id is not None:
            # Another screen, or the sync, changed this provider: its lists follow.
            context.changes.watch(
                self, {"provider_contacts", "provider_changes", "provider_activities"},
                self._changed,
            )  # fmt: skip

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
        self.history.setObjectName("history")
        self.history.setHeaderLabels(["Date", "Par", "Quoi", "Détail"])
        self.history.setColumnWidth(0, 150)
        self.history.setColumnWidth(2, 160)
        self._show_history()
        return self.history

    def _show_history(self) -> None:
        self.history.clear()
        for entry in self.file.timeline if self.file else []:
            QTreeWidgetItem(
                self.history, [formatting.when(entry.at), entry.who, entry.what, entry.detail]
            )

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

    def _changed(self, _changes: Changes) -> None:
        """Read the file again (contacts, history), leaving what is typed in the form alone."""
        provider_id = self.provider_id
        if provider_id is None:
            return
        self.context.operations.run(
            lambda: self.queries.provider_file(provider_id), self._show_file, owner=self
        )

    def _show_file(self, file: ProviderFile | None) -> None:
        if file is None:
            return
        self.file = file
        self._show_contacts()
        self._show_history()

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
        """Write in the background; bad input comes back to the form, which stays open with
        what was typed."""
        self.form.clear_errors()
        self.error.hide()
        self.buttons.setEnabled(False)
        provider_id = self.provider_id
        form, categories, zones = self.typed_form(), self.typed_categories(), self.typed_zones()

        def write() -> uuid.UUID | FieldErrors:
            try:
                if provider_id is None:
                    return self.service.create(NewProvider(form, categories, zones))
                self.service.update(provider_id, form)
                self.service.set_categories(provider_id, categories)
                self.service.set_zones(provider_id, zones)
                return provider_id
            except FieldErrors as error:
                return error

        self.context.operations.run(
            write, self._saved, self._refused, owner=self, changes=_provider_changes
        )

    def _refused(self, message: str) -> None:
        self.buttons.setEnabled(True)
        QMessageBox.warning(self, "Action impossible", message)

    def _saved(self, result: uuid.UUID | FieldErrors) -> None:
        self.buttons.setEnabled(True)
        if isinstance(result, FieldErrors):
            self.form.show_errors(result.errors)
            others = [m for k, m in result.errors.items() if k == "zones"]
            message = " ".join(others) or "Corrigez les champs signalés : rien n'a été enregistré."
            self.error.setText(message)
            self.error.show()
            if others:
                self.tabs.setCurrentIndex(1)
            return
        self.provider_id = result
        self.accept()

    def add_contact(self) -> None:
        self.contact_error.hide()
        provider_id = self.provider_id
        if provider_id is None:
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

        def write() -> ProviderFile | FieldErrors | None:
            try:
                self.service.add_contact(provider_id, contact)
            except FieldErrors as error:
                return error
            return self.queries.provider_file(provider_id)

        def done(result: ProviderFile | FieldErrors | None) -> None:
            if isinstance(result, FieldErrors):
                self.contact_error.setText(" ".join(result.errors.values()))
                self.contact_error.show()
                return
            self._show_file(result)
            for widget in (self.contact_name, self.contact_phone, self.contact_email):
                widget.clear()

        self.context.operations.run(
            write,
            done,
            owner=self,
            changes=lambda result: (
                Changes()
                if isinstance(result, FieldErrors)
                else Changes.of("providers", provider_id)
                | Changes.tables_only("provider_contacts", "provider_changes")
            ),
        )


def _provider_changes(result: uuid.UUID | FieldErrors) -> Changes:
    if isinstance(result, FieldErrors):
        return Changes()
    return Changes.of("providers", result) | Changes.tables_only(
        "provider_categories", "provider_zones", "provider_changes"
    )
