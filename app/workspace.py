"""The workstation's local database file: find it, open it safely, create it."""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.persistence.database import (
    current_revision,
    head_revision,
    known_revisions,
    make_engine,
    make_session_factory,
    migrate,
    sqlite_url,
)
from app.persistence.models import OutboxEntry, SyncState, User

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"


def default_workspace_path() -> Path:
    return default_workstation_folder() / "workspace.sqlite"


def default_workstation_folder() -> Path:
    return Path(platformdirs.user_data_dir("CRM Leads", "crm-leads"))


class WorkspaceProblem(StrEnum):
    MISSING = "missing"
    CORRUPT = "corrupt"
    TOO_NEW = "too_new"


class WorkspaceError(Exception):
    def __init__(self, problem: WorkspaceProblem, message: str, detail: str = "") -> None:
        super().__init__(detail or message)
        self.problem = problem
        self.message = message  # French, for the user
        self.detail = detail  # English, for the log


@dataclass
class Workspace:
    path: Path
    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def open_workspace(path: Path) -> Workspace:
    """Open an existing workspace, upgrading its schema if it is older than the app."""
    if not path.exists():
        raise WorkspaceError(
            WorkspaceProblem.MISSING,
            f"L'espace de travail est introuvable :\n{path}",
            f"workspace file not found: {path}",
        )
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise WorkspaceError(
            WorkspaceProblem.CORRUPT, f"Impossible de lire l'espace de travail :\n{path}", str(exc)
        ) from exc
    if header != SQLITE_HEADER:
        raise WorkspaceError(
            WorkspaceProblem.CORRUPT,
            "Ce fichier n'est pas un espace de travail valide (fichier endommagé ou d'un autre "
            "type).",
            f"bad SQLite header in {path}: {header!r}",
        )
    engine = make_engine(sqlite_url(path))
    try:
        with engine.connect() as connection:
            connection.execute(text("PRAGMA schema_version")).scalar()
            connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
        revision = current_revision(engine)
    except (DatabaseError, OperationalError) as exc:
        engine.dispose()
        raise WorkspaceError(
            WorkspaceProblem.CORRUPT,
            "L'espace de travail est endommagé et ne peut pas être ouvert.",
            f"cannot read {path}: {exc}",
        ) from exc
    if revision is None:
        engine.dispose()
        raise WorkspaceError(
            WorkspaceProblem.CORRUPT,
            "Ce fichier SQLite n'est pas un espace de travail du CRM.",
            f"no alembic revision in {path}",
        )
    if revision not in known_revisions():
        engine.dispose()
        raise WorkspaceError(
            WorkspaceProblem.TOO_NEW,
            "Cet espace de travail a été créé par une version plus récente du CRM. "
            "Mettez l'application à jour.",
            f"unknown schema revision {revision} in {path}",
        )
    if revision != head_revision():
        log.info("upgrading workspace %s from %s to %s", path, revision, head_revision())
        migrate(engine)
    return Workspace(path, engine, make_session_factory(engine))


def create_workspace(path: Path, reference_data: bool = True) -> Workspace:
    """A new, empty workspace with the current schema and (unless it will come from the
    central server by sync) the reference data."""
    from app.services.reference_data import install_reference_data

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise FileExistsError(path)
    engine = make_engine(sqlite_url(path))
    migrate(engine)
    workspace = Workspace(path, engine, make_session_factory(engine))
    if reference_data:
        with workspace.sessions.begin() as session:
            install_reference_data(session)
    return workspace


# -- one workspace per account ----------------------------------------------------------------

ACCOUNTS_FILE = "accounts.json"
OWNER_KEY = "owner"
CURSOR_KEY = "cursor"


@dataclass(frozen=True)
class KnownAccount:
    """An account that signed in on this workstation (online at least once)."""

    id: uuid.UUID
    username: str
    display_name: str
    role: str
    last_sign_in: datetime


