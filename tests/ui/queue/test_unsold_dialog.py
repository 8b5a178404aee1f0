"""The managers' unsold list: reasons, counts, and the server's answer to a new placement."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.dispatch.matching import UnsoldReason
from app.persistence.models import Lead, UnsoldLead
from tests.conftest import submit_lead
from tests.ui.conftest import settle
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.queue.unsold_dialog import ID_ROLE, UnsoldDialog


def _context(workspace, clock, expert) -> AppContext:  # type: ignore[no-untyped-def]
    return AppContext(workspace, expert, clock, lambda _url: True)


def test_unsold_leads_are_listed_with_their_reason_and_placed_again(
    qtbot, qtmodeltester, workspace, clock, expert
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

    dialog = UnsoldDialog(_context(workspace, clock, expert), redispatch)
    qtbot.addWidget(dialog)
    settle(qtbot, dialog)
    assert dialog.count.text() == "2 lead(s)"
    qtmodeltester.check(dialog.model)
    model = dialog.list.model()
    texts = {model.index(i, 4).data() for i in range(2)}
    assert any("Aucun contrat actif" in t for t in texts)
    assert any("Plafonds" in t for t in texts)

    assert dialog.place_selected() is None
    assert "Sélectionnez" in dialog.status.text()
    for i in range(2):
        if model.index(i, 0).data() == f"n° {number}":
            dialog.list.selectRow(i)
    assert dialog.selected_leads() == [ids[0]]
    # The answer needs no real wait: the coroutine runs to its end on the first step.
    step = dialog._place([str(x) for x in dialog.selected_leads()])
    with pytest.raises(StopIteration):
        step.send(None)
    assert asked == [[str(ids[0])]]
    assert dialog.status.text().startswith("1 lead(s) vendu(s), 0 toujours invendu(s)")


def test_without_a_server_the_button_says_why(qtbot, workspace, clock, expert) -> None:  # type: ignore[no-untyped-def]
    dialog = UnsoldDialog(_context(workspace, clock, expert), None)
    qtbot.addWidget(dialog)
    settle(qtbot, dialog)
    assert not dialog.place.isEnabled() and "serveur" in dialog.place.toolTip()
    assert dialog.count.text() == "0 lead(s)"


def test_the_list_follows_the_changes_announced_and_sorts(qtbot, workspace, clock, expert) -> None:  # type: ignore[no-untyped-def]
    """A sync that brings unsold rows says so on the change bus: the list reads them again."""
    dialog = UnsoldDialog(_context(workspace, clock, expert), None)
    qtbot.addWidget(dialog)
    settle(qtbot, dialog)
    assert dialog.model.rowCount() == 0
    ids = [submit_lead(workspace, phone=p) for p in ("06 11 11 11 11", "06 22 22 22 22")]
    with workspace.sessions.begin() as session:
        for lead_id in ids:
            session.add(
                UnsoldLead(lead_id=lead_id, reason=UnsoldReason.NO_COVERAGE, recorded_at=clock())
            )
        numbers = sorted(session.scalars(select(Lead.number).where(Lead.id.in_(ids))))
    dialog.context.changes.announce(Changes.tables_only("unsold_leads"))
    settle(qtbot, dialog)
    assert dialog.model.rowCount() == 2 and dialog.count.text() == "2 lead(s)"
    dialog.list.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    view = dialog.list.model()
    assert [view.index(i, 0).data() for i in range(2)] == [f"n° {n}" for n in numbers[::-1]]
    assert view.index(0, 0).data(ID_ROLE) in ids
