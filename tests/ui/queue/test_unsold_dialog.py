"""The managers' unsold list: reasons, counts, and the server's answer to a new placement."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.dispatch.matching import UnsoldReason
from app.persistence.models import Lead, UnsoldLead
from app.services.leads.unsold import UnsoldQueries
from tests.conftest import submit_lead
from ui.queue.unsold_dialog import UnsoldDialog


def test_unsold_leads_are_listed_with_their_reason_and_placed_again(
    qtbot, workspace, clock
) -> None:  # type: ignore[no-untyped-def]
    ids = [submit_lead(workspace, phone=p) for p in ("06 11 11 11 11", "06 22 22 22 22")]
    with workspace.sessions.begin() as session:
        reasons = (UnsoldReason.NO_COVERAGE, UnsoldReason.CAPS_REACHED)
        for lead_id, reason in zip(ids, reasons, strict=True):
            session.add(UnsoldLead(lead_id=lead_id, reason=reason, recorded_at=clock()))
        number = session.scalar(select(Lead.number).where(Lead.id == ids[0]))
    asked: list[list[str]] = []

    async def redispatch(lead_ids: list[str]) -> dict:
        asked.append(lead_ids)
        return {"placed": [{"lead_id": lead_ids[0], "sold_to": ["x"], "unsold_reason": None}]}

    dialog = UnsoldDialog(UnsoldQueries(workspace.sessions), redispatch)
    qtbot.addWidget(dialog)
    assert dialog.count.text() == "2 lead(s)"
    texts = {dialog.list.topLevelItem(i).text(4) for i in range(2)}
    assert any("Aucun contrat actif" in t for t in texts)
    assert any("Plafonds" in t for t in texts)

    assert dialog.place_selected() is None
    assert "Sélectionnez" in dialog.status.text()
    for i in range(2):
        if dialog.list.topLevelItem(i).text(0) == f"n° {number}":
            dialog.list.topLevelItem(i).setSelected(True)
    # The answer needs no real wait: the coroutine runs to its end on the first step.
    step = dialog._place([str(x) for x in dialog.selected_leads()])
    with pytest.raises(StopIteration):
        step.send(None)
    assert asked == [[str(ids[0])]]
    assert dialog.status.text().startswith("1 lead(s) vendu(s), 0 toujours invendu(s)")


def test_without_a_server_the_button_says_why(qtbot, workspace) -> None:  # type: ignore[no-untyped-def]
    dialog = UnsoldDialog(UnsoldQueries(workspace.sessions), None)
    qtbot.addWidget(dialog)
    assert not dialog.place.isEnabled() and "serveur" in dialog.place.toolTip()
    assert dialog.count.text() == "0 lead(s)"
