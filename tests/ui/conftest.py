from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget


def when_dialog_opens(handler: Callable[[QWidget], None]) -> None:
    """Run `handler` on the next modal dialog, once its exec() loop is running."""

    def attempt(tries: int = 50) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            if tries:
                QTimer.singleShot(20, lambda: attempt(tries - 1))
            return
        handler(dialog)

    QTimer.singleShot(0, attempt)


def settle(qtbot: Any, *holders: Any, timeout: int = 10_000) -> None:
    """Wait until the background operations of these windows (or contexts) have called back.

    A screen reads and writes on worker threads (ui/core/operations.py); a test that acts
    and then looks waits for them here, as a user waits for the screen to update.
    """
    contexts = [getattr(h, "context", h) for h in holders]
    qtbot.waitUntil(lambda: all(c.operations.idle for c in contexts), timeout=timeout)