class WorkstationFolder:
    """The accounts that signed in on this PC, and one workspace file per account.

    Office PCs are shared: each account works in its own file, named by its id, so that
    one user's pull cursor, scope and unsent changes never mix with another's. The small
    registry (accounts.json) lets an account sign in offline: it finds its workspace.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._registry = folder / ACCOUNTS_FILE

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self._registry.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"accounts": {}}
        except (OSError, ValueError) as exc:
            log.warning("unreadable account registry %s: %s", self._registry, exc)
            return {"accounts": {}}
        return data if isinstance(data.get("accounts"), dict) else {"accounts": {}}

    def _write(self, data: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self._registry.with_name(self._registry.name + ".tmp")
        partial.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        partial.replace(self._registry)

    def accounts(self) -> list[KnownAccount]:
        """Most recent sign-in first."""
        known = []
        for user_id, entry in self._read()["accounts"].items():
            try:
                known.append(
                    KnownAccount(
                        uuid.UUID(user_id),
                        entry["username"],
                        entry.get("display_name", entry["username"]),
                        entry.get("role", ""),
                        datetime.fromisoformat(entry["last_sign_in"]),
                    )
                )
            except (KeyError, ValueError, TypeError):
                log.warning("skipping a damaged entry of %s: %r", self._registry, entry)
        return sorted(known, key=lambda a: a.last_sign_in, reverse=True)

    def find(self, username: str) -> KnownAccount | None:
        wanted = username.strip().casefold()
        return next((a for a in self.accounts() if a.username.casefold() == wanted), None)

    def last_username(self) -> str | None:
        return self._read().get("last_username")

    def remember(
        self, user_id: uuid.UUID, username: str, display_name: str, role: str, at: datetime
    ) -> None:
        data = self._read()
        data["accounts"][str(user_id)] = {
            "username": username,
            "display_name": display_name,
            "role": role,
            "last_sign_in": at.isoformat(),
        }
        data["last_username"] = username
        self._write(data)

    def remember_last(self, username: str) -> None:
        """The user to pre-select at the next sign-in (also without a server)."""
        data = self._read()
        data["last_username"] = username
        self._write(data)

    def workspace_path(self, user_id: uuid.UUID) -> Path:
        return self.folder / f"{user_id}.sqlite"


def workspace_owner(workspace: Workspace) -> uuid.UUID | None:
    """The account this workspace belongs to (None: not yet claimed, or a local demo)."""
    with workspace.sessions() as session:
        value = session.scalar(select(SyncState.value).where(SyncState.key == OWNER_KEY))
    return uuid.UUID(value) if value else None


def claim_workspace(workspace: Workspace, user_id: uuid.UUID) -> None:
    with workspace.sessions.begin() as session:
        session.merge(SyncState(key=OWNER_KEY, value=str(user_id)))


def _move_database(source: Path, target: Path) -> None:
    source.rename(target)
    for suffix in ("-wal", "-shm"):
        side = source.with_name(source.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))


def _is_account_file(path: Path) -> bool:
    try:
        uuid.UUID(path.stem)
    except ValueError:
        return False
    return True


def _unsent_author(workspace: Workspace) -> uuid.UUID | None:
    """Whose unsent work a workspace holds: the author of most waiting changes, else of the
    latest change (refused ones included), else None."""
    with workspace.sessions() as session:
        waiting = session.execute(
            select(OutboxEntry.user_id, func.count())
            .where(OutboxEntry.rejected_reason.is_(None), OutboxEntry.user_id.is_not(None))
            .group_by(OutboxEntry.user_id)
            .order_by(func.count().desc(), func.max(OutboxEntry.seq).desc())
        ).first()
        if waiting is not None:
            return waiting[0]
        return session.scalar(
            select(OutboxEntry.user_id)
            .where(OutboxEntry.user_id.is_not(None))
            .order_by(OutboxEntry.seq.desc())
            .limit(1)
        )


def adopt_shared_workspace(folder: WorkstationFolder, shared: Path, now: datetime) -> None:
    """Give the single workspace of an installation that predates per-account workspaces to
    the account whose unsent work it holds; set it aside (kept) when it holds none.

    The adopted file downloads its owner's scope again from the start (its cursor may have
    followed another account's scope); its unsent changes are pushed first, under the
    owner's token only. Changes other accounts left in it are never pushed (see the sync
    engine's guard).
    """
    if not shared.exists() or _is_account_file(shared):
        return
    try:
        workspace = open_workspace(shared)
    except WorkspaceError as error:
        log.warning("shared workspace %s not adopted: %s", shared, error.detail)
        return
    try:
        owner = workspace_owner(workspace) or _unsent_author(workspace)
        user = None
        if owner is not None:
            with workspace.sessions() as session:
                user = session.get(User, owner)
                user = (user.username, user.display_name, str(user.role)) if user else None
        target = folder.workspace_path(owner) if owner and user else None
        if target is not None and not target.exists():
            claim_workspace(workspace, owner)  # type: ignore[arg-type]
            with workspace.sessions.begin() as session:
                session.execute(delete(SyncState).where(SyncState.key == CURSOR_KEY))
    finally:
        workspace.close()
    if target is not None and not target.exists() and user is not None:
        _move_database(shared, target)
        folder.remember(owner, *user, at=now)  # type: ignore[arg-type]
        log.warning("shared workspace %s adopted by %s as %s", shared, user[0], target)
        return
    stamp = now.strftime("%Y%m%d-%H%M%S")
    kept = shared.with_name(f"{shared.name}.avant-comptes-{stamp}")
    _move_database(shared, kept)
    log.warning(
        "shared workspace %s holds no unsent work of a known account: kept as %s", shared, kept
    )


def unsent_changes(path: Path) -> int | None:
    """How many changes a damaged file still holds for the server, or None if it cannot
    be read far enough to tell."""
    if not path.exists():
        return 0
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = connection.execute(
            "SELECT count(*) FROM sync_outbox WHERE rejected_reason IS NULL"
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return int(row[0])
