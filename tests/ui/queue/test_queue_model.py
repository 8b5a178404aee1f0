from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from app.services.leads.queue import QueueReader, QueueView
from tests.conftest import submit_lead
from tests.ui.conftest import settle
from ui.core.changes import ChangeBus
from ui.core.operations import Operations
from ui.queue.queue_model import COL_CALL, COL_NAME, LEAD_ID_ROLE, QueueTableModel


@pytest.fixture
def operations() -> Iterator[Operations]:
    operations = Operations(ChangeBus())
    yield operations
    operations.shutdown()


class _Holder:
    def __init__(self, operations: Operations) -> None:
        self.operations = operations


def test_model_loads_lazily_and_passes_the_model_tester(
    qtbot, qtmodeltester, workspace, clock, operations
) -> None:
    for i in range(25):
        submit_lead(
            workspace,
            submitted_at=clock() - timedelta(minutes=10 + i),
            phone=f"06100000{i:02d}",
            last_name=f"Nom{i:02d}",
        )
    done = _Holder(operations)
    model = QueueTableModel(QueueReader(workspace.sessions, clock, page_size=10), clock, operations)
    model.reload()
    assert model.rowCount() == 0 and model.loading  # read on a worker thread
    assert not model.canFetchMore()
    settle(qtbot, done)
    assert model.rowCount() == 10
    assert model.canFetchMore()
    model.fetchMore()
    assert not model.canFetchMore()  # one page at a time
    settle(qtbot, done)
    model.fetchMore()
    settle(qtbot, done)
    assert model.rowCount() == 25
    assert not model.canFetchMore()
    assert model.data(model.index(0, COL_NAME)) == "NOM00 Jean"
    assert model.data(model.index(0, COL_CALL)) == "Maintenant"
    assert model.data(model.index(0, 0), LEAD_ID_ROLE) is not None
    qtmodeltester.check(model)


def test_a_late_answer_of_an_older_reload_is_dropped(qtbot, workspace, clock, operations) -> None:
    for i in range(12):
        submit_lead(workspace, phone=f"06200000{i:02d}", last_name=f"Nom{i:02d}")
    model = QueueTableModel(QueueReader(workspace.sessions, clock, page_size=5), clock, operations)
    model.reload()
    settle(qtbot, _Holder(operations))
    model.fetchMore()  # a page of the rows shown...
    model.show_view(QueueView.QUALIFIED)  # ...then another view before it arrives
    settle(qtbot, _Holder(operations))
    assert model.rowCount() == 0 and not model.canFetchMore()
    model.show_view(QueueView.CALL_QUEUE)
    model.show_view(QueueView.QUALIFIED)  # the call queue's answer comes back too late
    settle(qtbot, _Holder(operations))
    assert model.rowCount() == 0 and model.view == QueueView.QUALIFIED


def test_model_search_and_views(qtbot, workspace, clock, operations) -> None:
    submit_lead(workspace, last_name="Lefèvre")
    model = QueueTableModel(QueueReader(workspace.sessions, clock), clock, operations)
    model.show_search("lefev")
    settle(qtbot, _Holder(operations))
    assert model.rowCount() == 1
    model.show_view(QueueView.QUALIFIED)
    settle(qtbot, _Holder(operations))
    assert model.rowCount() == 0 and model.search_text is None


def test_blocked_lead_shows_when_it_may_be_called(qtbot, workspace, clock, operations) -> None:
    submit_lead(workspace, postcode="97400", city="Saint-Denis", phone="0692123456")
    clock.advance(hours=1)  # 12:00 Paris is 15:00 in La Réunion: inside hours
    clock.advance(hours=6)  # 18:00 Paris is 21:00 in La Réunion: outside
    model = QueueTableModel(QueueReader(workspace.sessions, clock), clock, operations)
    model.reload()
    settle(qtbot, _Holder(operations))
    text = model.data(model.index(0, COL_CALL))
    assert "Hors horaires légaux" in text and "demain" in text


def test_a_refresh_of_the_same_leads_updates_the_changed_row_in_place(
    qtbot, workspace, clock, operations
) -> None:
    """A refresh after a change keeps the view's rows (no reset: scroll and selection stay)
    and repaints only the row that changed, with its new text."""
    from sqlalchemy import update

    from app.persistence.models import Lead

    for i in range(6):
        submit_lead(workspace, phone=f"06300000{i:02d}", last_name=f"Nom{i:02d}")
    model = QueueTableModel(QueueReader(workspace.sessions, clock), clock, operations)
    model.reload()
    settle(qtbot, _Holder(operations))
    assert model.rowCount() == 6
    names = [model.data(model.index(i, COL_NAME)) for i in range(6)]  # cached texts
    changed = model.data(model.index(2, 0), LEAD_ID_ROLE)
    with workspace.sessions.begin() as session:
        session.execute(update(Lead).where(Lead.id == changed).values(last_name="Martin"))
    resets: list[None] = []
    repainted: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(None))
    model.dataChanged.connect(lambda first, last, *_: repainted.append((first.row(), last.row())))

    model.reload()
    settle(qtbot, _Holder(operations))

    assert resets == [] and repainted == [(2, 2)]
    assert model.data(model.index(2, COL_NAME)) == "MARTIN Jean"
    assert [model.data(model.index(i, COL_NAME)) for i in (0, 1, 3, 4, 5)] == [
        names[i] for i in (0, 1, 3, 4, 5)
    ]
    submit_lead(workspace, phone="0630000099", last_name="Nouveau")  # other leads: a reset
    model.reload()
    settle(qtbot, _Holder(operations))
    assert resets == [None] and model.rowCount() == 7


def test_the_texts_follow_the_clock(qtbot, workspace, clock, operations) -> None:
    submit_lead(workspace, submitted_at=clock() - timedelta(minutes=5))
    model = QueueTableModel(QueueReader(workspace.sessions, clock), clock, operations)
    model.reload()
    settle(qtbot, _Holder(operations))
    assert model.data(model.index(0, 1)) == "5 min"
    clock.advance(minutes=3)  # no reload: the age shown is still the time elapsed
    assert model.data(model.index(0, 1)) == "8 min"
