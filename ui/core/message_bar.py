"""One message area for the windows: the whole message, kept until replaced, and copyable.

The status bar shares its width with the permanent widgets (counts, sync state, user) and cut
long messages such as "composez le 07 39 …". This bar has the window's whole width, wraps,
keeps the message until the next one, lets the user select it, and copies the number to dial
(or the message) with one click.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QToolBar,
    QWidget,
)


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        layout.addWidget(self.label, 1)
        self.copy_button = QPushButton("Copier")
        self.copy_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.copy_button.clicked.connect(self.copy)
        layout.addWidget(self.copy_button)
        self._copy_text = ""
        self.show_message("")

    def show_message(self, message: str, copy_text: str | None = None) -> None:
        """Show `message` until the next one; "Copier" copies `copy_text` (else the message)."""
        self.label.setText(message)
        self._copy_text = copy_text if copy_text is not None else message
        self.copy_button.setToolTip(f"Copier « {self._copy_text} »" if message else "")
        self.copy_button.setVisible(bool(message))

    def text(self) -> str:
        return self.label.text()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self._copy_text)


def message_bar(window: QMainWindow) -> MessageBar:
    """The window's message bar, put at its bottom, across its whole width, on first use."""
    found = window.findChild(MessageBar)
    if found is not None:
        return found
    holder = QToolBar("Messages", window)
    holder.setObjectName("messageToolBar")
    holder.setMovable(False)
    holder.setFloatable(False)
    holder.toggleViewAction().setVisible(False)
    bar = MessageBar(holder)
    holder.addWidget(bar)
    window.addToolBar(Qt.ToolBarArea.BottomToolBarArea, holder)
    return bar
