"""Who may write which row, in which state, under whose name: the row-level rules of a push.

sync.schema says which tables a client may insert into and which fields it may edit at all;
server.scope which tables each role writes to. This module adds, per row: whether the user may
insert or edit it in its current state, which fields their role may change, and the author
fields, which come from the token. Contract terms and collection rows have their own checks
(server.contracts, server.collection), called after these. Each refusal is a French reason
shown on the workstation; it refuses that operation alone.

E expert, R sales rep, M manager and admin; "author" = the author field is the token's user.

| table                   | insert                  | edit                       | delete   |
|-------------------------|-------------------------|----------------------------|----------|
| leads                   | - (intake)              | E M (1)                    | -        |
| call_attempts           | E M, author, any lead   | its caller, while pending  | -        |
| callbacks               | E M, open lead (2)      | E M, open lead (3)         | E M (3)  |
| lead_status_changes     | E M, author (4)         | -                          | -        |
| oppositions             | E M, author, any lead   | -                          | -        |
| providers, provider_contacts/categories/zones | R M | R M                 | R M      |
| provider_activities     | R M, author             | R M, author kept           | R M      |
| provider_changes        | R M, author             | -                          | -        |
| saved_searches          | its owner               | its owner                  | its owner|
| contracts and terms     | R M (server.contracts)  | R M (server.contracts)     | drafts'  |
| contract_events         | R M, author             | -                          | -        |
| contract_requests       | R M, author, pending    | - (the server answers)     | -        |
| lead_disputes           | R M, author (filer)     | R M, author (5)            | -        |
| sepa_mandates           | R M (server.collection) | revocation only            | -        |
| payments, reminders     | R M, author (server.collection) | -                  | -        |
| sync_conflicts          | - (the server)          | its winner or loser, author| -        |

(1) app.domain.lead_lifecycle: an expert edits open leads only, a manager any but released
    ones; a changed status follows its transition table. Reps never touch leads.
(2) an expert plans callbacks for themself; a manager for anyone.
(3) once the lead has left the queue, only finishing a pending callback (done, cancelled):
    closing a lead finishes its callbacks, and the workstation's edits arrive in any order.
(4) on a lead the user may edit, a move the state machine allows that role.
(5) a rep decides an open dispute once (accepted or refused); a manager may reverse it.
Calls and oppositions are recorded whatever the lead's state: the law counts every call.

No row is born deleted. Managers and admins write every table under the same row rules.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.domain.disputes import DisputeStatus
from app.domain.enums import OPEN_STATUSES, CallbackStatus, Disposition, LeadStatus, Role
from app.domain.lead_lifecycle import LeadFacts, may_edit, transition_refusal
from app.persistence.models import ContractVersion, Lead, Provider
from server.scope import UserScope
from sync.schema import BY_NAME, INSERT_AUTHORS

# Facts: what happened is never deleted by a client (a mistake is corrected by another entry).
FACTS = frozenset(
    {
        "leads",
        "journey_events",
        "call_attempts",
        "lead_status_changes",
        "oppositions",
        "provider_changes",
        "contract_events",
        "contract_requests",
        "lead_sales",
        "lead_disputes",
        "payments",
        "payment_reminders",
        "sepa_mandates",
    }
)

# Who made a later step of the row: (author column, the fields whose change it signs).
EDIT_AUTHORS: dict[str, tuple[str, frozenset[str]]] = {
    "leads": ("qualified_by_id", frozenset({"qualified_at"})),
    "lead_disputes": ("decided_by_id", frozenset({"status", "decided_at", "decision_note"})),
    "sync_conflicts": ("resolved_by_id", frozenset({"resolved", "resolved_at"})),
}

_MANAGERS = (Role.MANAGER, Role.ADMIN)
_FINISHING_FIELDS = frozenset({"updated_at", "status", "completed_at"})
_FINISHED = frozenset({CallbackStatus.DONE, CallbackStatus.CANCELLED})
_NOT_YOURS = "Hors de votre périmètre : {}."


def insert_refusal(
    scope: UserScope, table: str, values: dict[str, Any], session: Session
) -> str | None:
    """Why this user may not insert this row, or None. Fills in the author fields."""
    if not scope.may_write(table):
        return _NOT_YOURS.format("votre rôle n'écrit pas dans cette table")
    if values.get("deleted"):
        return "Un enregistrement ne peut pas être créé supprimé."
    author = INSERT_AUTHORS.get(table)
    if author is not None:
        refused = _sign(scope, values, author)
        if refused:
            return refused
    refused = _missing_parent(values, session)
    if refused:
        return refused
    if table == "saved_searches" and not scope.sees_all and values.get("owner_id") != scope.user_id:
        return _NOT_YOURS.format("une recherche s'enregistre à votre nom")
    if table == "callbacks":
        if values.get("assigned_to_id") is None:
            values["assigned_to_id"] = scope.user_id
        if scope.role not in _MANAGERS and values["assigned_to_id"] != scope.user_id:
            return _NOT_YOURS.format("un expert planifie ses propres rappels")
        return _lead_closed_to(scope, session.get(Lead, values.get("lead_id")), open_only=True)
    if table == "lead_status_changes":
        refused = _lead_closed_to(scope, session.get(Lead, values.get("lead_id")))
        if refused:
            return refused
        start, wanted = _status(values.get("from_status")), _status(values.get("to_status"))
        if start is None or wanted is None:
            return "Statut de lead inconnu dans l'historique."
        return transition_refusal(scope.role, start, wanted)
    return None


def edit_refusal(
    scope: UserScope, table: str, row: Any, values: dict[str, Any], session: Session
) -> str | None:
    """Why this user may not make this edit to this row, or None. Fills in the author field
    of the step the edit makes (qualification, decision, resolution)."""
    if not scope.may_write(table):
        return _NOT_YOURS.format("votre rôle n'écrit pas dans cette table")
    spec = BY_NAME[table]
    if spec.append_only:
        return "Enregistrement non modifiable : un fait se corrige par une nouvelle saisie."
    if table in FACTS and "deleted" in values:
        return "Un fait ne se supprime pas depuis un poste."
    author = INSERT_AUTHORS.get(table)
    if author in values and values[author] != getattr(row, author):
        return "L'auteur d'un enregistrement ne change pas."
    if table in EDIT_AUTHORS:
        column, signed = EDIT_AUTHORS[table]
        if column in values or signed.intersection(values):
            refused = _sign(scope, values, column)
            if refused:
                return refused
    if table == "leads":
        return _lead_refusal(scope, row, values)
    if table == "call_attempts":
        # A call is completed once, with its outcome, by the person who made it.
        if row.caller_id != scope.user_id or row.disposition != Disposition.PENDING:
            return _NOT_YOURS.format("seul son auteur donne l'issue d'un appel en cours")
        return None
    if table == "callbacks":
        return _callback_refusal(scope, row, values, session)
    if table == "lead_disputes":
        return _decision_refusal(scope, row, values)
    if scope.sees_all:
        return None
    if table == "sync_conflicts" and scope.user_id not in (row.winner_user_id, row.loser_user_id):
        return _NOT_YOURS.format("ce conflit n'est pas le vôtre")
    owners = (
        (row.owner_id, values.get("owner_id", row.owner_id)) if table == "saved_searches" else ()
    )
    if any(owner != scope.user_id for owner in owners):
        return _NOT_YOURS.format("cette recherche n'est pas la vôtre")
    return None


def _sign(scope: UserScope, values: dict[str, Any], column: str) -> str | None:
    """The author is the signed-in user: set when absent, refused when it is someone else."""
    pushed = values.get(column)
    if pushed is None:
        values[column] = scope.user_id
        return None
    if pushed != scope.user_id:
        return "Vous ne pouvez pas enregistrer au nom d'un autre utilisateur."
    return None


def _missing_parent(values: dict[str, Any], session: Session) -> str | None:
    for column, model in (
        ("lead_id", Lead),
        ("provider_id", Provider),
        ("version_id", ContractVersion),
    ):
        parent = values.get(column)
        if parent is not None and session.get(model, parent) is None:
            return _NOT_YOURS.format("l'enregistrement lié est inconnu du serveur")
    return None


def _status(value: Any) -> LeadStatus | None:
    try:
        return LeadStatus(value)
    except ValueError:
        return None


def _lead_closed_to(scope: UserScope, lead: Lead | None, open_only: bool = False) -> str | None:
    """Why this user may not add to or change this lead, or None. `open_only`: what belongs
    to the call queue only (a callback)."""
    if lead is None:
        return _NOT_YOURS.format("lead inconnu du serveur")
    current = _status(lead.status)
    if (
        lead.deleted
        or current is None
        or not may_edit(scope.role, current)
        or (open_only and current not in OPEN_STATUSES)
    ):
        if scope.role == Role.SALES:
            return _NOT_YOURS.format("les commerciaux ne modifient pas les leads")
        return "Ce lead est déjà libéré ou clos : il n'est plus modifiable depuis un poste."
    return None


def _lead_refusal(scope: UserScope, row: Lead, values: dict[str, Any]) -> str | None:
    refused = _lead_closed_to(scope, row)
    if refused or "status" not in values:
        return refused
    current, wanted = _status(row.status), _status(values["status"])
    if current is None or wanted is None:
        return "Statut de lead inconnu."

    def after(name: str) -> Any:
        return values[name] if name in values else getattr(row, name)

    facts = LeadFacts(
        qualified=after("qualified_at") is not None,
        contact_verified=bool(after("contact_verified")),
        close_reason=after("close_reason"),
    )
    return transition_refusal(scope.role, current, wanted, facts)


def _callback_refusal(
    scope: UserScope, row: Any, values: dict[str, Any], session: Session
) -> str | None:
    refused = _lead_closed_to(scope, session.get(Lead, row.lead_id), open_only=True)
    if refused is None:
        return None
    # Closing or releasing a lead finishes its pending callbacks, in whatever order the
    # workstation's edits arrive: that much is allowed once the lead has left the expert.
    finishing = (
        set(values) <= _FINISHING_FIELDS
        and row.status == CallbackStatus.PENDING
        and values.get("status") in _FINISHED
    )
    return None if finishing else refused


def _decision_refusal(scope: UserScope, row: Any, values: dict[str, Any]) -> str | None:
    if scope.role in _MANAGERS:
        return None  # a manager may reverse a decision (server.disputes withdraws the credit)
    if row.status != DisputeStatus.OPEN:
        return "Cette contestation a déjà été tranchée."
    if "status" in values and values["status"] not in (
        DisputeStatus.ACCEPTED,
        DisputeStatus.REFUSED,
    ):
        return "Une contestation se tranche : acceptée ou refusée."
    return None
