"""The UI a user left: window geometry, splitters, column widths and order, last folders.

Kept with QSettings (an INI file in the user's configuration folder, per OS account), under
keys named after the screen (`queue/window`, `billing/invoices/columns`). A state that no
longer applies (a screen that lost a column, a monitor unplugged) is ignored by Qt's
restore functions, so a stale setting can never break a screen.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings
from PySide6.QtWidgets import QHeaderView, QSplitter, QWidget

ORGANISATION = "crm-leads"
APPLICATION = "CRM Leads"


class Remembered:
    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> QSettings:
        # Created on first use: the QApplication (and, in tests, its settings folder) exists.
        if self._settings is None:
            self._settings = QSettings(
                QSettings.Format.IniFormat,
                QSettings.Scope.UserScope,
                ORGANISATION,
                APPLICATION,
            )
        return self._settings

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.settings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    # -- windows, splitters, headers --------------------------------------------------------

    def restore_window(self, window: QWidget, key: str) -> bool:
        state = self._bytes(f"{key}/geometry")
        return bool(state is not None and window.restoreGeometry(state))

    def save_window(self, window: QWidget, key: str) -> None:
        self.settings.setValue(f"{key}/geometry", window.saveGeometry())

    def keep_splitter(self, splitter: QSplitter, key: str) -> None:
        """Restore the splitter now and save it each time the user moves it."""
        state = self._bytes(f"{key}/splitter")
        if state is not None:
            splitter.restoreState(state)
        splitter.splitterMoved.connect(
            lambda *_: self.settings.setValue(f"{key}/splitter", splitter.saveState())
        )

    def keep_header(self, header: QHeaderView, key: str) -> None:
        """Restore column widths and order now, save them when the user resizes or moves one."""
        state = self._bytes(f"{key}/columns")
        if state is not None:
            header.restoreState(state)

        def save(*_: object) -> None:
            self.settings.setValue(f"{key}/columns", header.saveState())

        header.sectionResized.connect(save)
        header.sectionMoved.connect(save)
        header.sortIndicatorChanged.connect(save)

    # -- folders ----------------------------------------------------------------------------

    def last_folder(self, key: str, default: Path | None = None) -> str:
        value = self.settings.value(f"folders/{key}")
        if isinstance(value, str) and Path(value).is_dir():
            return value
        return str(default or Path.home())

    def remember_folder(self, key: str, chosen_file: str | Path) -> None:
        if chosen_file:
            self.settings.setValue(f"folders/{key}", str(Path(chosen_file).parent))


def keep_window(remembered: Remembered, window: QWidget, key: str) -> None:
    """Restore a window's geometry now; the window saves it from its closeEvent."""
    remembered.restore_window(window, key)
    _GeometryKeeper(remembered, window, key)


class _GeometryKeeper(QObject):
    """Saves the window's geometry when it is hidden or closed (an event filter)."""

    def __init__(self, remembered: Remembered, window: QWidget, key: str) -> None:
        super().__init__(window)
        self._remembered = remembered
        self._key = key
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QWidget) and event.type() in (QEvent.Type.Close, QEvent.Type.Hide):
            self._remembered.save_window(watched, self._key)
        return False
