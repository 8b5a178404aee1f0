"""One workstation session at a time: sign-in, the windows of the account, sign-out.

The session builds the account's `AppContext` (ui/core/context.py) at sign-in, hands it to
the windows, and closes it at sign-out; with a server, it also opens the account's own
workspace and sync session (ui/sync/sync_session.py), whose pulls it announces on the
context's change bus: the windows watch the bus, no one refreshes them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMessageBox

from app.clock import Clock
from app.demand.forecast import DemandHistory
from app.domain.enums import Role
from app.services.demand_history import DemandSelection, history_from_json
from app.settings import SETTINGS_FILE_NAME, InvalidSettings, Settings, load_settings
from app.workspace import Workspace, WorkstationFolder
from ui.core.changes import ChangeBus
from ui.core.context import AppContext, ServerCalls
from ui.core.operations import Operations
from ui.core.remembered import Remembered
from ui.queue.main_window import MainWindow
from ui.session.sign_in_dialog import SignInDialog
from ui.sync.conflicts_dialog import ConflictsDialog
from ui.sync.sync_session import AccountSignIn, SyncSession

if TYPE_CHECKING:  # imported when a sales window opens: it brings in billing's PDF libraries
    from ui.pipeline.sales_window import SalesWindow

log = logging.getLogger("crm")


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
        self.context: AppContext | None = None
        self._closing: set[asyncio.Future[None]] = set()
        self.remembered = Remembered()
        # The sign-in's worker (it comes before the account's context and its operations).
        self._sign_in_operations = Operations(ChangeBus(), workers=1)

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
                accounts=accounts, operations=self._sign_in_operations,
                remembered=self.remembered,
            )  # fmt: skip
        else:
            dialog = SignInDialog(
                self.local_workspace, username, password,
                operations=self._sign_in_operations, remembered=self.remembered,
            )  # fmt: skip
        if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.user is None:
            return False
        self.folder.remember_last(dialog.user.username)
        if self.signer is not None:
            self.sync = self.signer.session
        settings = _settings_for(self.folder)
        widgets = (self.sync.make_indicator(self._show_conflicts),) if self.sync else ()
        self.context = AppContext(
            self.workspace,
            dialog.user,
            self.clock,
            _dial,
            settings=settings,
            server=self._server_calls(),
            clock_note=self.clock_note,
            remembered=self.remembered,
        )
        if self.sync is not None:
            # What a pull brings, announced to every view; then the sync starts on this loop.
            self.sync.on_rows_received = self.context.changes.announce
            self.sync.start()
        if dialog.user.role == Role.SALES:
            from ui.pipeline.sales_window import SalesWindow

            self.window = SalesWindow(
                self.context, on_sign_out=self._signed_out, status_widgets=widgets
            )
        else:
            self.window = MainWindow(
                self.context,
                on_sign_out=self._signed_out,
                status_widgets=widgets,
                open_sales=self._open_sales_window,
            )
        if self.sync:
            window = self.window
            QShortcut(QKeySequence("F9"), window, activated=self.sync.sync_now)
            if self.sync.offline_note:
                window.say(self.sync.offline_note)
        self.window.show()
        return True

    def _open_sales_window(self) -> None:
        assert self.window is not None and self.context is not None
        if self.sales_window is None:
            from ui.pipeline.sales_window import SalesWindow

            self.sales_window = SalesWindow(self.context)
        self.sales_window.show()
        self.sales_window.raise_()

    def _server_calls(self) -> ServerCalls:
        """The server's commands for the screens; none on a workstation without a server."""
        if self.sync is None:
            return ServerCalls()
        api = self.sync.api

        async def demand_history(selection: DemandSelection) -> DemandHistory:
            return history_from_json(await api.demand_history(selection.to_json()))

        return ServerCalls(
            redispatch=api.dispatch_leads,
            invoice_run=api.invoice_run,
            debit_run=api.debit_run,
            credit_note=api.credit_note,
            sign_in_locks=api.sign_in_locks,
            unlock_sign_in=api.unlock_sign_in,
            set_account_active=api.set_account_active,
            demand_history=demand_history,
            search_leads=api.search_leads,
            lead_detail=api.lead_detail,
        )

    def _show_conflicts(self) -> None:
        assert self.window is not None and self.sync is not None and self.context is not None
        # A choice announces what it changed: the windows showing that row refresh themselves.
        ConflictsDialog(self.context, self.sync.sync_now, self.window).exec()

    def _close_windows(self) -> None:
        for window in (self.sales_window, self.window):
            if window is not None:
                window.close()
                window.deleteLater()
        self.sales_window = self.window = None
        if self.context is not None:
            self.context.close()
            self.context = None

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
        self._sign_in_operations.shutdown()
        if self.local_workspace is not None:
            self.local_workspace.close()
