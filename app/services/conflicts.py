"""Sync conflicts as people see them: both values, who and when, and the choice between them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.errors import ActionRefused
from app.persistence.models import Base, Callback, Lead, SyncConflict, User
from app.persistence.types import UTCDateTime

_MODELS: dict[str, type[Base]] = {"leads": Lead, "callbacks": Callback}
FIELD_LABELS = {
    "city": "Ville",
    "postcode": "Code postal",
    "phone_e164": "Téléphone",
    "email": "E-mail",
    "status": "Statut",
    "qualified_budget_cents": "Budget qualifié",
    "qualified_start": "Démarrage qualifié",
    "qualified_scope": "Périmètre du projet",
    "qualification_note": "Note de qualification",
    "contact_verified": "Coordonnées vérifiées",
    "close_reason": "Motif de clôture",
    "close_comment": "Commentaire de clôture",
    "due_at": "Date du rappel",
}


@dataclass(frozen=True)
class ConflictSide:
    value: Any
    user: str
    at: datetime | None


@dataclass(frozen=True)
class ConflictView:
    id: uuid.UUID
    record: str
    field: str
    kind: str
    kept: ConflictSide
    other: ConflictSide
    # The row in conflict: its table's name and id (what a resolution may change).
    table: str = ""
    row_id: uuid.UUID | None = None


def _stamp_time(stamp: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(stamp.split("-", 1)[0]) / 1000, UTC)
    except (ValueError, IndexError, OverflowError, OSError):
        return None  # unreadable, or a stamp beyond any date (shown without its time)


def _record_label(session: Session, table: str, row_id: uuid.UUID) -> str:
    if table == "leads":
        lead = session.get(Lead, row_id)
        if lead is not None:
            return f"Lead n° {lead.number} – {lead.last_name.upper()} {lead.first_name}"
    if table == "callbacks":
        return "Rappel planifié"
    return table


def open_conflicts(sessions: sessionmaker[Session]) -> list[ConflictView]:
    with sessions() as session:
        names = dict(session.execute(select(User.id, User.display_name)).all())
        rows = session.scalars(
            select(SyncConflict)
            .where(SyncConflict.resolved.is_(False), SyncConflict.deleted.is_(False))
            .order_by(SyncConflict.detected_at)
        )

        def side(value: str, user: uuid.UUID | None, stamp: str) -> ConflictSide:
            return ConflictSide(json.loads(value), names.get(user, "inconnu"), _stamp_time(stamp))

        return [
            ConflictView(
                c.id,
                _record_label(session, c.table_name, c.row_id),
                FIELD_LABELS.get(c.field, c.field),
                c.kind,
                side(c.winner_value, c.winner_user_id, c.winner_hlc),
                side(c.loser_value, c.loser_user_id, c.loser_hlc),
                c.table_name,
                c.row_id,
            )
            for c in rows
        ]


def _decode(model: type[Base], field: str, value: Any) -> Any:
    column = model.__table__.c[field]  # type: ignore[attr-defined]
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if column.type.python_type is uuid.UUID:
        return uuid.UUID(value)
    return value


def resolve_conflict(
    sessions: sessionmaker[Session],
    conflict_id: uuid.UUID,
    take_other: bool,
    user_id: uuid.UUID,
    clock: Clock,
) -> None:
    """Keep the value the server kept, or put the other one back (a new, ordinary edit)."""
    with sessions.begin() as session:
        conflict = session.get(SyncConflict, conflict_id)
        if conflict is None or conflict.resolved:
            raise ActionRefused("Ce conflit est déjà traité.")
        if take_other:
            model = _MODELS.get(conflict.table_name)
            row = session.get(model, conflict.row_id) if model else None
            if row is None or row.deleted:
                raise ActionRefused("L'enregistrement n'existe plus sur ce poste.")
            setattr(
                row,
                conflict.field,
                _decode(model, conflict.field, json.loads(conflict.loser_value)),
            )
        conflict.resolved = True
        conflict.resolved_by_id = user_id
        conflict.resolved_at = clock()
