"""Author fields of pushed rows (server.rights): every one of them is the token's user.

Fast and database-free: the author is checked before any row is read. The end-to-end cases
over HTTP are in tests/e2e/security/test_rights.py.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.domain.enums import Role
from server.rights import EDIT_AUTHORS, FACTS, INSERT_AUTHORS, edit_refusal, insert_refusal
from server.scope import UserScope
from sync.schema import TABLES

# Columns naming a user that are not "who did it": who owns or is assigned the row, which a
# manager may set for someone else (an expert's callback is checked in server.rights).
_NOT_AUTHORS = {
    ("callbacks", "assigned_to_id"),
    ("providers", "owner_id"),
    ("contracts", "owner_id"),
    ("saved_searches", "owner_id"),
}
_CLIENT_WRITABLE = [t for t in TABLES if t.client_inserts or t.client_fields]


class _NoRows:
    """A session that holds no row: what a check reading one would see."""

    def get(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def _user_columns(table: Any) -> set[str]:
    """Columns holding a user id: a foreign key to users, or a name saying so."""
    return {
        c.name
        for c in table.columns
        if any(fk.column.table.name == "users" for fk in c.foreign_keys)
        or c.name.endswith(("_by_id", "user_id"))
    }


def test_every_user_column_of_a_client_writable_table_is_an_author_or_an_owner() -> None:
    signed = set(INSERT_AUTHORS.items()) | {(t, column) for t, (column, _) in EDIT_AUTHORS.items()}
    for spec in _CLIENT_WRITABLE:
        for column in _user_columns(spec.table):
            if spec.name == "sync_conflicts" and column in ("winner_user_id", "loser_user_id"):
                continue  # written by the server only (not client fields)
            assert (spec.name, column) in signed | _NOT_AUTHORS, (spec.name, column)


@pytest.mark.parametrize(("table", "column"), sorted(INSERT_AUTHORS.items()))
def test_a_row_is_inserted_in_the_signed_in_users_name(table: str, column: str) -> None:
    me = UserScope(uuid.uuid4(), Role.MANAGER)  # a manager writes every table
    refused = insert_refusal(me, table, {column: uuid.uuid4()}, _NoRows())  # type: ignore[arg-type]
    assert refused and "au nom d'un autre" in refused
    values: dict[str, Any] = {}
    insert_refusal(me, table, values, _NoRows())  # type: ignore[arg-type]
    assert values[column] == me.user_id


@pytest.mark.parametrize(("table", "signed"), sorted(EDIT_AUTHORS.items()))
def test_a_step_is_signed_by_the_signed_in_user(
    table: str, signed: tuple[str, frozenset[str]]
) -> None:
    column, fields = signed
    me = UserScope(uuid.uuid4(), Role.MANAGER)
    status = "to_qualify" if table == "leads" else "open"
    row = type("Row", (), {column: None, "status": status, "deleted": False})()
    refused = edit_refusal(me, table, row, {column: uuid.uuid4()}, _NoRows())  # type: ignore[arg-type]
    assert refused and "au nom d'un autre" in refused
    values: dict[str, Any] = {sorted(fields)[0]: None}
    edit_refusal(me, table, row, values, _NoRows())  # type: ignore[arg-type]
    assert values[column] == me.user_id


@pytest.mark.parametrize("table", sorted(FACTS & {t.name for t in _CLIENT_WRITABLE}))
def test_no_fact_is_tombstoned_nor_born_deleted(table: str) -> None:
    me = UserScope(uuid.uuid4(), Role.ADMIN)
    assert insert_refusal(me, table, {"deleted": True}, _NoRows())  # type: ignore[arg-type]
    spec = next(t for t in TABLES if t.name == table)
    assert "deleted" not in spec.client_fields
