"""The workstation's local database file: find it, open it safely, create it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, text
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

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"


def default_workspace_path() -> Path:
    return Path(platformdirs.user_data_dir("CRM Leads", "crm-leads")) / "workspace.sqlite"


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
