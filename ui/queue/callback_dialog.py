"""Scheduling a callback, in the consumer's own time zone, with the legal check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import FieldErrors
from app.domain.postcodes import ConsumerZone
from app.services.leads.lead_actions import CallbackRequest, SlotRefused
from ui.core import formatting
from ui.core.changes import Changes
from ui.core.dialog_parts import dialog_buttons, error_line
from ui.core.operations import Operations
from ui.core.validated_form import ValidatedForm
from ui.queue.saving import Refusal, save_form


def to_qdatetime(at: datetime, zone: ConsumerZone) -> QDateTime:
    local = at.astimezone(zone.timezone)
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))


def from_qdatetime(value: QDateTime, zone: ConsumerZone) -> datetime:
    date, time = value.date(), value.time()
    return datetime(
        date.year(), date.month(), date.day(), time.hour(), time.minute(), tzinfo=zone.timezone
    )


class CallbackDialog(QDialog):
    def __init__(
        self,
        zone: ConsumerZone,
        now: datetime,
        save: Callable[[CallbackRequest], None],
        consumer_requested: bool,
        parent: QWidget | None = None,
        *,
        operations: Operations,
        changes: Changes,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Planifier un rappel")
        self._operations = operations
        self._changes = changes
        self.setMinimumWidth(600)
        self._zone = zone
        self._save = save
        self._suggested: datetime | None = None
        layout = QVBoxLayout(self)
        local_now = now.astimezone(zone.timezone)
        paris = now.astimezone(formatting.OFFICE_TZ)
        intro = QLabel(
            f"Heure du consommateur : <b>{local_now:%H:%M}</b> ({zone.timezone.key}), "
            f"heure de Paris : {paris:%H:%M}. Le créneau se saisit dans le fuseau du consommateur."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.form = ValidatedForm()
        self.when = QDateTimeEdit(to_qdatetime(now + timedelta(hours=1), zone))
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.form.add_field("Rappeler le (heure du consommateur)", "due_at", self.when)
        self.requested = QCheckBox("Créneau demandé par le consommateur (consentement exprès)")
        self.requested.setChecked(consumer_requested)
        self.form.add_field("", "consumer_requested", self.requested)
        self.note = QLineEdit()
        self.note.setPlaceholderText("ex. : « Rappelez-moi samedi matin, je travaille en semaine »")
        self.form.add_field("Preuve de la demande", "consent_note", self.note)
        layout.addLayout(self.form)

        self.refusal = error_line()
        row = QHBoxLayout()
        row.addWidget(self.refusal, 1)
        self.use_suggestion = QPushButton("Utiliser ce créneau")
        self.use_suggestion.hide()
        self.use_suggestion.clicked.connect(self._apply_suggestion)
        row.addWidget(self.use_suggestion)
        layout.addLayout(row)

        buttons = dialog_buttons(self, "Planifier", self.submit)
        layout.addWidget(buttons)

    def set_slot(self, at: datetime) -> None:
        self.when.setDateTime(to_qdatetime(at, self._zone))

    def request(self) -> CallbackRequest:
        return CallbackRequest(
            due_at=from_qdatetime(self.when.dateTime(), self._zone),
            consumer_requested=self.requested.isChecked(),
            consent_note=self.note.text(),
        )

    def _apply_suggestion(self) -> None:
        if self._suggested is not None:
            self.set_slot(self._suggested)
            self.refusal.hide()
            self.use_suggestion.hide()

    def submit(self) -> None:
        """Save in the background; the dialog closes once saved, or says why it cannot."""
        self.form.clear_errors()
        self.refusal.hide()
        self.use_suggestion.hide()
        request = self.request()
        save_form(
            self._operations,
            self,
            lambda: self._save(request),
            self._changes,
            self._refused,
            self._say,
        )

    def _say(self, message: str) -> None:
        self.refusal.setText(message)
        self.refusal.show()

    def _refused(self, refusal: Refusal) -> None:
        if isinstance(refusal, FieldErrors):
            self.form.show_errors(refusal.errors)
            return
        message = refusal.message
        if isinstance(refusal, SlotRefused):
            self._suggested = refusal.check.suggested_slot
            if self._suggested is not None:
                both = formatting.when_in_both_zones(self._suggested, self._zone.timezone)
                message += f" Prochain créneau autorisé : {both}."
                self.use_suggestion.show()
        self._say(message)
