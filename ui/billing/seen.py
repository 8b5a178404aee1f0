"""Billing tabs read again when what they show changed, but only once they are seen.

At the scale of years of invoices, a tab's reading is worth doing only when it is in view: a
change announced while the tab is hidden marks it stale, and it reads again when shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from ui.core.changes import ChangeBus, Changes


class RefreshWhenSeen(QObject):
    def __init__(
        self,
        widget: QWidget,
        changes: ChangeBus,
        tables: Iterable[str],
        refresh: Callable[[], None],
    ) -> None:
        super().__init__(widget)
        self._widget = widget
        self._refresh = refresh
        self.stale = False
        widget.installEventFilter(self)
        changes.watch(widget, tables, self._changed)

    def _changed(self, _changes: Changes) -> None:
        if self._widget.isVisible():
            self._refresh()
        else:
            self.stale = True

    def catch_up(self) -> None:
        """Read again now if a change came while the tab was hidden."""
        if self.stale:
            self.stale = False
            self._refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Show:
            self.catch_up()
        return False
