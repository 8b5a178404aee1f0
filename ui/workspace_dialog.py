"""What the user sees when the workspace is missing or damaged: a message and ways out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.demo.generator import build_demo_workspace
from app.workspace import Workspace, WorkspaceError, WorkspaceProblem, open_workspace

DEMO_LEADS = 20_000

log = logging.getLogger(__name__)


class Choice(Enum):
    CREATE_NEW = "create"
    OPEN_OTHER = "open"
    QUIT = "quit"


def ask_what_to_do(error: WorkspaceError, parent: QWidget | None = None) -> Choice:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Espace de travail")
    box.setText(error.message)
    if error.problem == WorkspaceProblem.CORRUPT:
        box.setInformativeText(
            "Le fichier endommagé sera conservé à côté (renommé), jamais supprimé, "
            "si vous créez un espace de démonstration."
        )
    create = box.addButton("Créer un espace de démonstration", QMessageBox.ButtonRole.AcceptRole)
    other = box.addButton("Ouvrir un autre fichier…", QMessageBox.ButtonRole.ActionRole)
    box.addButton("Quitter", QMessageBox.ButtonRole.RejectRole)
    if error.problem == WorkspaceProblem.TOO_NEW:
        create.hide()
    box.exec()
    clicked = box.clickedButton()
    if clicked is create:
        return Choice.CREATE_NEW
    if clicked is other:
        return Choice.OPEN_OTHER
    return Choice.QUIT


def set_aside(path: Path) -> Path:
    """Rename a damaged file so that nothing is lost; returns its new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.endommage-{stamp}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def open_or_recover(path: Path, parent: QWidget | None = None) -> Workspace | None:
    """Open the workspace, or let the user create one, pick another, or quit (None)."""
    while True:
        try:
            return open_workspace(path)
        except WorkspaceError as error:
            log.warning("workspace problem: %s", error.detail)
            choice = ask_what_to_do(error, parent)
        if choice == Choice.QUIT:
            return None
        if choice == Choice.OPEN_OTHER:
            chosen, _ = QFileDialog.getOpenFileName(
                parent, "Ouvrir un espace de travail", str(path.parent), "Espace CRM (*.sqlite)"
            )
            if chosen:
                path = Path(chosen)
            continue
        if path.exists():
            kept = set_aside(path)
            log.warning("damaged workspace kept as %s", kept)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            build_demo_workspace(path, DEMO_LEADS)
        finally:
            QGuiApplication.restoreOverrideCursor()
