"""The one search definition (workstation and server) and the lead detail as JSON."""

from __future__ import annotations

from datetime import timedelta

import orjson
from sqlalchemy import select

from app.domain.enums import Disposition, LeadStatus
from app.persistence.models import Lead
from app.services.leads.lead_actions import CallbackRequest, LeadActions
from app.services.leads.lead_detail import (
    lead_detail_from_json,
    lead_detail_to_json,
    load_lead_detail,
)
from app.services.leads.queue import (
    QueueReader,
    find_leads,
    name_prefix,
    row_from_search_result,
    search_results,
)
from tests.conftest import submit_lead


def _names(workspace, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    with workspace.sessions() as session:
        return sorted(r.full_name.split()[0] for r in find_leads(session, text))


def test_a_name_prefix_finds_exactly_the_names_starting_with_it(workspace) -> None:  # type: ignore[no-untyped-def]
    for n, name in enumerate(("Lez", "Lézard", "Lf", "Lezz", "Le Zouave", "Ley", "Dupont")):
        submit_lead(workspace, last_name=name, phone=f"06 11 22 33 {n:02d}")
    assert _names(workspace, "lez") == ["LEZ", "LEZZ", "LÉZARD"]
    assert _names(workspace, "lezz") == ["LEZZ"]
    assert _names(workspace, "le z") == ["LE"]  # "LE Zouave": the key is "le zouave jean"
    assert _names(workspace, "ley") == ["LEY"]
    assert _names(workspace, "l") == ["LE", "LEY", "LEZ", "LEZZ", "LF", "LÉZARD"]


def test_the_prefix_range_raises_a_letter_every_collation_orders() -> None:
    """No bound made of punctuation ("~", "{"), which linguistic collations sort first."""

    def upper(key: str) -> str | None:
        compiled = name_prefix(Lead.search_name, key).compile()
        if " < " not in str(compiled):
            return None
        return compiled.params["search_name_2"]  # type: ignore[no-any-return]

    assert upper("lez") == "lf"
    assert upper("dupont je") == "dupont jf"
    assert upper("a9") == "b"
    assert upper("zz") is None  # no safe bound: LIKE alone


def test_search_results_round_trip_as_the_queue_rows_of_the_server(  # type: ignore[no-untyped-def]
    workspace, clock, expert
) -> None:
    lead = submit_lead(workspace, last_name="Closier")
    actions = LeadActions(workspace.sessions, clock, expert)
    actions.log_call(lead, Disposition.NOT_INTERESTED, clock(), 30)  # which closes it
    local = QueueReader(workspace.sessions, clock).search("closier")[0]
    with workspace.sessions() as session:
        (sent,) = orjson.loads(orjson.dumps(search_results(session, "closier")))
    assert sent["status"] == "closed" and sent["last_outcome"] == "not_interested"
    row = row_from_search_result(sent)
    assert row.from_server and row.last_outcome == Disposition.NOT_INTERESTED
    for field in ("lead_id", "number", "submitted_at", "full_name", "phone_e164", "status"):
        assert getattr(row, field) == getattr(local, field), field
    assert row.call == local.call  # not open: never callable


def test_a_lead_detail_round_trips_through_json(workspace, clock, expert) -> None:  # type: ignore[no-untyped-def]
    lead = submit_lead(workspace)
    actions = LeadActions(workspace.sessions, clock, expert)
    actions.log_call(
        lead,
        Disposition.CALLBACK_REQUESTED,
        clock(),
        45,
        "Rappeler",
        CallbackRequest(clock() + timedelta(hours=2), True, "Le consommateur propose 12 h"),
    )
    actions.record_opposition(lead, "Ne plus appeler")
    detail = load_lead_detail(workspace.sessions, lead, clock)
    assert detail is not None and detail.status == LeadStatus.CLOSED
    assert detail.calls and detail.callbacks and detail.status_history
    sent = orjson.loads(orjson.dumps(lead_detail_to_json(detail)))
    assert lead_detail_from_json(sent) == detail
    with workspace.sessions() as session:
        assert session.scalar(select(Lead.status).where(Lead.id == lead)) == "closed"
