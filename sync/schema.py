"""Which tables sync, in foreign-key order, and how each of their fields takes part.

One registry serves the workstation (what to record in the outbox, what to apply from a pull)
and the server (what a client may push, what it merges, what it recomputes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Table, Uuid

from app.persistence.models import (
    Base,
    CallAttempt,
    Callback,
    Category,
    Contract,
    ContractEvent,
    ContractPrice,
    ContractRequest,
    ContractVersion,
    ContractZone,
    DebitBatch,
    Invoice,
    InvoiceLine,
    JourneyEvent,
    Lead,
    LeadDispute,
    LeadSale,
    LeadStatusChange,
    Opposition,
    Payment,
    PaymentReminder,
    Provider,
    ProviderActivity,
    ProviderCategory,
    ProviderChange,
    ProviderContact,
    ProviderCredit,
    ProviderZone,
    SavedSearch,
    Sector,
    SepaMandate,
    Site,
    SyncConflict,
    UnsoldLead,
    User,
)
from app.persistence.types import UTCDateTime

# Raised by either side when the other speaks another schema: the client must be updated.
SCHEMA_VERSION = 7

# Columns that describe the row's sync state rather than its content.
BOOKKEEPING = frozenset({"id", "server_seq", "hlc", "field_clocks"})


@dataclass(frozen=True)
class SyncedTable:
    name: str
    model: type[Base]
    # Inserted once, never edited: no merge, no conflict possible.
    append_only: bool = False
    # Clients may insert rows / edit these fields; anything else is refused by the server.
    client_inserts: bool = False
    client_fields: frozenset[str] = frozenset()
    # Never leave the machine they are on (a workstation's password hash).
    local_only: frozenset[str] = frozenset()
    # Computed from other rows on each side after a sync, never merged.
    derived: frozenset[str] = frozenset()

    @property
    def table(self) -> Table:
        return self.model.__table__  # type: ignore[return-value]

    @property
    def content_columns(self) -> list[str]:
        return [c.name for c in self.table.columns if c.name not in BOOKKEEPING]

    @property
    def wire_columns(self) -> list[str]:
        """Columns sent in a pull, in a fixed order."""
        return [c.name for c in self.table.columns if c.name not in self.local_only]


_LEAD_EDITABLE = frozenset(
    {
        "updated_at",
        "phone_e164",
        "email",
        "postcode",
        "city",
        "status",
        "qualified_budget_cents",
        "qualified_start",
        "qualified_scope",
        "qualification_note",
        "contact_verified",
        "qualified_at",
        "qualified_by_id",
        "close_reason",
        "close_comment",
        "closed_at",
    }
)


def _editable(model: type[Base]) -> frozenset[str]:
    """Every content field but the creation time: rows a sales rep owns end to end."""
    columns = model.__table__.columns  # type: ignore[attr-defined]
    return frozenset(c.name for c in columns if c.name not in BOOKKEEPING | {"created_at"})


TABLES: tuple[SyncedTable, ...] = (
    SyncedTable("users", User, local_only=frozenset({"password_hash"})),
    SyncedTable("sectors", Sector),
    SyncedTable("categories", Category),
    SyncedTable("sites", Site),
    SyncedTable(
        "leads",
        Lead,
        client_fields=_LEAD_EDITABLE,
        derived=frozenset(
            {"call_attempt_count", "priority_key", "search_name", "departement_code"}
        ),
    ),
    SyncedTable("journey_events", JourneyEvent, append_only=True),
    # Inserted when the call starts (it counts at once), then completed once with its outcome
    # by its caller only (server.rights): never two writers, so no conflict either.
    SyncedTable(
        "call_attempts",
        CallAttempt,
        client_inserts=True,
        client_fields=frozenset({"updated_at", "disposition", "duration_seconds", "notes"}),
    ),
    SyncedTable(
        "callbacks",
        Callback,
        client_inserts=True,
        client_fields=frozenset({"updated_at", "due_at", "status", "completed_at", "deleted"}),
    ),
    SyncedTable("lead_status_changes", LeadStatusChange, append_only=True, client_inserts=True),
    SyncedTable("oppositions", Opposition, append_only=True, client_inserts=True),
    SyncedTable("providers", Provider, client_inserts=True, client_fields=_editable(Provider)),
    *(
        SyncedTable(model.__tablename__, model, client_inserts=True, client_fields=_editable(model))
        for model in (ProviderContact, ProviderCategory, ProviderZone, ProviderActivity)
    ),
    SyncedTable("provider_changes", ProviderChange, append_only=True, client_inserts=True),
    SyncedTable(
        "saved_searches", SavedSearch, client_inserts=True, client_fields=_editable(SavedSearch)
    ),
    SyncedTable(
        "contracts",
        Contract,
        client_inserts=True,
        client_fields=frozenset({"updated_at", "owner_id"}),
    ),
    # Terms are frozen once signed and statuses past "signed" are the server's: server.contracts
    # checks both on every push.
    SyncedTable(
        "contract_versions",
        ContractVersion,
        client_inserts=True,
        client_fields=_editable(ContractVersion) - {"contract_id", "number"},
    ),
    *(
        SyncedTable(model.__tablename__, model, client_inserts=True, client_fields=_editable(model))
        for model in (ContractPrice, ContractZone)
    ),
    SyncedTable("contract_events", ContractEvent, append_only=True, client_inserts=True),
    SyncedTable("contract_requests", ContractRequest, client_inserts=True),
    SyncedTable("lead_sales", LeadSale, append_only=True),
    SyncedTable("unsold_leads", UnsoldLead),
    SyncedTable(
        "lead_disputes",
        LeadDispute,
        client_inserts=True,
        client_fields=frozenset(
            {"updated_at", "status", "decided_at", "decided_by_id", "decision_note"}
        ),
    ),
    SyncedTable("provider_credits", ProviderCredit),
    SyncedTable("invoices", Invoice),
    SyncedTable("invoice_lines", InvoiceLine),
    # A new bank account is a new mandate; the server stamps each mandate's last collection.
    SyncedTable(
        "sepa_mandates",
        SepaMandate,
        client_inserts=True,
        client_fields=frozenset({"updated_at", "revoked_on"}),
    ),
    SyncedTable("debit_batches", DebitBatch),
    SyncedTable("payments", Payment, append_only=True, client_inserts=True),
    SyncedTable("payment_reminders", PaymentReminder, append_only=True, client_inserts=True),
    SyncedTable(
        "sync_conflicts",
        SyncConflict,
        client_fields=frozenset({"updated_at", "resolved", "resolved_by_id", "resolved_at"}),
    ),
)
BY_NAME = {t.name: t for t in TABLES}

# Who made the row: the signed-in user, set by the server (server.rights) when absent, refused
# when it differs, never edited.
INSERT_AUTHORS: dict[str, str] = {
    "call_attempts": "caller_id",
    "callbacks": "created_by_id",
    "lead_status_changes": "user_id",
    "oppositions": "recorded_by_id",
    "provider_activities": "user_id",
    "provider_changes": "user_id",
    "contract_events": "user_id",
    "contract_requests": "requested_by_id",
    "lead_disputes": "filed_by_id",
    "payments": "recorded_by_id",
    "payment_reminders": "sent_by_id",
}

# Insert columns the server fills in when a workstation leaves them out: the authors, and the
# expert a callback is for (the one who plans it, unless a manager assigns it).
SERVER_FILLED: dict[str, frozenset[str]] = {
    **{table: frozenset({column}) for table, column in INSERT_AUTHORS.items()},
    "callbacks": frozenset({INSERT_AUTHORS["callbacks"], "assigned_to_id"}),
}

BY_MODEL: dict[type[Base], SyncedTable] = {t.model: t for t in TABLES}


# -- values on the wire -----------------------------------------------------------------------


def _decoder(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, Uuid):
        return lambda v: None if v is None else uuid.UUID(v)
    if isinstance(column_type, UTCDateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(column_type, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


_DECODERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    t.name: {c.name: _decoder(c.type) for c in t.table.columns} for t in TABLES
}


def encode(value: Any) -> Any:
    """A column value as JSON (UUIDs and datetimes as text)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return value


def decode(table: str, column: str, value: Any) -> Any:
    return _DECODERS[table][column](value)


# -- per-field clocks ---------------------------------------------------------------------------
# field_clocks holds {field: [hlc, user id or null]} for fields edited after the row was made;
# a field absent from it carries the row's own `hlc` (its creation) and no known author.


def field_clock(clocks: dict[str, Any], field: str, row_hlc: str) -> tuple[str, str | None]:
    entry = clocks.get(field)
    if entry is None:
        return row_hlc, None
    return entry[0], entry[1]


def set_field_clock(
    clocks: dict[str, Any], field: str, stamp: str, user_id: uuid.UUID | str | None
) -> None:
    clocks[field] = [stamp, None if user_id is None else str(user_id)]
