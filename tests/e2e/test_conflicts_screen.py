"""The conflicts screen on a real conflict: the person who lost puts their value back; and a
pull announces the rows it brought, for the screens showing them to refresh themselves."""

from __future__ import annotations

import asyncio
import os

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.clock import utc_now
from app.domain.enums import Role
from app.persistence.models import Lead, SyncConflict
from app.services.auth import StaffMember
from tests.ui.conftest import settle
from ui.core.changes import Changes
from ui.core.context import AppContext
from ui.sync.conflicts_dialog import Column, ConflictsDialog
from ui.sync.sync_session import SyncSession


def _text(dialog: ConflictsDialog, row: int, column: Column) -> str:
    model = dialog.table.model()
    return str(model.index(row, column).data())


@pytest.mark.parametrize("server_database", ["sqlite"], indirect=True)
def test_the_loser_takes_their_value_back_and_everyone_follows(
    workstation, qtbot, qtmodeltester
) -> None:
    a, b = workstation("expert1"), workstation("expert2")
    a.sync()
    b.sync()
    with a.sessions() as session:
        lead_id = session.scalar(select(Lead.id).order_by(Lead.number).limit(1))
    a.edit(Lead, lead_id, qualification_note="Projet confirmé, budget 20 k€")
    b.edit(Lead, lead_id, qualification_note="Rappeler en janvier")
    a.sync()
    b.sync()  # b's edit is later and wins; a lost
    a.sync()
    assert a.get(Lead, lead_id).qualification_note == "Rappeler en janvier"

    me = StaffMember(a.user_id, "expert1", "Expert1", Role.EXPERT)
    context = AppContext(a.workspace, me, utc_now, lambda _url: False)
    announced: list[Changes] = []
    context.changes.changed.connect(announced.append)
    dialog = ConflictsDialog(context)
    qtbot.addWidget(dialog)
    settle(qtbot, context)
    qtmodeltester.check(dialog.model)
    assert dialog.model.rowCount() == 1
    assert _text(dialog, 0, Column.FIELD) == "Note de qualification"
    assert _text(dialog, 0, Column.KEPT) == "Rappeler en janvier"
    assert _text(dialog, 0, Column.OTHER) == "Projet confirmé, budget 20 k€"
    assert "Expert2" in _text(dialog, 0, Column.KEPT_BY)
    if os.environ.get("CRM_SCREENSHOTS"):
        dialog.show()
        dialog.grab().save(os.environ["CRM_SCREENSHOTS"])
    qtbot.mouseClick(dialog.take_other, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    assert dialog.model.rowCount() == 0
    # The choice announced the lead it changed: the queue showing it refreshes itself.
    assert any(lead_id in (c.ids("leads") or ()) for c in announced)
    qtmodeltester.check(dialog.model)

    a.sync()
    b.sync()
    for station in (a, b):
        assert station.get(Lead, lead_id).qualification_note == "Projet confirmé, budget 20 k€"
        with station.sessions() as session:
            assert all(c.resolved for c in session.scalars(select(SyncConflict)))
    context.close()


@pytest.mark.parametrize("server_database", ["sqlite"], indirect=True)
def test_a_pull_that_brings_a_lead_announces_that_lead(workstation) -> None:
    a, b = workstation("expert1"), workstation("expert2")
    a.sync()
    b.sync()
    with a.sessions() as session:
        lead_id = session.scalar(select(Lead.id).order_by(Lead.number).limit(1))
    a.edit(Lead, lead_id, qualification_note="Projet confirmé")
    a.sync()
    assert b.user_id is not None and b.token is not None
    member = StaffMember(b.user_id, "expert2", "Expert2", Role.EXPERT)

    async def pull() -> list[Changes]:
        # Built off the UI thread, as the sign-in does (it reads the workspace's sync state).
        sync = await asyncio.to_thread(
            SyncSession, b.workspace, b.server_url, utc_now, member, b.token
        )
        announced: list[Changes] = []
        sync.on_rows_received = announced.append
        try:
            await sync.engine.sync_once()
        finally:
            await sync.close()
        return announced

    announced = asyncio.run(pull())
    assert announced, "the pull announced nothing"
    assert all(isinstance(c, Changes) for c in announced)
    assert any(lead_id in (c.ids("leads") or ()) for c in announced)
