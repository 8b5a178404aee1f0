"""Checks of a pushed operation that need the server's database: foreign keys.

A pushed row that names a lead, a user or a provider the server does not hold is refused with
a reason here, before the database would refuse it (which, unchecked, failed the whole batch).
The values' types, ranges and forms are checked earlier, without the database, by
sync.wire_schema.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.schema import SyncedTable


def unknown_reference(
    session: Session,
    spec: SyncedTable,
    values: dict[str, Any],
    known: set[tuple[str, uuid.UUID]],
) -> str | None:
    """Why a row's foreign keys cannot be stored (French), or None.

    `known` caches the references already found during this push (several call attempts name
    the same caller); a row inserted earlier in the same transaction is found too (autoflush).
    """
    for name, value in values.items():
        if value is None:
            continue
        for foreign_key in spec.table.columns[name].foreign_keys:
            target = foreign_key.column
            key = (target.table.name, value)
            if key in known:
                continue
            if session.execute(select(target).where(target == value).limit(1)).first() is None:
                return f"« {name} » désigne un enregistrement inconnu du serveur ({value})."
            known.add(key)
    return None
