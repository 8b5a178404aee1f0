"""python -m ui [--workspace PATH] [--server URL] [--demo-user NAME] [--demo-clock]"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import traceback
from collections.abc import Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

import platformdirs
import qasync
from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMessageBox

from app.clock import Clock, utc_now
from app.demand.forecast import DemandHistory
from app.domain.enums import Role
from app.services.demand_history import DemandSelection, history_from_json
from app.settings import SETTINGS_FILE_NAME, InvalidSettings, Settings, load_settings
from app.workspace import (
    Workspace,
    WorkstationFolder,
    adopt_shared_workspace,
    default_workspace_path,
)
from ui.admin.accounts_dialog import AccountCalls
from ui.billing.billing_window import BillingCalls
from ui.contracts.simulation_dialog import DemandSource, local_demand_source
from ui.core.demo_clock import clock_in_calling_hours
from ui.core.qt_runtime import keep_singletons_alive
from ui.pipeline.sales_window import SalesWindow
from ui.queue.main_window import MainWindow, ServerLeads
from ui.session.sign_in_dialog import SignInDialog
from ui.session.workspace_dialog import open_or_recover
from ui.sync.conflicts_dialog import ConflictsDialog
from ui.sync.sync_session import AccountSignIn, SyncSession

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


def _settings_for(folder: WorkstationFolder) -> Settings:
    path = folder.folder / SETTINGS_FILE_NAME
    try:
        return load_settings(path)
    except InvalidSettings as error:
        log.warning("invalid settings file %s: %s", path, error)
        QMessageBox.warning(
            None,
            "Paramètres",
            f"{error}\nLes valeurs par défaut (règles légales) sont utilisées.",
        )
        return Settings()


def _dial(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


class Session:
    """Sign-in, main window, sign-out, sign-in again: one workstation session at a time.

    Without a server, everyone signs in on the one local `workspace`. With one (`signer`),
    each account gets its own workspace and sync session, opened at its sign-in and closed
    at its sign-out.
    """

    def __init__(
        self,
        clock: Clock,
        clock_note: str,
        demo_user: str | None,
        folder: WorkstationFolder,
        workspace: Workspace | None = None,
        signer: AccountSignIn | None = None,
    ) -> None:
        assert (workspace is None) != (signer is None)
        self.local_workspace = workspace
        self.signer = signer
        self.folder = folder
        self.sync: SyncSession | None = None
        self.clock = clock
        self.clock_note = clock_note
        self.demo_user = demo_user
        self.window: MainWindow | SalesWindow | None = None
        # A manager's second window: prospecting, contracts and disputes.
        self.sales_window: SalesWindow | None = None
        self._closing: set[asyncio.Future[None]] = set()

    @property
    def workspace(self) -> Workspace:
        workspace = self.sync.workspace if self.sync else self.local_workspace
        assert workspace is not None
        return workspace

    def sign_in(self) -> bool:
        password = "demo" if self.demo_user else ""
        username = self.demo_user or self.folder.last_username()
        if self.signer is not None:
            accounts = [(a.username, a.display_name, a.role) for a in self.folder.accounts()]
            dialog = SignInDialog(
                None, username, password, authenticate=self.signer.authenticate,
                accounts=accounts,
            )  # fmt: skip
        else:
            dialog = SignInDialog(self.local_workspace, username, password)
        if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.user is None:
            return False
        self.folder.remember_last(dialog.user.username)
        if self.signer is not None:
            self.sync = self.signer.session
        settings = _settings_for(self.folder)
        widgets = (self.sync.make_indicator(self._show_conflicts),) if self.sync else ()
        if dialog.user.role == Role.SALES:
            self.window = SalesWindow(
                self.workspace,
                dialog.user,
                self.clock,
                _dial,
                self._demand_source(settings),
                on_sign_out=self._signed_out,
                settings=settings,
                status_widgets=widgets,
            )
        else:
            self.window = MainWindow(
                self.workspace,
                dialog.user,
                self.clock,
                _dial,
                on_sign_out=self._signed_out,
                clock_note=self.clock_note,
                settings=settings,
                status_widgets=widgets,
                redispatch=self.sync.api.dispatch_leads if self.sync else None,
                open_sales=lambda: self._open_sales_window(settings),
                billing=BillingCalls(
                    self.sync.api.invoice_run, self.sync.api.debit_run, self.sync.api.credit_note
                )
                if self.sync
                else None,
                accounts=AccountCalls(
                    self.sync.api.sign_in_locks,
                    self.sync.api.unlock_sign_in,
                    self.sync.api.set_account_active,
                )
                if self.sync
                else None,
                search_server=ServerLeads(self.sync.api.search_leads, self.sync.api.lead_detail)
                if self.sync
                else None,
            )
        if self.sync:
            window = self.window
            QShortcut(QKeySequence("F9"), window, activated=self.sync.sync_now)
            self.sync.on_rows_received = self._refresh_windows
            if self.sync.offline_note:
                window.say(self.sync.offline_note)
        self.window.show()
        return True

    def _open_sales_window(self, settings: Settings) -> None:
        assert self.window is not None
        if self.sales_window is None:
            self.sales_window = SalesWindow(
                self.workspace,
                self.window.user,
                self.clock,
                _dial,
                self._demand_source(settings),
                settings=settings,
            )
        self.sales_window.show()
        self.sales_window.raise_()

    def _demand_source(self, settings: Settings) -> DemandSource:
        """Synced sales workstations hold no leads: the server reads the history for them."""
        if self.sync is not None:
            api = self.sync.api

            async def from_server(selection: DemandSelection) -> DemandHistory:
                return history_from_json(await api.demand_history(selection.to_json()))

            return from_server
        return local_demand_source(self.workspace, self.clock, settings)

    def _show_conflicts(self) -> None:
        assert self.window is not None and self.sync is not None
        dialog = ConflictsDialog(
            self.workspace, self.window.user, self.clock, self.sync.sync_now, self.window
        )
        dialog.exec()
        self.window.refresh()

    def _refresh_windows(self) -> None:
        for window in (self.window, self.sales_window):
            if window is not None:
                window.refresh()

    def _close_windows(self) -> None:
        for window in (self.sales_window, self.window):
            if window is not None:
                window.close()
                window.deleteLater()
        self.sales_window = self.window = None

    def _signed_out(self) -> None:
        self._close_windows()
        if self.sync is not None and self.signer is not None:
            # Its unsent changes stay in its own workspace, for its next sign-in.
            self.signer.forget_token(self.sync.member.username)
            self._finish(self.sync.close(sign_out=True))
            self.sync = None
        self.demo_user = None
        if not self.sign_in():
            QApplication.quit()

    def _finish(self, closing: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(closing)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        """At exit: windows first, then the sync sessions (their tasks end on this loop)."""
        self._close_windows()
        if self.sync is not None:
            self._finish(self.sync.close())
            self.sync = None
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        if self.local_workspace is not None:
            self.local_workspace.close()


def main(argv: list[str] | None = None) -> int:
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
        signer = AccountSignIn(
            folder, args.server, lambda p: open_or_recover(p, from_server=True), utc_now
        )
        session = Session(clock, note, args.demo_user, folder, signer=signer)
    else:
        workspace = open_or_recover(path)
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
