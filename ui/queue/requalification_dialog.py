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
from app.domain.errors import ActionRefused, FieldErrors
from app.services.leads.lead_actions import RequalificationForm
from app.services.leads.lead_detail import LeadDetail
from ui.core.dialog_parts import dialog_buttons, error_line
from ui.core.formatting import format_euros, format_phone_national
from ui.core.validated_form import ValidatedForm


class RequalificationDialog(QDialog):
    """Calls `save(form)`; stays open with the messages next to the fields if it refuses."""

    def __init__(
        self,
        lead: LeadDetail,
        save: Callable[[RequalificationForm], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
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
        self.form.clear_errors()
        self.general_error.hide()
        try:
            self._save(self.typed_form())
        except FieldErrors as errors:
            self.form.show_errors(errors.errors)
            return
        except ActionRefused as refused:
            self.general_error.setText(refused.message)
            self.general_error.show()
            return
        self.accept()
