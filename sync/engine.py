"""The workstation's sync engine: push the outbox, then pull pages, on an asyncio loop.

Database work runs in a worker thread (asyncio.to_thread) so the Qt loop stays responsive.
Every step is safe to interrupt: an outbox entry is dropped only after the server answered
for it, and a page and its cursor are written in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx

from app.clock import Clock, utc_now
from sync.local_store import LocalStore
from sync.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

PUSH_BATCH = 500
PULL_PAGE = 2000


class SyncState(StrEnum):
    IDLE = "idle"
    SYNCING = "syncing"
    SYNCED = "synced"
    OFFLINE = "offline"
    ERROR = "error"
    OUTDATED = "outdated"
    SIGNED_OUT = "signed_out"


@dataclass(frozen=True)
class SyncStatus:
    state: SyncState = SyncState.IDLE
    waiting: int = 0
    refused: int = 0
    offline_since: datetime | None = None
    message: str = ""
    # (rows received, rows expected) during a download, else None.
    progress: tuple[int, int] | None = None
    last_synced_at: datetime | None = None
    # Same-field conflicts on this workstation waiting for someone's choice.
    conflicts: int = 0


class ServerOutdatedError(Exception):
    """Client and server speak different schema versions: the workstation must update."""


class NotSignedIn(Exception):
    pass


class ForeignWorkspace(Exception):
    """The workspace belongs to another account than the one signed in: nothing is pushed."""


class ServerRefused(Exception):
    """The server refused a command (4xx) and said why, in French, for the user."""


class ServerApi:
    """The HTTP calls, with the token and schema version on each."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.token: str | None = None
        # The account the token was given to: the outbox is pushed for it only.
        self.user_id: uuid.UUID | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"X-Schema-Version": str(SCHEMA_VERSION)}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def _check(self, response: httpx.Response) -> Any:
        if response.status_code == 426:
            raise ServerOutdatedError(response.json().get("detail", ""))
        if response.status_code == 401:
            raise NotSignedIn(response.json().get("detail", "Connexion requise."))
        if 400 <= response.status_code < 500:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = None
            if isinstance(detail, str):
                raise ServerRefused(detail)
        response.raise_for_status()
        return response.json() if response.content else None

    async def hello(self) -> dict[str, Any]:
        data = await self._check(await self.client.get("/api/v1/hello"))
        if data["schema"] != SCHEMA_VERSION:
            raise ServerOutdatedError(
                "Le serveur et ce poste n'ont pas la même version : installez la mise à jour."
            )
        return data

    async def sign_in(self, username: str, password: str) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/auth/sign-in", json={"username": username, "password": password}
        )
        data = await self._check(response)
        self.token = data["token"]
        self.user_id = uuid.UUID(data["user"]["id"])
        return data

    async def sign_out(self) -> None:
        if self.token:
            await self._check(
                await self.client.post("/api/v1/auth/sign-out", headers=self._headers())
            )
            self.token = None

    async def push(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        body = {"batch": str(uuid.uuid4()), "ops": ops}
        response = await self.client.post("/api/v1/sync/push", json=body, headers=self._headers())
        return (await self._check(response))["results"]

    async def demand_history(self, selection: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/demand/history", json=selection, headers=self._headers(), timeout=30
        )
        return await self._check(response)  # type: ignore[no-any-return]

    async def dispatch_leads(self, lead_ids: list[str]) -> dict[str, Any]:
        """Ask the server to place released leads again (managers)."""
        response = await self.client.post(
            "/api/v1/dispatch/leads",
            json={"lead_ids": lead_ids},
            headers=self._headers(),
            timeout=60,
        )
        return await self._check(response)  # type: ignore[no-any-return]

    async def invoice_run(self, month: str, issue: bool) -> dict[str, Any]:
        """Preview (drafts) or issue a month's invoices (managers)."""
        response = await self.client.post(
            "/api/v1/invoicing/runs",
            json={"month": month, "issue": issue},
            headers=self._headers(),
            timeout=300,
        )
        return await self._check(response)  # type: ignore[no-any-return]

    async def debit_run(self, collection_date: str) -> dict[str, Any]:
        """Record the direct debits due on a date; the answer holds the file's lines."""
        response = await self.client.post(
            "/api/v1/collection/debit-runs",
            json={"collection_date": collection_date},
            headers=self._headers(),
            timeout=300,
        )
        return await self._check(response)  # type: ignore[no-any-return]

    async def credit_note(
        self, invoice_id: str, reason: str, net_cents: int | None = None
    ) -> dict[str, Any]:
        """A credit note on an issued invoice: all of it, or `net_cents` excl. VAT (managers)."""
        response = await self.client.post(
            f"/api/v1/invoicing/invoices/{invoice_id}/credit-note",
            json={"reason": reason, "net_cents": net_cents},
            headers=self._headers(),
            timeout=60,
        )
        return await self._check(response)  # type: ignore[no-any-return]

    async def search_leads(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        """Every lead the server finds for the text, whatever its state (experts, managers):
        rows for app.services.leads.queue.row_from_search_result."""
        response = await self.client.get(
            "/api/v1/leads/search",
            params={"q": text, "limit": limit},
            headers=self._headers(),
            timeout=15,
        )
        return (await self._check(response))["leads"]  # type: ignore[no-any-return]

    async def lead_detail(self, lead_id: str) -> dict[str, Any]:
        """A lead's detail as the panel shows it, for app.services.leads.lead_detail's
        lead_detail_from_json."""
        response = await self.client.get(
            f"/api/v1/leads/{lead_id}", headers=self._headers(), timeout=15
        )
        return await self._check(response)  # type: ignore[no-any-return]

    async def sign_in_locks(self) -> dict[str, Any]:
        """Accounts and addresses with recent failed sign-ins (managers and admins)."""
        response = await self.client.get("/api/v1/auth/locks", headers=self._headers())
        return await self._check(response)  # type: ignore[no-any-return]

    async def unlock_sign_in(self, kind: str, subject: str) -> None:
        response = await self.client.post(
            "/api/v1/auth/locks/unlock",
            json={"kind": kind, "subject": subject},
            headers=self._headers(),
        )
        await self._check(response)

    async def set_account_active(self, user_id: str, active: bool) -> None:
        """Disable or re-enable an account; the server refuses what the actor may not do."""
        action = "enable" if active else "disable"
        response = await self.client.post(
            f"/api/v1/users/{user_id}/{action}", headers=self._headers()
        )
        await self._check(response)

    async def pull(
        self, cursor: int, limit: int, removes_after: int | None = None
    ) -> dict[str, Any]:
        """One page after `cursor`. `removes_after` on a first download's later pages: the
        head its first page saw (the server lists no removes of rows unchanged since, which
        this workstation was never sent)."""
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if removes_after is not None:
            params["removes_after"] = removes_after
        response = await self.client.get(
            "/api/v1/sync/pull", params=params, headers=self._headers()
        )
        return await self._check(response)


# What a pulled page changed on this workstation: table name -> ids of the rows.
RowsReceived = Callable[[Mapping[str, frozenset[uuid.UUID]]], None]


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        api: ServerApi,
        clock: Clock = utc_now,
        on_status: Callable[[SyncStatus], None] | None = None,
        pull_page: int = PULL_PAGE,
        on_rows: RowsReceived | None = None,
    ) -> None:
        """`on_rows`: called on the loop after each pulled page with what it changed here
        (table name -> row ids), so that the screens showing those rows refresh."""
        self.store = store
        self.pull_page = pull_page
        self.api = api
        self._clock = clock
        self._on_status = on_status or (lambda _s: None)
        self.on_rows: RowsReceived = on_rows or (lambda _rows: None)
        self.status = SyncStatus()
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def _set(self, **changes: Any) -> None:
        self.status = replace(self.status, **changes)
        self._on_status(self.status)

    async def sync_once(self) -> None:
        """Push everything waiting, then pull until caught up. Raises on network errors."""
        async with self._lock:
            self._set(state=SyncState.SYNCING, message="")
            hello = await self.api.hello()
            await self._learn_server_time(hello)
            await self._push_all()
            await self._pull_all()
            waiting, refused = await asyncio.to_thread(self.store.counts)
            conflicts = await asyncio.to_thread(self.store.open_conflicts)
            self._set(
                state=SyncState.SYNCED,
                conflicts=conflicts,
                waiting=waiting,
                refused=refused,
                offline_since=None,
                progress=None,
                last_synced_at=self._clock(),
                message=(f"{refused} modification(s) refusée(s) par le serveur" if refused else ""),
            )

    async def _push_all(self) -> None:
        owner = await asyncio.to_thread(self.store.owner)
        if owner is not None and owner != self.api.user_id:
            raise ForeignWorkspace(
                "Cet espace de travail appartient à un autre compte : ses modifications ne "
                "sont pas envoyées sous votre connexion."
            )
        stalled = 0
        while True:
            batch = await asyncio.to_thread(self.store.pending_batch, PUSH_BATCH, self.api.user_id)
            if not batch:
                return
            results = await self.api.push([p.payload for p in batch])
            restamped = await asyncio.to_thread(self.store.acknowledge, results)
            # Edits refused for their clock are stamped again and pushed once more; a batch of
            # nothing else, twice, waits for the next sync (and its server time).
            stalled = stalled + 1 if restamped == len(batch) else 0
            if stalled > 1:
                return

    async def _learn_server_time(self, hello: dict[str, Any]) -> None:
        """Hold this workstation's clock back to the server's (a fast wall clock would
        otherwise stamp edits the server refuses)."""
        try:
            server_time = datetime.fromisoformat(hello["server_time"])
        except (KeyError, TypeError, ValueError):
            log.warning("server time missing from hello: clock not checked")
            return
        if server_time.tzinfo is None:
            log.warning("server time without zone: clock not checked")
            return
        await asyncio.to_thread(self.store.learn_server_time, server_time)

    async def _pull_all(self) -> None:
        cursor = await asyncio.to_thread(self.store.cursor)
        # Set while on a first download: the head its first page saw.
        first = await asyncio.to_thread(self.store.first_download_head)
        start = cursor
        while True:
            page = await self.api.pull(cursor, self.pull_page, removes_after=first)
            if page["schema"] != SCHEMA_VERSION:
                raise ServerOutdatedError("Version du serveur différente : mise à jour requise.")
            if page["cursor"] == cursor:  # caught up
                if first is not None:
                    await asyncio.to_thread(self.store.end_first_download)
                return
            if cursor == 0:
                first = page["head"]
            applied = await asyncio.to_thread(self.store.apply_page, page, first)
            if applied.rows:
                self.on_rows(applied.rows)
            cursor = page["cursor"]
            total = max(page["head"] - start, 1)
            self._set(progress=(cursor - start, total))
            if not page["more"] and not page["tables"] and not page["removes"]:
                return

    def sync_soon(self) -> None:
        """Ask the running loop to sync now (after a local edit, or the user's request)."""
        self._wake.set()

    async def run(self, interval: float = 5.0, max_backoff: float = 60.0) -> None:
        """Sync at start, every `interval` seconds, and on demand; back off when offline."""
        delay = interval
        failures = 0
        while True:
            try:
                await self.sync_once()
                failures, delay = 0, interval
            except ServerOutdatedError as exc:
                self._set(state=SyncState.OUTDATED, message=str(exc), progress=None)
                return
            except ForeignWorkspace as exc:
                log.error(
                    "push refused: workspace of %s, token of %s",
                    "another account",
                    self.api.user_id,
                )
                self._set(state=SyncState.ERROR, message=str(exc), progress=None)
                return
            except NotSignedIn as exc:
                self._set(state=SyncState.SIGNED_OUT, message=str(exc), progress=None)
                delay = max_backoff
            except Exception as exc:  # network, server or local: reported, retried with backoff
                failures += 1
                delay = min(max_backoff, 2 ** min(failures, 6) * 0.5)
                waiting, refused = await asyncio.to_thread(self.store.counts)
                offline = isinstance(exc, httpx.TransportError)
                if isinstance(exc, httpx.HTTPError):
                    log.warning("sync failed (%s), retry in %.1f s", exc, delay)
                else:
                    log.exception("sync failed unexpectedly, retry in %.1f s", delay)
                self._set(
                    state=SyncState.OFFLINE if offline else SyncState.ERROR,
                    waiting=waiting,
                    refused=refused,
                    offline_since=self.status.offline_since or self._clock(),
                    message="" if offline else f"Erreur de synchronisation : {exc}",
                    progress=None,
                )
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
