"""A lead closed on an expert's workstation leaves it (the sync scope holds open leads), and
the server's search still finds it, with its state (issue 13, item 9)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from app.clock import utc_now
from app.domain.enums import CloseReason, LeadStatus, Role
from app.persistence.models import Lead
from app.services.auth import StaffMember
from app.services.leads.lead_actions import LeadActions
from app.services.leads.lead_detail import lead_detail_from_json
from app.services.leads.queue import QueueReader, row_from_search_result
from sync.engine import ServerRefused
from tests.e2e.harness import Workstation


def _ask(station: Workstation, call):  # type: ignore[no-untyped-def]
    return asyncio.run(station._run(lambda engine: call(engine.api)))


def test_a_lead_closed_here_is_found_on_the_server_with_its_state(workstation) -> None:
    expert = workstation("expert1")
    expert.sync()
    with expert.sessions() as session:
        lead = session.scalars(select(Lead).order_by(Lead.number)).first()
    assert expert.user_id is not None
    member = StaffMember(expert.user_id, "expert1", "Expert1", Role.EXPERT)
    LeadActions(expert.sessions, utc_now, member).close(lead.id, CloseReason.ALREADY_HIRED)
    expert.sync()  # pushed, then removed from this workstation: no longer in its scope
    assert expert.get(Lead, lead.id) is None
    assert QueueReader(expert.sessions, utc_now).search(str(lead.number)) == []

    found = _ask(expert, lambda api: api.search_leads(str(lead.number), 50))
    rows = [row_from_search_result(r) for r in found]
    assert [(r.lead_id, r.status) for r in rows] == [(lead.id, LeadStatus.CLOSED)]
    detail = lead_detail_from_json(_ask(expert, lambda api: api.lead_detail(str(lead.id))))
    assert detail.close_reason == CloseReason.ALREADY_HIRED
    assert detail.status_history[0].to_status == LeadStatus.CLOSED

    rep = workstation("sales1")
    with pytest.raises(ServerRefused, match="commerciaux"):
        _ask(rep, lambda api: api.search_leads(str(lead.number), 50))
