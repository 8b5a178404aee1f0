"""Closing a lead with a reason."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import CLOSE_REASON_LABELS, CloseReason
from app.domain.errors import ActionRefused
from ui.validated_form import ValidatedForm


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
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Clôturer")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def submit(self) -> None:
        try:
            self._save(CloseReason(self.reason.currentData()), self.comment.text())
        except ActionRefused as refused:
            self.error.setText(refused.message)
            self.error.show()
            return
        self.accept()
