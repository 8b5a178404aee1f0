"""Pieces every dialog of the app shares: its French buttons and its error line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QWidget,
)

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


def save_file(
    parent: QWidget,
    title: str,
    suggested_name: str,
    file_filter: str,
    content: Callable[[], bytes],
    path: Path | None = None,
) -> Path | None:
    """Ask where to save (unless `path` is given), write the file, say so if it cannot be
    written. Returns the path written, or None."""
    if path is None:
        chosen, _ = QFileDialog.getSaveFileName(parent, title, suggested_name, file_filter)
        if not chosen:
            return None
        path = Path(chosen)
    try:
        path.write_bytes(content())
    except OSError as exc:
        QMessageBox.warning(parent, title, f"Impossible d'écrire le fichier : {exc}")
        return None
    return path
