"""Pieces every dialog of the app shares: its French buttons and its error line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QWidget,
)

from app.domain.errors import ActionRefused

if TYPE_CHECKING:
    from ui.core.context import AppContext
    from ui.core.operations import Operation

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


def save_in_background(
    context: AppContext,
    parent: QWidget,
    title: str,
    suggested_name: str,
    file_filter: str,
    content: Callable[[], bytes],
    *,
    folder_key: str,
    path: Path | None = None,
    on_saved: Callable[[Path], None] | None = None,
) -> Operation[Path] | None:
    """Ask where to save (in the folder last used for `folder_key`), then build the content
    and write it on a worker thread: a PDF or a debit file never freezes the window.

    `on_saved` gets the path written; a file that cannot be written gives a French warning.
    Returns the running operation, or None when the user cancelled the file dialog.
    """
    if path is None:
        start = str(Path(context.remembered.last_folder(folder_key)) / suggested_name)
        chosen, _ = QFileDialog.getSaveFileName(parent, title, start, file_filter)
        if not chosen:
            return None
        path = Path(chosen)
        context.remembered.remember_folder(folder_key, path)
    target = path

    def write() -> Path:
        data = content()
        try:
            target.write_bytes(data)
        except OSError as exc:
            raise ActionRefused(f"Impossible d'écrire le fichier : {exc}") from exc
        return target

    return context.operations.run(
        write,
        on_saved,
        lambda message: QMessageBox.warning(parent, title, message),
        owner=parent,
        label=title,
    )
