"""A missing or damaged workspace at start-up: a message and a way out, never a traceback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import ui.session.workspace_dialog as workspace_dialog
from app.workspace import WorkspaceError
from ui.core.demo_clock import ShiftedClock, clock_in_calling_hours
from ui.session.workspace_dialog import Choice, open_or_recover


def test_damaged_workspace_is_kept_aside_and_replaced(monkeypatch, tmp_path: Path, qapp) -> None:
    path = tmp_path / "workspace.sqlite"
    path.write_bytes(b"garbage" * 1000)
    problems: list[WorkspaceError] = []

    def choose(error: WorkspaceError, *_context: object) -> Choice:
        problems.append(error)
        return Choice.CREATE_NEW

    monkeypatch.setattr(workspace_dialog, "ask_what_to_do", choose)
    monkeypatch.setattr(workspace_dialog, "DEMO_LEADS", 50)
    workspace = open_or_recover(path)
    assert workspace is not None
    workspace.close()
    assert "endommagé" in problems[0].message or "valide" in problems[0].message
    kept = [p for p in tmp_path.iterdir() if ".endommage-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == b"garbage" * 1000


def test_missing_workspace_can_quit(monkeypatch, tmp_path: Path, qapp) -> None:
    monkeypatch.setattr(workspace_dialog, "ask_what_to_do", lambda *_: Choice.QUIT)
    assert open_or_recover(tmp_path / "absent.sqlite") is None


def test_main_quits_cleanly_without_workspace(monkeypatch, tmp_path: Path, qapp) -> None:
    import ui.__main__ as entry

    monkeypatch.setattr(workspace_dialog, "ask_what_to_do", lambda *_: Choice.QUIT)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setattr(entry, "QApplication", lambda *_: qapp)
    assert entry.main(["--workspace", str(tmp_path / "absent.sqlite")]) == 1


@pytest.mark.parametrize(
    ("now", "shifted"),
    [(datetime(2026, 12, 1, 10, tzinfo=UTC), False), (datetime(2026, 12, 5, 10, tzinfo=UTC), True)],
)
def test_demo_clock_moves_into_calling_hours(now: datetime, shifted: bool) -> None:
    clock, note = clock_in_calling_hours(lambda: now)
    assert isinstance(clock, ShiftedClock) is shifted
    assert bool(note) is shifted
    if shifted:
        assert clock() == datetime(2026, 12, 7, 9, tzinfo=UTC)  # Monday 10:00 Paris
        assert isinstance(clock, ShiftedClock) and clock.offset == timedelta(days=1, hours=23)
