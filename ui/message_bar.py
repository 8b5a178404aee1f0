"""The one message area of the main windows: above the status bar, never cut, copyable.

The status bar elides long messages ("composez le 07 39 …") and drops them after a few
seconds. This label wraps, can be selected and copied, and keeps its message until the next.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget


class MessageBar(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setStyleSheet(
            "#messageBar { padding: 4px 8px; background: #fff8e1; border-top: 1px solid #e0c97a; }"
        )
        self.hide()

    def show_message(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))


def message_bar(window: QMainWindow) -> MessageBar:
    """The window's message bar, put under its central widget the first time it is asked for."""
    bar = window.findChild(MessageBar, "messageBar")
    if bar is not None:
        return bar
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    central = window.takeCentralWidget()
    if central is not None:
        layout.addWidget(central, 1)
    bar = MessageBar(holder)
    layout.addWidget(bar)
    window.setCentralWidget(holder)
    return bar
