"""What each role may change, and which rows each user receives.

The server enforces both; the workstation UI only hides. Experts receive the open leads (the
qualification queue) with their journeys, callbacks and status history, plus every call
attempt and opposition (the legal call limits count calls to a phone number over all its
requests). Sales reps receive every provider with its contacts, categories, zones, activities
and audit (duplicate detection on import must see the whole market, and a rep must see that a
prospect is already someone else's), their own saved searches, every contract with its
versions, requests and disputes, the lead sales and the credits, the invoices and what
collects them (mandates, debit batches, payments, reminders), which they also record. Leads
stay on the server (the demand simulation asks the server for its counts), and so does the
unsold list.
Managers and admins receive everything. A changed row outside a user's scope is sent as a *remove*.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import OPEN_STATUSES, Role
from app.persistence.models import Lead

_EVERYONE = frozenset({"users", "sectors", "categories", "sites"})
_LEAD_CHILDREN = frozenset({"journey_events", "callbacks", "lead_status_changes"})
_EXPERT_GLOBAL = frozenset({"call_attempts", "oppositions"})
_PROVIDER_TABLES = frozenset(
    {
        "providers",
        "provider_contacts",
        "provider_categories",
        "provider_zones",
        "provider_activities",
        "provider_changes",
    }
)
_CONTRACT_TABLES = frozenset(
    {
        "contracts",
        "contract_versions",
        "contract_prices",
        "contract_zones",
        "contract_events",
        "contract_requests",
        "lead_disputes",
    }
)
# What reps record of collection: mandates, payments received, rejects, reminders sent.
_COLLECTION_TABLES = frozenset({"sepa_mandates", "payments", "payment_reminders"})
# What reps receive beyond what they write: the sales of leads and the credits they gave.
_SALES_READ = (
    _PROVIDER_TABLES
    | _CONTRACT_TABLES
    | {
        "lead_sales",
        "provider_credits",
        "invoices",
        "invoice_lines",
        "debit_batches",
    }
    | _COLLECTION_TABLES
)
# Tables a role may write to through a push (fields: sync.schema; rows: server.rights).
_WRITABLE = {
    Role.EXPERT: frozenset(
        {
            "leads",
            "call_attempts",
            "callbacks",
            "lead_status_changes",
            "oppositions",
            "sync_conflicts",
        }
    ),
    Role.SALES: _PROVIDER_TABLES
    | _CONTRACT_TABLES
    | _COLLECTION_TABLES
    | {"saved_searches", "sync_conflicts"},
}


@dataclass(frozen=True)
class UserScope:
    user_id: uuid.UUID
    role: Role

    @property
    def sees_all(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    def may_write(self, table: str) -> bool:
        return self.sees_all or table in _WRITABLE.get(self.role, frozenset())

    def visible(
        self, session: Session, table: str, rows: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[uuid.UUID]]:
        """Split changed rows into (sent, removed ids) for this user."""
        if self.sees_all or table in _EVERYONE:
            return rows, []
        if self.role == Role.EXPERT:
            if table in _EXPERT_GLOBAL:
                return rows, []
            if table == "leads":
                return _split(rows, lambda r: r["status"] in OPEN_STATUSES)
            if table in _LEAD_CHILDREN:
                open_leads = _open_leads(session, (r["lead_id"] for r in rows))
                return _split(rows, lambda r: r["lead_id"] in open_leads)
        if self.role == Role.SALES and table in _SALES_READ:
            return rows, []
        if table == "saved_searches":
            return _split(rows, lambda r: r["owner_id"] == self.user_id)
        if table == "sync_conflicts":
            return _split(rows, lambda r: self.user_id in (r["winner_user_id"], r["loser_user_id"]))
        return [], [r["id"] for r in rows]


def _split(rows: list[dict[str, Any]], keep: Any) -> tuple[list[dict[str, Any]], list[uuid.UUID]]:
    kept, removed = [], []
    for row in rows:
        (kept if keep(row) else removed).append(row)
    return kept, [r["id"] for r in removed]


def _open_leads(session: Session, lead_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    ids = list(set(lead_ids))
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        found.update(
            session.scalars(
                select(Lead.id).where(
                    Lead.id.in_(ids[start : start + 500]), Lead.status.in_(OPEN_STATUSES)
                )
            )
        )
    return found
