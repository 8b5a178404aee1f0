"""The re-qualification form: budget, timing, scope and corrected contact details."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import DESIRED_START_LABELS, DesiredStart
from app.domain.errors import FieldErrors
from app.services.leads.lead_actions import RequalificationForm
from app.services.leads.lead_detail import LeadDetail
from ui.core.changes import Changes
from ui.core.dialog_parts import dialog_buttons, error_line
from ui.core.formatting import format_euros, format_phone_national
from ui.core.operations import Operations
from ui.core.validated_form import ValidatedForm
from ui.queue.saving import Refusal, save_form


class RequalificationDialog(QDialog):
    """Calls `save(form)`; stays open with the messages next to the fields if it refuses."""

    def __init__(
        self,
        lead: LeadDetail,
        save: Callable[[RequalificationForm], None],
        parent: QWidget | None = None,
        *,
        operations: Operations,
        changes: Changes,
    ) -> None:
        super().__init__(parent)
        self._operations = operations
        self._changes = changes
        self.setWindowTitle(f"Requalification du lead n° {lead.number}")
        self.setMinimumWidth(480)
        self._save = save
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(f"<b>{lead.first_name} {lead.last_name}</b> – {lead.category_name}")
        )

        self.form = ValidatedForm()
        budget = lead.qualified_budget_cents or lead.budget_cents
        self.budget = QLineEdit(format_euros(budget).replace("€", "").strip() if budget else "")
        self.budget.setPlaceholderText("ex. : 15 000")
        self.form.add_field("Budget confirmé (€)", "budget", self.budget)
        self.start = QComboBox()
        for value, label in DESIRED_START_LABELS.items():
            self.start.addItem(label, value)
        current = DesiredStart(lead.qualified_start or lead.desired_start)
        self.start.setCurrentIndex(self.start.findData(current))
        self.form.add_field("Démarrage souhaité", "desired_start", self.start)
        self.scope = QPlainTextEdit(lead.qualified_scope or lead.description)
        self.scope.setTabChangesFocus(True)
        self.scope.setFixedHeight(80)
        self.form.add_field("Périmètre du projet", "scope", self.scope)
        self.phone = QLineEdit(format_phone_national(lead.phone_e164))
        self.form.add_field("Téléphone", "phone", self.phone)
        self.email = QLineEdit(lead.email or "")
        self.form.add_field("E-mail", "email", self.email)
        self.postcode = QLineEdit(lead.postcode)
        self.postcode.setMaxLength(5)
        self.form.add_field("Code postal", "postcode", self.postcode)
        self.city = QLineEdit(lead.city)
        self.form.add_field("Ville", "city", self.city)
        self.verified = QCheckBox("Coordonnées confirmées avec le consommateur")
        self.verified.setChecked(lead.contact_verified)
        self.form.add_field("", "contact_verified", self.verified)
        self.note = QPlainTextEdit(lead.qualification_note or "")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(60)
        self.form.add_field("Note", "note", self.note)
        layout.addLayout(self.form)

        self.general_error = error_line()
        layout.addWidget(self.general_error)
        buttons = dialog_buttons(self, "Enregistrer", self.submit)
        layout.addWidget(buttons)

    def typed_form(self) -> RequalificationForm:
        return RequalificationForm(
            budget=self.budget.text(),
            desired_start=DesiredStart(self.start.currentData()),
            scope=self.scope.toPlainText(),
            phone=self.phone.text(),
            email=self.email.text(),
            postcode=self.postcode.text(),
            city=self.city.text(),
            contact_verified=self.verified.isChecked(),
            note=self.note.toPlainText(),
        )

    def submit(self) -> None:
        """Save in the background; the dialog closes once saved, or says why it cannot."""
        self.form.clear_errors()
        self.general_error.hide()
        typed = self.typed_form()
        save_form(
            self._operations,
            self,
            lambda: self._save(typed),
            self._changes,
            self._refused,
            self._say,
        )

    def _say(self, message: str) -> None:
        self.general_error.setText(message)
        self.general_error.show()

    def _refused(self, refusal: Refusal) -> None:
        if isinstance(refusal, FieldErrors):
            self.form.show_errors(refusal.errors)
        else:
            self._say(refusal.message)
