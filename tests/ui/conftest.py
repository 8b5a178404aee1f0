from __future__ import annotations

from collections.abc import Callable

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
