"""The conflicts screen on a real conflict: the person who lost puts their value back."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.clock import utc_now
from app.domain.enums import Role
from app.persistence.models import Lead, SyncConflict
from app.services.auth import StaffMember
from ui.sync.conflicts_dialog import ConflictsDialog


@pytest.mark.parametrize("server_database", ["sqlite"], indirect=True)
def test_the_loser_takes_their_value_back_and_everyone_follows(workstation, qtbot) -> None:
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
    dialog = ConflictsDialog(a.workspace, me, utc_now)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 1).text() == "Note de qualification"
    assert dialog.table.item(0, 2).text() == "Rappeler en janvier"
    assert dialog.table.item(0, 4).text() == "Projet confirmé, budget 20 k€"
    assert "Expert2" in dialog.table.item(0, 3).text()
    if os.environ.get("CRM_SCREENSHOTS"):
        dialog.show()
        dialog.grab().save(os.environ["CRM_SCREENSHOTS"])
    qtbot.mouseClick(dialog.take_other, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 0

    a.sync()
    b.sync()
    for station in (a, b):
        assert station.get(Lead, lead_id).qualification_note == "Projet confirmé, budget 20 k€"
        with station.sessions() as session:
            assert all(c.resolved for c in session.scalars(select(SyncConflict)))
