"""The life cycle of a lead: which status changes each role may make, and what they need.

One table serves the expert's actions on a workstation (app.services.leads.lead_actions) and the
server when a pushed lead edit changes `status` (server.rights), so a script cannot do what
the app would refuse.

Transitions a person may make (E expert, M manager and admin; sales reps hold no leads):

| from \\ to  | to_qualify | callback | qualified | released | closed |
|------------|------------|----------|-----------|----------|--------|
| to_qualify | -          | E M      | E M (1)   | E M (2)  | E M (3)|
| callback   | E M        | -        | E M (1)   | E M (2)  | E M (3)|
| qualified  | E M        | E M      | -         | E M (2)  | E M (3)|
| released   |            |          |           | -        |        |
| closed     | M (4)      |          |           |          | -      |

(1) the lead has been re-qualified (`qualified_at` set).
(2) re-qualified and its contact details confirmed with the consumer (`contact_verified`).
(3) with a close reason.
(4) a lead closed by mistake goes back to the queue; never one closed on an opposition
    (the consumer asked never to be called again).

A released lead belongs to the server (dispatch sells it to providers): no one changes its
status or its fields from a workstation. A closed lead is out of the expert's hands: only a
manager reopens it. The server itself (intake, dispatch) is not bound by this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.enums import LEAD_STATUS_LABELS, OPEN_STATUSES, CloseReason, LeadStatus, Role
from app.domain.errors import ActionRefused

_OPEN_MOVES = {
    start: frozenset(OPEN_STATUSES | {LeadStatus.RELEASED, LeadStatus.CLOSED}) - {start}
    for start in OPEN_STATUSES
}
_EXPERT_MOVES: dict[LeadStatus, frozenset[LeadStatus]] = dict(_OPEN_MOVES)
_MANAGER_MOVES: dict[LeadStatus, frozenset[LeadStatus]] = {
    **_OPEN_MOVES,
    LeadStatus.CLOSED: frozenset({LeadStatus.TO_QUALIFY}),
}
TRANSITIONS: dict[Role, dict[LeadStatus, frozenset[LeadStatus]]] = {
    Role.EXPERT: _EXPERT_MOVES,
    Role.SALES: {},
    Role.MANAGER: _MANAGER_MOVES,
    Role.ADMIN: _MANAGER_MOVES,
}


@dataclass(frozen=True)
class LeadFacts:
    """What the guards of a transition read, as the lead will be once the change is made."""

    qualified: bool
    contact_verified: bool
    close_reason: str | None


def allowed_moves(role: Role, current: LeadStatus) -> frozenset[LeadStatus]:
    return TRANSITIONS.get(role, {}).get(current, frozenset())


def may_edit(role: Role, current: LeadStatus) -> bool:
    """Whether this role may change a lead's fields in this status (its status included)."""
    if role == Role.EXPERT:
        return current in OPEN_STATUSES
    if role in (Role.MANAGER, Role.ADMIN):
        return current != LeadStatus.RELEASED
    return False


def transition_refusal(
    role: Role, current: LeadStatus, wanted: LeadStatus, facts: LeadFacts | None = None
) -> str | None:
    """Why this role may not move a lead from `current` to `wanted`, or None (French).

    Without facts only the table is checked (an audit row of a status change says nothing of
    the lead's fields)."""
    if current == wanted:
        return None
    if wanted not in allowed_moves(role, current):
        return (
            f"Passage « {LEAD_STATUS_LABELS[current]} » → « {LEAD_STATUS_LABELS[wanted]} » "
            "non autorisé pour votre rôle."
        )
    if facts is None:
        return None
    if wanted == LeadStatus.QUALIFIED and not facts.qualified:
        return "Un lead doit être requalifié avant d'être marqué qualifié."
    if wanted == LeadStatus.RELEASED:
        if not facts.qualified:
            return "Un lead doit être requalifié avant d'être libéré."
        if not facts.contact_verified:
            return "Vérifiez les coordonnées avec le consommateur avant de libérer."
    if wanted == LeadStatus.CLOSED and not facts.close_reason:
        return "Un lead se clôt avec un motif."
    if current == LeadStatus.CLOSED and facts.close_reason == CloseReason.OPPOSITION:
        return "Ce consommateur s'est opposé aux appels : son lead reste clos."
    return None


def check_transition(
    role: Role, current: LeadStatus, wanted: LeadStatus, facts: LeadFacts | None = None
) -> None:
    """Raise ActionRefused when the move is not allowed (for the services)."""
    refused = transition_refusal(role, current, wanted, facts)
    if refused:
        raise ActionRefused(refused)
