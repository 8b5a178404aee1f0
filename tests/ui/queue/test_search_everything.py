"""Search finds every lead the user may see, closed and opposed ones too, with their state."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import orjson
import pytest
from PySide6.QtCore import Qt

from app.domain.enums import CloseReason, Disposition
from app.services.leads.lead_actions import LeadActions
from app.services.leads.lead_detail import lead_detail_to_json, read_lead_detail
from app.services.leads.queue import search_results
from app.workspace import create_workspace
from sync.engine import NotSignedIn
from tests.conftest import add_user, submit_lead
from tests.ui.conftest import settle
from ui.core.context import AppContext, ServerCalls
from ui.queue.main_window import MainWindow, ServerLeads
from ui.queue.queue_model import COL_STATUS


def _context(workspace, expert, clock, server: ServerLeads) -> AppContext:  # type: ignore[no-untyped-def]
    calls = ServerCalls(search_leads=server.search, lead_detail=server.detail)
    return AppContext(workspace, expert, clock, lambda _url: True, server=calls)


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
    win = MainWindow(AppContext(workspace, expert, clock, lambda _url: True))
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
        settle(qtbot, window)
        assert window.model.rowCount() == 1, text
        assert window.model.lead_at(0).lead_id == lead_id
        shown = window.model.index(0, COL_STATUS).data()
        assert state in shown, shown
        assert window.panel.detail.id == lead_id


@pytest.fixture
def server_side(tmp_path, clock):  # type: ignore[no-untyped-def]
    """What the server holds beyond this workstation: a lead closed elsewhere ("Durand")."""
    other = create_workspace(tmp_path / "server.sqlite")
    someone = add_user(other, "expert2")
    lead_id = submit_lead(
        other, submitted_at=clock() - timedelta(days=2), last_name="Durand", phone="0633333333"
    )
    # Called and not interested: closed on another workstation.
    LeadActions(other.sessions, clock, someone).log_call(
        lead_id, Disposition.NOT_INTERESTED, clock(), 40
    )
    asked: list[str] = []

    # The server reads its own database, not on this workstation's UI thread.
    def read_search(text: str, limit: int) -> list[dict]:
        with other.sessions() as session:
            return orjson.loads(orjson.dumps(search_results(session, text, limit)))

    def read_detail(wanted: str) -> dict:
        with other.sessions() as session:
            found = read_lead_detail(session, uuid.UUID(wanted), clock())
            assert found is not None
            return orjson.loads(orjson.dumps(lead_detail_to_json(found)))

    async def search(text: str, limit: int) -> list[dict]:
        asked.append(text)
        return await asyncio.to_thread(read_search, text, limit)

    async def detail(wanted: str) -> dict:
        return await asyncio.to_thread(read_detail, wanted)

    yield lead_id, ServerLeads(search, detail), asked
    other.close()


def run(future) -> None:  # type: ignore[no-untyped-def]
    """The server call's task, on a loop of its own (no event loop runs under pytest-qt)."""
    assert future is not None
    asyncio.get_event_loop().run_until_complete(future)


@pytest.fixture
def loop():  # type: ignore[no-untyped-def]
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def test_a_lead_closed_elsewhere_is_found_on_the_server_and_shown_read_only(  # type: ignore[no-untyped-def]
    qtbot, workspace, clock, expert, leads, server_side, loop
) -> None:
    lead_id, server, asked = server_side
    window = MainWindow(_context(workspace, expert, clock, server))
    qtbot.addWidget(window)
    window.show()
    window.search.setText("durand")
    run(window.run_search())
    settle(qtbot, window)
    assert asked == ["durand"]
    assert window.model.rowCount() == 1
    row = window.model.lead_at(0)
    assert row.lead_id == lead_id and row.from_server
    assert window.model.index(0, COL_STATUS).data() == "Clos (serveur)"
    tip = window.model.index(0, COL_STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert "trouvé sur le serveur" in tip and "Dernier appel : Pas intéressé" in tip
    run(window.detail_task)  # the row was selected: its detail comes from the server
    assert window.panel.detail is not None and window.panel.detail.id == lead_id
    assert window.panel.from_server
    assert not window.panel.server_note.isHidden()
    assert "consulté sur le serveur" in window.panel.server_note.text()
    for action in (window.act_call, window.act_close, window.act_opposition, window.act_release):
        assert not action.isEnabled()
    window.refresh()  # the periodic refresh keeps the server's row and its detail
    settle(qtbot, window)
    assert window.model.row_of(lead_id) is not None and window.panel.detail.id == lead_id


def test_local_results_come_first_and_are_not_doubled_by_the_server(  # type: ignore[no-untyped-def]
    qtbot, workspace, clock, expert, leads, server_side, loop
) -> None:
    _lead_id, server, _asked = server_side
    window = MainWindow(_context(workspace, expert, clock, server))
    qtbot.addWidget(window)
    window.search.setText("75011")  # every local lead, and the server's one
    future = window.run_search()
    settle(qtbot, window)
    assert window.model.rowCount() == 3  # the local results first
    run(future)
    settle(qtbot, window)
    assert window.model.rowCount() == 4
    assert sum(1 for i in range(4) if window.model.lead_at(i).from_server) == 1


def test_an_unreachable_server_leaves_the_local_results_and_says_so(  # type: ignore[no-untyped-def]
    qtbot, workspace, clock, expert, leads, loop
) -> None:
    async def down(_text: str, _limit: int) -> list[dict]:
        raise httpx.ConnectError("connection refused")

    async def no_detail(_lead_id: str) -> dict:
        raise AssertionError("not asked")

    window = MainWindow(_context(workspace, expert, clock, ServerLeads(down, no_detail)))
    qtbot.addWidget(window)
    window.search.setText("bern")
    run(window.run_search())
    settle(qtbot, window)
    assert window.model.rowCount() == 1 and window.model.lead_at(0).lead_id == leads[1]
    assert "Recherche limitée aux leads de ce poste (serveur injoignable)" in (
        window.messages.text()
    )
    window.search.setText("personne")
    run(window.run_search())
    settle(qtbot, window)
    assert "Aucun lead de ce poste ne correspond" in window.messages.text()


def test_a_refused_server_search_says_why_not_that_the_server_is_down(  # type: ignore[no-untyped-def]
    qtbot, workspace, clock, expert, leads, loop
) -> None:
    async def expired(_text: str, _limit: int) -> list[dict]:
        raise NotSignedIn("Session expirée : reconnectez-vous.")

    async def no_detail(_lead_id: str) -> dict:
        raise AssertionError("not asked")

    window = MainWindow(_context(workspace, expert, clock, ServerLeads(expired, no_detail)))
    qtbot.addWidget(window)
    window.search.setText("bern")
    run(window.run_search())
    settle(qtbot, window)
    assert window.messages.text() == (
        "Recherche limitée aux leads de ce poste : Session expirée : reconnectez-vous."
    )
