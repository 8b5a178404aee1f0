"""What the user sees when the workspace is missing or damaged: a message and ways out.

Without a server, the way out of a damaged or missing file is a new workspace built by the
`build_new` the entry point passes: the demo client (`python -m demo_client`) passes the demo
generator; the production client, which never imports app.demo, an empty workspace with the
reference data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.workspace import (
    Workspace,
    WorkspaceError,
    WorkspaceProblem,
    create_workspace,
    open_workspace,
    unsent_changes,
)

log = logging.getLogger(__name__)

# Builds a new local workspace file at the path (the demo generator, for the demo client).
WorkspaceBuilder = Callable[[Path], object]


class Choice(Enum):
    CREATE_NEW = "create"
    OPEN_OTHER = "open"
    QUIT = "quit"


def _what_becomes_of_it(from_server: bool, unsent: int | None, demo: bool = True) -> str:
    if not from_server:
        what = "un espace de démonstration" if demo else "un nouvel espace"
        return (
            f"Le fichier endommagé sera conservé à côté (renommé), jamais supprimé, "
            f"si vous créez {what}."
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
    demo: bool = True,
) -> Choice:
    """`demo`: the local way out builds a demo workspace (else an empty one)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Espace de travail")
    box.setText(error.message)
    if error.problem == WorkspaceProblem.CORRUPT:
        box.setInformativeText(_what_becomes_of_it(from_server, unsent, demo))
    if from_server:
        label = "Nouvel espace rempli depuis le serveur"
    else:
        label = "Créer un espace de démonstration" if demo else "Créer un nouvel espace"
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
    path: Path,
    parent: QWidget | None = None,
    from_server: bool = False,
    build_new: WorkspaceBuilder | None = None,
) -> Workspace | None:
    """Open the workspace, or let the user create one, pick another, or quit (None).

    With a central server, the way out of a damaged file is a new empty workspace that
    the first sync fills (a local demo one would hold users that clash with the server's).
    Without one, `build_new` makes the new file (an empty one with reference data if None).

    It runs on the UI thread, before any window (or, with a server, only once a workspace
    failed to open: `recovering_opener`): the user must answer its questions first.
    """
    while True:
        try:
            return open_workspace(path)
        except WorkspaceError as error:
            log.warning("workspace problem: %s", error.detail)
            unsent = unsent_changes(path) if from_server else 0
            choice = ask_what_to_do(error, parent, from_server, unsent, build_new is not None)
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
        if build_new is None:  # the production client: empty, with the reference data
            return create_workspace(path)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            build_new(path)
        finally:
            QGuiApplication.restoreOverrideCursor()


class _OnUiThread(QObject):
    """Runs a function on the UI thread for a worker thread, which waits for its result."""

    _call = Signal(object)

    def __init__(self) -> None:
        super().__init__()  # created on the UI thread: its slot runs there
        self._call.connect(self._run, Qt.ConnectionType.BlockingQueuedConnection)

    @staticmethod
    def _run(box: list[Any]) -> None:
        box.append(box[0]())

    def __call__(self, work: Callable[[], Any]) -> Any:
        if threading.current_thread() is threading.main_thread():
            return work()
        box: list[Any] = [work]
        self._call.emit(box)
        return box[1]


def recovering_opener(from_server: bool = True) -> Callable[[Path], Workspace | None]:
    """An account's workspace opener for a sign-in on a worker thread: it opens the file
    there; only when that fails does it ask the user, on the UI thread (`open_or_recover`),
    while the sign-in waits. Create it on the UI thread."""
    on_ui_thread = _OnUiThread()

    def opened(path: Path) -> Workspace | None:
        try:
            return open_workspace(path)
        except WorkspaceError as error:
            log.warning("workspace %s did not open (%s): asking the user", path, error.detail)
        return on_ui_thread(lambda: open_or_recover(path, None, from_server))  # type: ignore[no-any-return]

    return opened
