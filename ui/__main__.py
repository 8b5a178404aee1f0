"""python -m ui [--workspace PATH] [--server URL] [--demo-user NAME] [--demo-clock]

The production client: it never imports the demo generator. The demo client
(`python -m demo_client`, `make run-offline`) calls `main` with the builder of demo workspaces.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import ClassVar

import platformdirs
import qasync
from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from app.clock import utc_now
from app.workspace import (
    WorkstationFolder,
    adopt_shared_workspace,
    default_workspace_path,
)
from ui.core.demo_clock import clock_in_calling_hours
from ui.core.qt_runtime import keep_singletons_alive
from ui.session.session import Session
from ui.session.workspace_dialog import WorkspaceBuilder, open_or_recover, recovering_opener
from ui.sync.sync_session import AccountSignIn

log = logging.getLogger("crm")


def _setup_logging() -> Path:
    log_dir = Path(platformdirs.user_log_dir("CRM Leads", "crm-leads"))
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "crm.log"
    # The terminal (when started from one) gets warnings and tracebacks, not the sync's
    # request lines every few seconds that would scroll them away; the file gets all.
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.WARNING)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(path, encoding="utf-8"), terminal],
    )
    return path


def _install_excepthook(log_path: Path) -> None:
    """Unexpected errors are logged in English and shown in French: never a bare traceback."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        if QApplication.instance() is not None:
            QMessageBox.critical(
                None,
                "Erreur inattendue",
                "Une erreur inattendue est survenue. Votre saisie enregistrée n'est pas perdue.\n"
                f"Détails techniques dans : {log_path}",
            )

    sys.excepthook = hook


class _QtbaseGaps(QTranslator):
    """French for the strings of Qt's own dialogs that qtbase_fr.qm lacks.

    The PySide6 wheel ships Qt's catalogs (qtbase_fr.qm in QLibraryInfo's TranslationsPath)
    and they load, but they trail Qt's sources: the file dialog's "&Look in:" and
    "Files of &type:" (their accelerators moved) and the "Folder" and "Drive" types of its
    list are not in them, so the dialog came out half English.
    """

    FRENCH: ClassVar[dict[tuple[str, str], str]] = {
        ("QFileDialog", "&Look in:"): "&Voir dans\u00a0:",
        ("QFileDialog", "Files of &type:"): "Fichiers de &type\u00a0:",
        ("QAbstractFileIconProvider", "Folder"): "Dossier",
        ("QAbstractFileIconProvider", "Drive"): "Lecteur",
        ("QAbstractFileIconProvider", "File"): "Fichier",
    }

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return self.FRENCH.get((context, source), "")

    def isEmpty(self) -> bool:
        return False


def install_translations(app: QApplication) -> None:
    """French for Qt's standard buttons and dialogs (message boxes, file dialogs)."""
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    gaps = _QtbaseGaps(app)
    app.installTranslator(gaps)  # asked last: after qtbase
    translator = QTranslator(app)
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(), "qtbase", "_", path):
        app.installTranslator(translator)
    else:
        log.warning("no French Qt translations in %s: Qt's dialogs stay in English", path)


def main(argv: list[str] | None = None, build_new: WorkspaceBuilder | None = None) -> int:
    """`build_new`: how a new local workspace is made when the file is missing or damaged
    (without a server); None: an empty one with the reference data."""
    parser = argparse.ArgumentParser(description="CRM Leads – poste de qualification")
    parser.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="without --server: the workspace file; with it, its folder holds one "
        "workspace per account (an existing file there is adopted by its owner)",
    )
    parser.add_argument("--demo-user", default=None, help="pre-fill sign-in with a demo account")
    parser.add_argument(
        "--demo-clock",
        action="store_true",
        help="outside calling hours, run the clock from the next legal window",
    )
    parser.add_argument("--server", default=None, help="central server URL (sync)")
    args = parser.parse_args(argv)

    keep_singletons_alive()
    log_path = _setup_logging()
    app = QApplication(sys.argv[:1])
    app.setApplicationName("CRM Leads")
    app.setQuitOnLastWindowClosed(False)
    install_translations(app)
    _install_excepthook(log_path)

    path = args.workspace or default_workspace_path()
    folder = WorkstationFolder(path.parent)
    clock, note = clock_in_calling_hours() if args.demo_clock else (utc_now, "")
    if args.server:
        adopt_shared_workspace(folder, path, utc_now())
        # The sign-in opens the account's workspace on a worker thread; it asks the user on
        # the UI thread only when the file does not open.
        signer = AccountSignIn(folder, args.server, recovering_opener(from_server=True), utc_now)
        session = Session(clock, note, args.demo_user, folder, signer=signer)
    else:
        workspace = open_or_recover(path, build_new=build_new)
        if workspace is None:
            return 1
        session = Session(clock, note, args.demo_user, WorkstationFolder(workspace.path.parent),
                          workspace=workspace)  # fmt: skip
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closing = asyncio.Event()
    app.aboutToQuit.connect(closing.set)

    def start() -> None:
        # Inside the running loop, so that sync tasks started at sign-in can run.
        if session.sign_in():
            app.setQuitOnLastWindowClosed(True)
        else:
            closing.set()

    with loop:
        loop.call_soon(start)
        loop.run_until_complete(closing.wait())
        loop.run_until_complete(session.close())
    return 0


if __name__ == "__main__":
    sys.exit(main())
