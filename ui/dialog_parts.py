"""Pieces every dialog of the app shares: its French buttons and its error line."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel

ERROR_COLOUR = "#b00020"


def error_line() -> QLabel:
    """A hidden red line for a message that concerns the whole dialog, not one field."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOUR};")
    label.hide()
    return label


def dialog_buttons(
    dialog: QDialog, accept_text: str, on_accept: Callable[[], None], cancel_text: str = "Annuler"
) -> QDialogButtonBox:
    """OK (the default button, so Entrée submits) and Cancel, with French labels."""
    ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
    buttons = QDialogButtonBox(ok | cancel)
    buttons.button(ok).setText(accept_text)
    buttons.button(cancel).setText(cancel_text)
    buttons.accepted.connect(on_accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
