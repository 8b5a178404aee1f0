"""The conflicts screen's model and its own refresh (the real conflict: tests/e2e)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.services.auth import StaffMember
from app.services.conflicts import ConflictSide, ConflictView
from app.workspace import Workspace
from tests.ui.conftest import settle
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.core.remembered import Remembered
from ui.sync import conflicts_dialog
from ui.sync.conflicts_dialog import Column, ConflictsDialog, ConflictsModel

AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def conflict(n: int, other: object = "Rappeler en janvier") -> ConflictView:
    return ConflictView(
        uuid.uuid4(), f"Lead n° {n}", "Note de qualification", "field",
        ConflictSide("Projet confirmé", "Expert2", AT), ConflictSide(other, "Expert1", None),
        "leads", uuid.uuid4(),
    )  # fmt: skip


@pytest.fixture
def context(workspace: Workspace, expert: StaffMember, clock) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    made = AppContext(workspace, expert, clock, lambda _url: False, remembered=Remembered())
    yield made
    made.close()


def test_the_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = ConflictsModel()
    model.set_conflicts([conflict(1), conflict(2, other=None), conflict(3, other=True)])
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.columnCount() == len(Column)
    assert model.index(1, Column.OTHER).data() == "(vide)"
    assert model.index(2, Column.OTHER).data() == "oui"
    assert model.index(1, Column.OTHER_BY).data() == "Expert1"


def test_a_sync_that_brings_conflicts_refreshes_the_open_screen(
    qtbot, context: AppContext, monkeypatch
) -> None:
    found: list[ConflictView] = []
    monkeypatch.setattr(conflicts_dialog, "open_conflicts", lambda _sessions: list(found))
    dialog = ConflictsDialog(context)
    qtbot.addWidget(dialog)
    settle(qtbot, context)
    assert dialog.model.rowCount() == 0 and not dialog.keep.isEnabled()
    found.append(conflict(7))
    context.changes.announce(Changes.of("sync_conflicts", found[0].id))  # as a pull does
    settle(qtbot, context)
    assert dialog.model.rowCount() == 1 and dialog.keep.isEnabled()
    assert dialog.selected() == found[0]


def test_the_columns_stay_as_they_were_left(qtbot, context: AppContext) -> None:
    first = ConflictsDialog(context)
    qtbot.addWidget(first)
    first.table.horizontalHeader().resizeSection(Column.FIELD, 321)
    settle(qtbot, context)
    again = ConflictsDialog(context)
    qtbot.addWidget(again)
    assert again.table.horizontalHeader().sectionSize(Column.FIELD) == 321
    settle(qtbot, context)
