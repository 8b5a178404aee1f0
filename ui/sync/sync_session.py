"""The workstation's link to the central server: sign-in, tracking, the background sync.

With a server, the account comes first and the workspace second: each account that signs
in on this PC works in its own workspace file (app.workspace.WorkstationFolder), so that
another user signing in never pulls from someone else's cursor nor pushes their changes.

`AccountSignIn.authenticate` does its work (the server's answer, the argon2 check offline,
opening the workspace and reading its sync state) on the thread that calls it: the sign-in
dialog calls it on a worker thread. The sync session it prepares is started afterwards on
the UI thread's loop (`SyncSession.start`). What a pull brings is announced as `Changes`
(`on_rows_received`, wired by the session to the account's change bus).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from app.clock import Clock, utc_now
from app.domain.errors import ActionRefused
from app.services.auth import SignInUnavailable, StaffMember, sign_in
from app.workspace import (
    Workspace,
    WorkstationFolder,
    claim_workspace,
    create_workspace,
    workspace_owner,
)
from sync.engine import ServerApi, SyncEngine, SyncStatus
from sync.local_store import LocalStore, apply_engine
from sync.online_sign_in import (
    ServerUnreachable,
    SignInRefused,
    remember_account,
    sign_in_online,
)
from sync.token_store import TokenStore
from sync.tracking import ChangeTracker, workstation_clock
from ui.core.changes import Changes
from ui.sync.sync_indicator import SyncIndicator

log = logging.getLogger(__name__)
SYNC_INTERVAL_SECONDS = 5.0

# Opens an account's workspace file, offering a way out when it is damaged (None: quit).
WorkspaceOpener = Callable[[Path], Workspace | None]


def _nobody(_changes: Changes) -> None:
    """Until the session wires its change bus, nobody listens."""


class SyncSession:
    """One signed-in account's workspace and its background sync."""

    def __init__(
        self,
        workspace: Workspace,
        server_url: str,
        clock: Clock,
        member: StaffMember,
        token: str | None,
        offline_note: str = "",
    ) -> None:
        self.workspace = workspace
        self.member = member
        self.server_url = server_url.rstrip("/")
        hlc = workstation_clock(workspace.sessions, clock)
        self.tracker = ChangeTracker(workspace.sessions, hlc, clock)
        self.tracker.user_id = member.id
        self.store = LocalStore(apply_engine(f"sqlite:///{workspace.path}"), hlc)
        self.token = token
        self.offline_note = offline_note
        self.indicator: SyncIndicator | None = None
        # Told what each pulled page changed (the session announces it on its change bus).
        self.on_rows_received: Callable[[Changes], None] = _nobody
        self._client = httpx.AsyncClient(
            base_url=self.server_url, timeout=httpx.Timeout(60.0, connect=3.0)
        )
        self.api = ServerApi(self._client)
        self.api.token = token
        self.api.user_id = member.id
        self.engine = SyncEngine(
            self.store, self.api, clock, on_status=self._status, on_rows=self._rows
        )
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the background sync on the running loop (the UI thread's)."""
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self.engine.run(SYNC_INTERVAL_SECONDS))
        else:
            self.engine.sync_soon()

    def sync_now(self) -> None:
        self.engine.sync_soon()

    def make_indicator(self, on_conflicts: Callable[[], None]) -> SyncIndicator:
        self.indicator = SyncIndicator(self.sync_now, on_conflicts)
        self.indicator.show_status(self.engine.status)
        return self.indicator

    def _status(self, status: SyncStatus) -> None:
        if self.indicator is not None:
            self.indicator.show_status(status)

    def _rows(self, rows: Mapping[str, frozenset[uuid.UUID]]) -> None:
        self.on_rows_received(Changes(dict(rows)))

    async def close(self, sign_out: bool = False) -> None:
        """Stop syncing and let go of the workspace; what was not sent stays in its outbox
        and goes up under this account's token at its next sign-in. `sign_out` also
        revokes the token on the server (when it answers)."""
        self.indicator = None
        self.on_rows_received = _nobody
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if sign_out and self.api.token:
            try:
                await self.api.sign_out()
            except Exception as exc:
                log.warning("sign-out not sent to the server: %s", exc)
        await self._client.aclose()
        self.store.engine.dispose()
        self.workspace.close()


