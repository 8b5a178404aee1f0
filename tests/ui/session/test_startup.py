"""A missing or damaged workspace at start-up: a message and a way out, never a traceback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import ui.session.workspace_dialog as workspace_dialog
from app.services.auth import active_staff
from app.workspace import WorkspaceError, create_workspace
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
    built: list[Path] = []

    def build(new: Path) -> None:  # the demo client passes the demo generator
        built.append(new)
        create_workspace(new).close()

    workspace = open_or_recover(path, build_new=build)
    assert workspace is not None and built == [path]
    workspace.close()
    assert "endommagé" in problems[0].message or "valide" in problems[0].message
    kept = [p for p in tmp_path.iterdir() if ".endommage-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == b"garbage" * 1000


def test_without_a_builder_a_new_local_workspace_is_empty(monkeypatch, tmp_path, qapp) -> None:
    """The production client offers a new workspace with the reference data, not a demo."""
    asked: list[bool] = []

    def choose(_error: WorkspaceError, _parent: object, _server: bool, _unsent: object,
               demo: bool) -> Choice:  # fmt: skip
        asked.append(demo)
        return Choice.CREATE_NEW

    monkeypatch.setattr(workspace_dialog, "ask_what_to_do", choose)
    workspace = open_or_recover(tmp_path / "absent.sqlite")
    assert workspace is not None and asked == [False]
    assert active_staff(workspace.sessions) == []
    workspace.close()


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
