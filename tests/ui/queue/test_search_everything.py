"""Search finds every lead the user may see, closed and opposed ones too, with their state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from app.domain.enums import CloseReason
from app.services.leads.lead_actions import LeadActions
from tests.conftest import submit_lead
from ui.queue.main_window import MainWindow
from ui.queue.queue_model import COL_STATUS


@pytest.fixture
def leads(workspace, clock) -> list:  # type: ignore[no-untyped-def]
    return [
        submit_lead(workspace, submitted_at=clock() - timedelta(minutes=5), last_name="Aubert"),
        submit_lead(
            workspace,
            submitted_at=clock() - timedelta(minutes=50),
            last_name="Bernard",
            phone="0611111111",
        ),
        submit_lead(
            workspace,
            submitted_at=clock() - timedelta(hours=5),
            last_name="Carpentier",
            phone="0622222222",
        ),
    ]


def _window(qtbot, workspace, clock, expert) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(workspace, expert, clock, lambda _url: True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_a_closed_and_an_opposed_lead_are_found_with_their_state(  # type: ignore[no-untyped-def]
    qtbot, workspace, clock, expert, leads
) -> None:
    _first, closed, opposed = leads
    actions = LeadActions(workspace.sessions, clock, expert)
    actions.close(closed, CloseReason.NOT_INTERESTED)
    actions.record_opposition(opposed)
    window = _window(qtbot, workspace, clock, expert)
    for text, lead_id, state in (("bern", closed, "Clos"), ("0622222222", opposed, "Clos")):
        window.search.setText(text)
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
        assert window.model.rowCount() == 1, text
        assert window.model.lead_at(0).lead_id == lead_id
        shown = window.model.index(0, COL_STATUS).data()
        assert state in shown, shown
        assert window.panel.detail.id == lead_id
