"""python -m ui [--workspace PATH] [--server URL] [--demo-user NAME] [--demo-clock]"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

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
from app.workspace import Workspace, create_workspace, default_workspace_path
from ui.billing_window import BillingCalls
from ui.conflicts_dialog import ConflictsDialog
from ui.demo_clock import clock_in_calling_hours
from ui.main_window import MainWindow
from ui.sales_window import SalesWindow
from ui.sign_in_dialog import SignInDialog
from ui.simulation_dialog import DemandSource, local_demand_source
from ui.sync_session import SyncSession
from ui.workspace_dialog import open_or_recover

log = logging.getLogger("crm")


def _setup_logging() -> Path:
    log_dir = Path(platformdirs.user_log_dir("CRM Leads", "crm-leads"))
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "crm.log"
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(path, encoding="utf-8"), logging.StreamHandler()],
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


def _install_translations(app: QApplication) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    translator = QTranslator(app)
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(), "qtbase", "_", path):
        app.installTranslator(translator)


def _settings_for(workspace: Workspace) -> Settings:
    path = workspace.path.parent / SETTINGS_FILE_NAME
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
    """Sign-in, main window, sign-out, sign-in again: one workstation session at a time."""

    def __init__(
        self,
        workspace: Workspace,
        clock: Clock,
        clock_note: str,
        demo_user: str | None,
        settings: Settings,
        sync: SyncSession | None = None,
    ) -> None:
        self.sync = sync
        self.workspace = workspace
        self.clock = clock
        self.clock_note = clock_note
        self.demo_user = demo_user
        self.settings = settings
        self.window: MainWindow | SalesWindow | None = None
        # A manager's second window: prospecting, contracts and disputes.
        self.sales_window: SalesWindow | None = None

    def sign_in(self) -> bool:
        password = "demo" if self.demo_user else ""
        dialog = SignInDialog(
            self.workspace,
            self.demo_user,
            password,
            authenticate=self.sync.authenticate if self.sync else None,
        )
        if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.user is None:
            return False
        widgets = (self.sync.make_indicator(self._show_conflicts),) if self.sync else ()
        if dialog.user.role == Role.SALES:
            self.window = SalesWindow(
                self.workspace,
                dialog.user,
                self.clock,
                _dial,
                self._demand_source(),
                on_sign_out=self._signed_out,
                settings=self.settings,
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
                settings=self.settings,
                status_widgets=widgets,
                redispatch=self.sync.api.dispatch_leads if self.sync else None,
                open_sales=self._open_sales_window,
                billing=BillingCalls(
                    self.sync.api.invoice_run, self.sync.api.debit_run, self.sync.api.credit_note
                )
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

    def _open_sales_window(self) -> None:
        assert self.window is not None
        if self.sales_window is None:
            self.sales_window = SalesWindow(
                self.workspace,
                self.window.user,
                self.clock,
                _dial,
                self._demand_source(),
                settings=self.settings,
            )
        self.sales_window.show()
        self.sales_window.raise_()

    def _demand_source(self) -> DemandSource:
        """Synced sales workstations hold no leads: the server reads the history for them."""
        if self.sync is not None:
            api = self.sync.api

            async def from_server(selection: DemandSelection) -> DemandHistory:
                return history_from_json(await api.demand_history(selection.to_json()))

            return from_server
        return local_demand_source(self.workspace, self.clock, self.settings)

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

    def _signed_out(self) -> None:
        if self.sales_window is not None:
            self.sales_window.close()
            self.sales_window = None
        if self.sync and self.window:
            self.sync.sign_out(self.window.user.username)
        self.demo_user = None
        if not self.sign_in():
            QApplication.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CRM Leads – poste de qualification")
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--demo-user", default=None, help="pre-fill sign-in with a demo account")
    parser.add_argument(
        "--demo-clock",
        action="store_true",
        help="outside calling hours, run the clock from the next legal window",
    )
    parser.add_argument("--server", default=None, help="central server URL (sync)")
    args = parser.parse_args(argv)

    log_path = _setup_logging()
    app = QApplication(sys.argv[:1])
    app.setApplicationName("CRM Leads")
    app.setQuitOnLastWindowClosed(False)
    _install_translations(app)
    _install_excepthook(log_path)

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    path = args.workspace or default_workspace_path()
    if args.server and not path.exists():
        # A synced workstation starts empty: everything comes from the server.
        create_workspace(path, reference_data=False).close()
    workspace = open_or_recover(path)
    if workspace is None:
        return 1
    clock, note = clock_in_calling_hours() if args.demo_clock else (utc_now, "")
    sync = SyncSession(workspace, args.server, utc_now) if args.server else None
    session = Session(workspace, clock, note, args.demo_user, _settings_for(workspace), sync)
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
        if sync:
            loop.run_until_complete(sync.close())
    workspace.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
