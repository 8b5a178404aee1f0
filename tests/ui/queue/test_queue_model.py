from __future__ import annotations

from datetime import timedelta

from app.services.leads.queue import QueueReader, QueueView
from tests.conftest import submit_lead
from ui.queue.queue_model import COL_CALL, COL_NAME, LEAD_ID_ROLE, QueueTableModel


def test_model_loads_lazily_and_passes_the_model_tester(qtmodeltester, workspace, clock) -> None:
    for i in range(25):
        submit_lead(
            workspace,
            submitted_at=clock() - timedelta(minutes=10 + i),
            phone=f"06100000{i:02d}",
            last_name=f"Nom{i:02d}",
        )
    model = QueueTableModel(QueueReader(workspace.sessions, clock, page_size=10), clock)
    model.reload()
    assert model.rowCount() == 10
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 25
    assert not model.canFetchMore()
    assert model.data(model.index(0, COL_NAME)) == "NOM00 Jean"
    assert model.data(model.index(0, COL_CALL)) == "Maintenant"
    assert model.data(model.index(0, 0), LEAD_ID_ROLE) is not None
    qtmodeltester.check(model)


def test_model_search_and_views(workspace, clock) -> None:
    submit_lead(workspace, last_name="Lefèvre")
    model = QueueTableModel(QueueReader(workspace.sessions, clock), clock)
    model.show_search("lefev")
    assert model.rowCount() == 1
    model.show_view(QueueView.QUALIFIED)
    assert model.rowCount() == 0 and model.search_text is None


def test_blocked_lead_shows_when_it_may_be_called(workspace, clock) -> None:
    submit_lead(workspace, postcode="97400", city="Saint-Denis", phone="0692123456")
    clock.advance(hours=1)  # 12:00 Paris is 15:00 in La Réunion: inside hours
    clock.advance(hours=6)  # 18:00 Paris is 21:00 in La Réunion: outside
    model = QueueTableModel(QueueReader(workspace.sessions, clock), clock)
    model.reload()
    text = model.data(model.index(0, COL_CALL))
    assert "Hors horaires légaux" in text and "demain" in text
