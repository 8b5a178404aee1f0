"""Background operations: off the UI thread, back on it, French errors, cancel, debounce."""

from __future__ import annotations

import threading
import uuid

import pytest
import shiboken6
from PySide6.QtWidgets import QWidget

from app.domain.errors import ActionRefused
from ui.core.changes import ChangeBus, Changes
from ui.core.operations import UNEXPECTED, Debouncer, Operations, Progress


@pytest.fixture
def operations(qapp) -> Operations:  # type: ignore[no-untyped-def]
    ops = Operations(ChangeBus())
    yield ops
    ops.shutdown()


def test_work_runs_on_a_worker_and_its_result_comes_back_on_the_ui_thread(
    qtbot, operations
) -> None:  # type: ignore[no-untyped-def]
    threads: dict[str, threading.Thread] = {}

    def work() -> int:
        threads["work"] = threading.current_thread()
        return 42

    results: list[int] = []

    def done(value: int) -> None:
        threads["done"] = threading.current_thread()
        results.append(value)

    operations.run(work, done)
    assert not operations.idle or results
    qtbot.waitUntil(lambda: results == [42])
    assert threads["work"] is not threading.main_thread()
    assert threads["done"] is threading.main_thread()
    assert operations.idle


def test_a_refusal_reaches_the_user_in_french_and_a_fault_is_logged(
    qtbot, operations, caplog
) -> None:  # type: ignore[no-untyped-def]
    messages: list[str] = []

    def refused() -> None:
        raise ActionRefused("Ce lead est déjà clôturé.")

    def broken() -> None:
        raise ZeroDivisionError("boom")

    operations.run(refused, on_error=messages.append)
    operations.run(broken, on_error=messages.append)
    qtbot.waitUntil(lambda: len(messages) == 2)
    assert set(messages) == {"Ce lead est déjà clôturé.", UNEXPECTED}
    assert "operation failed" in caplog.text and "ZeroDivisionError" in caplog.text


def test_the_owner_s_say_receives_the_message_when_no_handler_is_given(qtbot, operations) -> None:  # type: ignore[no-untyped-def]
    class Screen(QWidget):
        def __init__(self) -> None:
            super().__init__()
            self.said: list[str] = []

        def say(self, message: str) -> None:
            self.said.append(message)

    screen = Screen()
    qtbot.addWidget(screen)

    def refused() -> None:
        raise ActionRefused("Numéro invalide.")

    operations.run(refused, owner=screen)
    qtbot.waitUntil(lambda: screen.said == ["Numéro invalide."])


def test_a_closed_screen_never_receives_its_late_result(qtbot, operations) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    received: list[int] = []
    screen = QWidget()
    operations.run(lambda: gate.wait(5) and 1, received.append, owner=screen)
    shiboken6.delete(screen)  # the user closed it
    gate.set()
    qtbot.waitUntil(lambda: operations.idle)
    assert received == []


def test_a_write_announces_its_changes_before_its_callback(qtbot, operations) -> None:  # type: ignore[no-untyped-def]
    lead_id = uuid.uuid4()
    order: list[str] = []
    seen: list[Changes] = []
    operations.changes.changed.connect(lambda c: (order.append("changes"), seen.append(c)))
    operations.run(
        lambda: lead_id,
        lambda _id: order.append("done"),
        changes=lambda written: Changes.of("leads", written),
    )
    qtbot.waitUntil(lambda: order == ["changes", "done"])
    assert seen[0].ids("leads") == {lead_id}


def test_a_refused_write_announces_nothing(qtbot, operations) -> None:  # type: ignore[no-untyped-def]
    seen: list[Changes] = []
    operations.changes.changed.connect(seen.append)

    def refused() -> None:
        raise ActionRefused("Non.")

    operations.run(refused, on_error=lambda _m: None, changes=Changes.of("leads"))
    qtbot.waitUntil(lambda: operations.idle)
    assert seen == []


def test_long_work_reports_progress_and_stops_when_cancelled(qtbot, operations) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    steps: list[int] = []
    finished: list[object] = []
    started = threading.Event()

    def work(progress: Progress) -> str:
        for step in range(1000):
            started.set()
            steps.append(step)
            progress.report(step, 1000, f"Ligne {step}")
            threading.Event().wait(0.005)
        return "fini"

    operation, dialog = operations.run_with_progress(
        work, finished.append, owner=parent, title="Import"
    )
    qtbot.waitUntil(lambda: started.is_set() and len(steps) > 3)
    dialog.canceled.emit()  # the user presses « Annuler »
    qtbot.waitUntil(lambda: operations.idle)
    assert finished == [] and len(steps) < 1000
    assert operation.done


def test_a_search_runs_once_when_typing_pauses(qtbot) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    debouncer = Debouncer(lambda: calls.append(1), delay_ms=30)
    for _ in range(5):
        debouncer.poke()
    assert calls == []
    qtbot.waitUntil(lambda: calls == [1])
    debouncer.poke()
    debouncer.flush()  # Entrée: at once
    assert calls == [1, 1]