class AccountSignIn:
    """Signs an account in with the server, or offline with its own workspace on this PC,
    and opens that workspace's sync session (`session`)."""

    def __init__(
        self,
        folder: WorkstationFolder,
        server_url: str,
        open_workspace: WorkspaceOpener,
        clock: Clock = utc_now,
    ) -> None:
        self.folder = folder
        self.server_url = server_url.rstrip("/")
        self._open = open_workspace
        self._clock = clock
        self.tokens = TokenStore(folder.folder)
        self.session: SyncSession | None = None

    def authenticate(self, username: str, password: str) -> StaffMember:
        """Sign in and prepare `session` (not started). Blocking: call it on a worker thread."""
        try:
            online = sign_in_online(self.server_url, username, password)
        except SignInRefused as refused:
            raise ActionRefused(str(refused)) from None
        except ServerUnreachable as exc:
            log.warning("server unreachable at sign-in (%s): signing in offline", exc)
            return self._offline(username, password)
        member = online.member
        path = self.folder.workspace_path(member.id)
        if not path.exists():
            # A first sign-in of this account here: its workspace starts empty and the
            # first sync fills it with the account's scope.
            create_workspace(path, reference_data=False).close()
        workspace = self._opened(path)
        owner = workspace_owner(workspace)
        if owner is None:
            claim_workspace(workspace, member.id)
        elif owner != member.id:  # a file copied by hand: never push it under this token
            workspace.close()
            raise SignInUnavailable(
                f"L'espace de travail {path} appartient à un autre compte : connexion refusée."
            )
        remember_account(workspace.engine, member, password)
        self.tokens.save(member.username, online.token)
        self._signed_in(workspace, member, online.token, "")
        return member

    def _offline(self, username: str, password: str) -> StaffMember:
        account = self.folder.find(username)
        path = self.folder.workspace_path(account.id) if account else None
        if account is None or path is None or not path.exists():
            raise SignInUnavailable(
                "Le serveur ne répond pas, et ce compte ne s'est encore jamais connecté sur ce "
                "poste : la première connexion doit se faire en ligne. Vérifiez le réseau ou "
                "réessayez quand le serveur sera joignable."
            )
        workspace = self._opened(path)
        try:
            member = sign_in(workspace.sessions, account.username, password)
            if workspace_owner(workspace) not in (None, member.id):
                raise SignInUnavailable(
                    f"L'espace de travail {path} appartient à un autre compte : connexion refusée."
                )
        except ActionRefused as refused:
            workspace.close()
            if isinstance(refused, SignInUnavailable):
                raise
            raise ActionRefused(
                f"{refused.message} (connexion hors ligne : le serveur ne répond pas, le mot "
                "de passe est vérifié sur ce poste)"
            ) from None
        token = self.tokens.load(member.username)
        note = "Connexion hors ligne : le serveur ne répond pas."
        self._signed_in(workspace, member, token, note)
        return member

    def _opened(self, path: Path) -> Workspace:
        workspace = self._open(path)
        if workspace is None:
            raise SignInUnavailable(
                "L'espace de travail de ce compte n'a pas pu être ouvert. Détails dans le journal."
            )
        return workspace

    def _signed_in(
        self, workspace: Workspace, member: StaffMember, token: str | None, note: str
    ) -> None:
        self.folder.remember(
            member.id, member.username, member.display_name, str(member.role), self._clock()
        )
        # Started by the caller on the UI thread's loop once signed in (`SyncSession.start`).
        self.session = SyncSession(workspace, self.server_url, self._clock, member, token, note)

    def forget_token(self, username: str) -> None:
        self.tokens.delete(username)
