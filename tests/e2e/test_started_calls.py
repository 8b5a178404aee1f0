"""A call is recorded when it starts and completed with its outcome, through the server."""

from __future__ import annotations

from sqlalchemy import select

from app.domain.enums import Disposition, Role
from app.domain.postcodes import zone_for_departement
from app.persistence.models import CallAttempt, Lead, OutboxEntry
from app.policy.calling_rules import DEFAULT_CALLING_RULES, next_calling_time
from app.services.auth import StaffMember
from app.services.leads.lead_actions import LeadActions
from tests.e2e.harness import Workstation, server_count


def _actions(station: Workstation, lead: Lead) -> LeadActions:
    """The expert's actions, at the next moment the law lets this lead be called."""
    assert station.user_id is not None
    member = StaffMember(station.user_id, station.username, station.username, Role.EXPERT)
    zone = zone_for_departement(lead.departement_code)
    at = next_calling_time(station.wall(), zone, DEFAULT_CALLING_RULES)
    return LeadActions(station.sessions, lambda: at, member)


def _lead(station: Workstation) -> Lead:
    with station.sessions() as session:
        return session.scalars(select(Lead).order_by(Lead.number)).first()


def test_a_started_call_counts_everywhere_before_its_outcome(workstation, server) -> None:
    a, b = workstation("expert1"), workstation("expert2")
    a.sync()
    b.sync()
    lead = _lead(a)
    started = _actions(a, lead).start_call(lead.id)
    a.sync()  # the window is closed mid-call: the attempt is already on the server
    b.sync()
    assert b.get(CallAttempt, started.attempt_id).disposition == Disposition.PENDING
    assert b.get(Lead, lead.id).call_attempt_count == 1
    # Another expert may not give an outcome to it.
    b.edit(CallAttempt, started.attempt_id, disposition=Disposition.QUALIFIED)
    b.sync()
    with b.sessions() as session:
        entry = session.scalars(select(OutboxEntry)).one()
    assert entry.rejected_reason and "périmètre" in entry.rejected_reason
    # Its caller does; it stays one attempt.
    _actions(a, lead).log_call(
        lead.id, Disposition.UNREACHABLE, started.started_at, 42, "Messagerie"
    )
    a.sync()
    assert a.waiting() == 0
    assert server_count(server.database_url, CallAttempt, lead_id=lead.id) == 1
    assert (
        server_count(server.database_url, CallAttempt, lead_id=lead.id, disposition="unreachable")
        == 1
    )
