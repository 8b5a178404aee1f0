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
from app.workspace import (
    Workspace,
    WorkspaceError,
    WorkspaceProblem,
    create_workspace,
    open_workspace,
    unsent_changes,
)

DEMO_LEADS = 20_000

log = logging.getLogger(__name__)


class Choice(Enum):
    CREATE_NEW = "create"
    OPEN_OTHER = "open"
    QUIT = "quit"


def _what_becomes_of_it(from_server: bool, unsent: int | None) -> str:
    if not from_server:
        return (
            "Le fichier endommagé sera conservé à côté (renommé), jamais supprimé, "
            "si vous créez un espace de démonstration."
        )
    if unsent is None:
        state = (
            "Il peut contenir des modifications pas encore envoyées au serveur (illisible "
            "pour le vérifier)"
        )
    elif unsent == 0:
        state = "Il ne contient aucune modification en attente d'envoi : tout revient du serveur"
    else:
        state = f"Il contient encore {unsent} modification(s) pas encore envoyée(s) au serveur"
    return (
        f"{state}. Il est conservé à côté (renommé), jamais supprimé. Un nouvel espace vide "
        "sera rempli depuis le serveur à la connexion."
    )


def ask_what_to_do(
    error: WorkspaceError,
    parent: QWidget | None = None,
    from_server: bool = False,
    unsent: int | None = 0,
) -> Choice:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Espace de travail")
    box.setText(error.message)
    if error.problem == WorkspaceProblem.CORRUPT:
        box.setInformativeText(_what_becomes_of_it(from_server, unsent))
    label = (
        "Nouvel espace rempli depuis le serveur"
        if from_server
        else "Créer un espace de démonstration"
    )
    create = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
    other = box.addButton("Ouvrir un autre fichier…", QMessageBox.ButtonRole.ActionRole)
    box.addButton("Quitter", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(create)
    if error.problem == WorkspaceProblem.TOO_NEW:
        create.hide()
    if from_server:  # the account's workspace is its own file: no other to pick
        other.hide()
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


def open_or_recover(
    path: Path, parent: QWidget | None = None, from_server: bool = False
) -> Workspace | None:
    """Open the workspace, or let the user create one, pick another, or quit (None).

    With a central server, the way out of a damaged file is a new empty workspace that
    the first sync fills (a local demo one would hold users that clash with the server's).
    """
    while True:
        try:
            return open_workspace(path)
        except WorkspaceError as error:
            log.warning("workspace problem: %s", error.detail)
            unsent = unsent_changes(path) if from_server else 0
            choice = ask_what_to_do(error, parent, from_server, unsent)
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
            log.warning("damaged workspace kept as %s (unsent changes: %s)", kept, unsent)
        if from_server:
            return create_workspace(path, reference_data=False)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            build_demo_workspace(path, DEMO_LEADS)
        finally:
            QGuiApplication.restoreOverrideCursor()
