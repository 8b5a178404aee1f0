"""Opening what a row of a list, tree or table stands for, safely."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import QAbstractItemView


def on_row_activated(
    view: QAbstractItemView,
    role: int,
    handler: Callable[[Any], object],
    *,
    on_click: bool = False,
) -> None:
    """Call `handler` with the `role` data (column 0) of the row the user activates: Enter, or
    a double click (a single click where the platform activates on single click; any click
    with `on_click`).

    The value is read when the signal arrives and `handler` runs once the view has finished
    handling the event. Handlers open a dialog and refresh the view afterwards; run inside the
    view's own signal, that refresh deletes the item the view is still delivering (a double
    click also emits `doubleClicked` then `activated`: connecting both opened the file twice,
    the second time with a deleted item, "Erreur inattendue"), and the view's pressed-mouse
    state outlives the dialog. Only `activated` is connected, so a double click opens once.
    """

    def chosen(index: QModelIndex) -> None:
        value = index.siblingAtColumn(0).data(role)
        if value is not None:
            # The view as context: nothing runs if it is gone by then.
            QTimer.singleShot(0, view, lambda: handler(value))

    view.activated.connect(chosen)
    if on_click:
        view.clicked.connect(chosen)
