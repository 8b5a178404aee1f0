"""Reads and writes off the UI thread, in the manner of Anki's aqt/operations.

A screen never queries the workspace nor builds a PDF on the UI thread: it hands the work to
`Operations.run`, which runs it on a worker thread (each piece of work opens its own session
through the services it calls) and calls back on the UI thread with the result, or with a
French message when the work was refused. A write announces what it changed on the
application's `ChangeBus`, and every view that shows those rows refreshes itself.

Long work takes a `Progress` (`run_with_progress`): it reports how far it is and stops when
the user presses "Annuler". `Debouncer` waits until typing pauses before a search runs.

Callbacks are dropped when the widget that asked (`owner`) was deleted meanwhile, so a
dialog closed during a read never receives its result.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.domain.errors import ActionRefused
from ui.core.changes import ChangeBus, Changes

log = logging.getLogger(__name__)
T = TypeVar("T")

UNEXPECTED = (
    "L'opération n'a pas pu aboutir à cause d'une erreur interne ; rien n'a été modifié "
    "par elle. Le détail est dans le journal de l'application."
)


class Cancelled(Exception):
    """Raised inside cancellable work by `Progress.check` once the user pressed "Annuler"."""


def user_message(error: BaseException) -> str | None:
    """The French message of an error the user can act on, None for a fault of ours."""
    if isinstance(error, ActionRefused):
        return str(error)
    message = getattr(error, "user_message", None)
    return message if isinstance(message, str) else None


class Progress:
    """Handed to long work: how far it is, and whether the user cancelled it."""

    def __init__(self, report: Callable[[int, int, str], None]) -> None:
        self._report = report
        self._cancelled = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()

    def check(self) -> None:
        if self._cancelled.is_set():
            raise Cancelled

    def report(self, done: int, total: int, text: str = "") -> None:
        """Thread-safe; also checks for cancellation so a loop needs one call per step."""
        self._report(done, total, text)
        self.check()


class Operation(Generic[T]):
    """One piece of work handed to the pool; `future` is its result on the worker side."""

    def __init__(self, future: Future[T], label: str) -> None:
        self.future = future
        self.label = label

    @property
    def done(self) -> bool:
        return self.future.done()


class _Relay(QObject):
    """Lives on the UI thread: a signal emitted from a worker is delivered on it (queued)."""

    deliver = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, call: Callable[[], None]) -> None:
        call()


def _alive(owner: QObject | None) -> bool:
    return owner is None or shiboken6.isValid(owner)


class Operations:
    """The application's worker threads and the bridge back to the UI thread."""

    def __init__(self, changes: ChangeBus, workers: int = 3) -> None:
        self.changes = changes
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crm-op")
        self._relay = _Relay()
        self._running = 0
        self._lock = threading.Lock()

    # -- running work ---------------------------------------------------------------------

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        *,
        owner: QObject | None = None,
        changes: Changes | Callable[[T], Changes] | None = None,
        label: str = "",
    ) -> Operation[T]:
        """Run `work` on a worker thread; then, on the UI thread, announce and call back.

        `changes` (or a function of the result giving them) is announced on the change bus
        after a successful write, before `on_done`. `on_error` receives a French message;
        without it the message goes to the owner's message bar when it has one.
        """
        with self._lock:
            self._running += 1
        future = self._pool.submit(work)

        def finished(_future: Future[T]) -> None:
            self._relay.deliver.emit(
                lambda: self._finish(future, on_done, on_error, owner, changes)
            )

        future.add_done_callback(finished)
        return Operation(future, label)

    def _finish(
        self,
        future: Future[T],
        on_done: Callable[[T], None] | None,
        on_error: Callable[[str], None] | None,
        owner: QObject | None,
        changes: Changes | Callable[[T], Changes] | None,
    ) -> None:
        try:
            error = future.exception()
            if error is None:
                result = future.result()
                if changes is not None:
                    announced = changes(result) if callable(changes) else changes
                    self.changes.announce(announced)
                if on_done is not None and _alive(owner):
                    on_done(result)
            elif isinstance(error, Cancelled):
                log.info("operation cancelled")
            else:
                message = user_message(error)
                if message is None:
                    log.error("operation failed", exc_info=error)
                    message = UNEXPECTED
                if _alive(owner):
                    self._report_error(message, on_error, owner)
        finally:
            with self._lock:
                self._running -= 1

    @staticmethod
    def _report_error(
        message: str, on_error: Callable[[str], None] | None, owner: QObject | None
    ) -> None:
        if on_error is not None:
            on_error(message)
            return
        say = getattr(owner, "say", None)
        if callable(say):
            say(message)
            return
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(
            owner if isinstance(owner, QWidget) else None, "Action impossible", message
        )

    def run_with_progress(
        self,
        work: Callable[[Progress], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        *,
        owner: QWidget,
        title: str,
        changes: Changes | Callable[[T], Changes] | None = None,
    ) -> tuple[Operation[T], QProgressDialog]:
        """Like `run`, with a progress dialog whose "Annuler" stops the work at its next step."""
        dialog = QProgressDialog(title, "Annuler", 0, 0, owner)
        dialog.setWindowTitle(title)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)

        def show(done: int, total: int, text: str) -> None:
            if not shiboken6.isValid(dialog):
                return
            dialog.setMaximum(max(total, 0))
            dialog.setValue(min(done, total) if total else 0)
            if text:
                dialog.setLabelText(text)

        progress = Progress(lambda d, t, x: self._relay.deliver.emit(lambda: show(d, t, x)))
        dialog.canceled.connect(progress.cancel)

        def close_dialog() -> None:
            if shiboken6.isValid(dialog):
                dialog.canceled.disconnect(progress.cancel)
                dialog.close()
                dialog.deleteLater()

        def done(result: T) -> None:
            close_dialog()
            if on_done is not None:
                on_done(result)

        def failed(message: str) -> None:
            close_dialog()
            self._report_error(message, on_error, owner)

        operation = self.run(
            lambda: work(progress), done, failed, owner=owner, changes=changes, label=title
        )
        operation.future.add_done_callback(
            lambda f: (
                f.exception() is not None
                and isinstance(f.exception(), Cancelled)
                and self._relay.deliver.emit(close_dialog)
            )
        )
        return operation, dialog

    # -- state ----------------------------------------------------------------------------

    @property
    def idle(self) -> bool:
        """No work is running nor waiting for its callback (tests wait on this)."""
        with self._lock:
            return self._running == 0

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class Debouncer(QObject):
    """Calls `action` once typing has paused for `delay_ms` (searches)."""

    def __init__(
        self, action: Callable[[], Any], delay_ms: int = 250, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(action)

    def poke(self, *_args: object) -> None:
        self._timer.start()

    def flush(self) -> None:
        """Run now if a run was waiting (Entrée in a search field)."""
        if self._timer.isActive():
            self._timer.stop()
            self._timer.timeout.emit()
