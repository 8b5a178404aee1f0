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
from app.domain.errors import ActionRefused
from ui.core.dialog_parts import dialog_buttons, error_line
from ui.core.validated_form import ValidatedForm


class CloseDialog(QDialog):
    def __init__(
        self, save: Callable[[CloseReason, str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clôturer le lead")
        self._save = save
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
        try:
            self._save(CloseReason(self.reason.currentData()), self.comment.text())
        except ActionRefused as refused:
            self.error.setText(refused.message)
            self.error.show()
            return
        self.accept()
