"""The workstation's link to the central server: sign-in, tracking, the background sync."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx

from app.clock import Clock
from app.domain.errors import ActionRefused
from app.services.auth import StaffMember, sign_in
from app.workspace import Workspace
from sync.engine import ServerApi, SyncEngine, SyncState, SyncStatus
from sync.local_store import LocalStore, apply_engine
from sync.online_sign_in import (
    ServerUnreachable,
    SignInRefused,
    remember_account,
    sign_in_online,
)
from sync.token_store import TokenStore
from sync.tracking import ChangeTracker, workstation_clock
from ui.sync_indicator import SyncIndicator

log = logging.getLogger(__name__)
SYNC_INTERVAL_SECONDS = 5.0


class SyncSession:
    def __init__(self, workspace: Workspace, server_url: str, clock: Clock) -> None:
        self.workspace = workspace
        self.server_url = server_url.rstrip("/")
        hlc = workstation_clock(workspace.sessions, clock)
        self.tracker = ChangeTracker(workspace.sessions, hlc, clock)
        self.store = LocalStore(apply_engine(f"sqlite:///{workspace.path}"), hlc)
        self.tokens = TokenStore(workspace.path.parent)
        self.token: str | None = None
        self.offline_note = ""
        self.indicator: SyncIndicator | None = None
        self.on_rows_received: Callable[[], None] = lambda: None
        self._client = httpx.AsyncClient(
            base_url=self.server_url, timeout=httpx.Timeout(60.0, connect=3.0)
        )
        self.api = ServerApi(self._client)
        self.engine = SyncEngine(self.store, self.api, clock, on_status=self._status)
        self._task: asyncio.Task[None] | None = None
        self._sign_out_task: asyncio.Future[None] | None = None
        self._cursor_seen = self.store.cursor()

    def authenticate(self, username: str, password: str) -> StaffMember:
        """Online when the server answers; otherwise offline against this workstation."""
        try:
            online = sign_in_online(self.server_url, username, password)
        except SignInRefused as refused:
            raise ActionRefused(str(refused)) from None
        except ServerUnreachable as exc:
            log.warning("server unreachable at sign-in (%s): signing in offline", exc)
            try:
                member = sign_in(self.workspace.sessions, username, password)
            except ActionRefused as refused:
                raise ActionRefused(
                    "Serveur injoignable, et connexion hors ligne impossible : "
                    f"{refused.message} (un compte doit s'être connecté une fois en ligne "
                    "sur ce poste)."
                ) from None
            self.offline_note = "Connexion hors ligne : le serveur ne répond pas."
            self.token = self.tokens.load(username)
            self._signed_in(member)
            return member
        remember_account(self.workspace.engine, online.member, password)
        self.tokens.save(username, online.token)
        self.token = online.token
        self.offline_note = ""
        self._signed_in(online.member)
        return online.member

    def _signed_in(self, member: StaffMember) -> None:
        self.tracker.user_id = member.id
        self.api.token = self.token
        self.start()

    def sign_out(self, username: str) -> None:
        self.tokens.delete(username)
        if self.api.token:
            self._sign_out_task = asyncio.ensure_future(self._sign_out_quietly())

    async def _sign_out_quietly(self) -> None:
        try:
            await self.api.sign_out()
        except Exception as exc:
            log.warning("sign-out not sent to the server: %s", exc)
        self.api.token = None

    def start(self) -> None:
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
        if status.state == SyncState.SYNCED or status.progress is not None:
            cursor = self.store.cursor()
            if cursor != self._cursor_seen:
                self._cursor_seen = cursor
                self.on_rows_received()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._client.aclose()
        self.store.engine.dispose()
