"""The lead state machine (app.domain.lead_lifecycle), and the service that follows it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain.enums import OPEN_STATUSES, CloseReason, LeadStatus, Role
from app.domain.errors import ActionRefused
from app.domain.lead_lifecycle import LeadFacts, may_edit, transition_refusal
from app.persistence.models import Lead, LeadStatusChange
from app.services.leads.lead_actions import LeadActions
from tests.conftest import add_user, submit_lead

READY = LeadFacts(qualified=True, contact_verified=True, close_reason="not_interested")


@pytest.mark.parametrize("role", [Role.EXPERT, Role.SALES, Role.MANAGER, Role.ADMIN])
@pytest.mark.parametrize("wanted", list(LeadStatus))
def test_a_released_lead_is_the_servers(role: Role, wanted: LeadStatus) -> None:
    if wanted != LeadStatus.RELEASED:
        assert transition_refusal(role, LeadStatus.RELEASED, wanted, READY)
    assert not may_edit(role, LeadStatus.RELEASED)


@pytest.mark.parametrize("wanted", sorted(OPEN_STATUSES | {LeadStatus.RELEASED}))
def test_an_expert_never_reopens_a_closed_lead(wanted: LeadStatus) -> None:
    assert transition_refusal(Role.EXPERT, LeadStatus.CLOSED, wanted, READY)
    assert not may_edit(Role.EXPERT, LeadStatus.CLOSED)


def test_a_manager_reopens_a_lead_closed_by_mistake_but_not_an_opposition() -> None:
    mistake = LeadFacts(False, False, CloseReason.DUPLICATE)
    opposed = LeadFacts(False, False, CloseReason.OPPOSITION)
    reopen = LeadStatus.CLOSED, LeadStatus.TO_QUALIFY
    assert transition_refusal(Role.MANAGER, *reopen, mistake) is None
    assert transition_refusal(Role.ADMIN, *reopen, opposed)
    assert transition_refusal(Role.MANAGER, LeadStatus.CLOSED, LeadStatus.RELEASED, READY)
    assert may_edit(Role.MANAGER, LeadStatus.CLOSED)


@pytest.mark.parametrize("start", sorted(OPEN_STATUSES))
def test_sales_reps_move_no_lead(start: LeadStatus) -> None:
    for wanted in LeadStatus:
        if wanted != start:
            assert transition_refusal(Role.SALES, start, wanted, READY)
    assert not may_edit(Role.SALES, start)


@pytest.mark.parametrize("start", sorted(OPEN_STATUSES))
def test_the_guards_of_qualify_release_and_close(start: LeadStatus) -> None:
    raw = LeadFacts(qualified=False, contact_verified=False, close_reason=None)
    unverified = LeadFacts(qualified=True, contact_verified=False, close_reason=None)
    if start != LeadStatus.QUALIFIED:
        assert transition_refusal(Role.EXPERT, start, LeadStatus.QUALIFIED, raw)
    assert transition_refusal(Role.EXPERT, start, LeadStatus.RELEASED, raw)
    assert transition_refusal(Role.EXPERT, start, LeadStatus.RELEASED, unverified)
    assert transition_refusal(Role.EXPERT, start, LeadStatus.CLOSED, raw)
    for wanted in LeadStatus:
        assert transition_refusal(Role.EXPERT, start, wanted, READY) is None


def test_the_service_follows_the_state_machine_for_a_rep(workspace, clock) -> None:
    """A rep's session (the same app, another role) cannot close or move a lead."""
    lead = submit_lead(workspace)
    rep = LeadActions(workspace.sessions, clock, add_user(workspace, "sales9", Role.SALES))
    with pytest.raises(ActionRefused):
        rep.close(lead, CloseReason.DUPLICATE)
    with workspace.sessions() as session:
        assert session.get(Lead, lead).status == LeadStatus.TO_QUALIFY
        assert not session.scalars(select(LeadStatusChange)).all()
