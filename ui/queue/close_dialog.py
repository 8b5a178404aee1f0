"""Closing a lead with a reason."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import CLOSE_REASON_LABELS, CloseReason
from ui.core.changes import Changes
from ui.core.dialog_parts import dialog_buttons, error_line
from ui.core.operations import Operations
from ui.core.validated_form import ValidatedForm
from ui.queue.saving import save_form


class CloseDialog(QDialog):
    def __init__(
        self,
        save: Callable[[CloseReason, str], None],
        parent: QWidget | None = None,
        *,
        operations: Operations,
        changes: Changes,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clôturer le lead")
        self._save = save
        self._operations = operations
        self._changes = changes
        layout = QVBoxLayout(self)
        self.form = ValidatedForm()
        self.reason = QComboBox()
        for reason, label in CLOSE_REASON_LABELS.items():
            if reason != CloseReason.OPPOSITION:  # recorded with its own action
                self.reason.addItem(label, reason)
        self.form.add_field("Motif", "reason", self.reason)
        self.comment = QLineEdit()
        self.form.add_field("Commentaire", "comment", self.comment)
        layout.addLayout(self.form)
        self.error = error_line()
        layout.addWidget(self.error)
        buttons = dialog_buttons(self, "Clôturer", self.submit)
        layout.addWidget(buttons)

    def submit(self) -> None:
        """Save in the background; the dialog closes once saved, or says why it cannot."""
        self.error.hide()
        reason, comment = CloseReason(self.reason.currentData()), self.comment.text()
        save_form(
            self._operations,
            self,
            lambda: self._save(reason, comment),
            self._changes,
            lambda refusal: self._say(str(refusal)),
            self._say,
        )

    def _say(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
