"""The pipeline board: one column per stage, providers as cards, drag and drop between them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.providers import STAGE_LABELS, ProviderStage
from app.services.providers.provider_queries import ProviderRow
from ui.core import formatting
from ui.core.item_views import on_row_activated

PROVIDER_ID = Qt.ItemDataRole.UserRole
STAGE_COLOURS = {
    ProviderStage.PROSPECT: "#e8eef7",
    ProviderStage.CONTACTED: "#e3f1f8",
    ProviderStage.SIMULATION_SHOWN: "#fff4df",
    ProviderStage.PROPOSAL_SENT: "#fbe9d9",
    ProviderStage.SIGNED: "#e2f3e4",
    ProviderStage.LOST: "#eeeeee",
}


class StageColumn(QListWidget):
    """A column that accepts cards dragged from the other columns."""

    def __init__(self, stage: ProviderStage, on_drop: Callable[[uuid.UUID, ProviderStage], None]):
        super().__init__()
        self.stage = stage
        self._on_drop = on_drop
        self.setObjectName(f"column_{stage.value}")
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setSpacing(3)
        self.setStyleSheet(
            f"QListWidget {{ background: {STAGE_COLOURS[stage]}; border: none; }}"
            "QListWidget::item { background: white; border: 1px solid #c9d3df;"
            " border-radius: 4px; padding: 4px; }"
            "QListWidget::item:selected { border: 2px solid #1f4e79; color: black; }"
        )

    def dropEvent(self, event: QDropEvent) -> None:
        source = event.source()
        if not isinstance(source, StageColumn) or source is self:
            event.ignore()
            return
        item = source.currentItem()
        if item is None:
            event.ignore()
            return
        # The service moves the provider; the board then reloads from the database, so the
        # widget's own move is not performed.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        self._on_drop(item.data(PROVIDER_ID), self.stage)


class PipelineBoard(QWidget):
    def __init__(
        self,
        on_move: Callable[[uuid.UUID, ProviderStage], None],
        on_open: Callable[[uuid.UUID], None],
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self.clock = clock
        self.columns: dict[ProviderStage, StageColumn] = {}
        self._titles: dict[ProviderStage, QLabel] = {}
        row = QHBoxLayout(self)
        row.setSpacing(6)
        for stage in ProviderStage:
            box = QVBoxLayout()
            title = QLabel()
            title.setStyleSheet("font-weight: bold; padding: 4px;")
            column = StageColumn(stage, on_move)
            on_row_activated(column, PROVIDER_ID, on_open)
            box.addWidget(title)
            box.addWidget(column)
            row.addLayout(box)
            self.columns[stage] = column
            self._titles[stage] = title

    def show_rows(self, columns: dict[ProviderStage, list[ProviderRow]]) -> None:
        now = self.clock()
        for stage, rows in columns.items():
            widget = self.columns[stage]
            widget.clear()
            self._titles[stage].setText(f"{STAGE_LABELS[stage]} ({len(rows)})")
            for row in rows:
                phone = formatting.format_phone_national(row.phone_e164) if row.phone_e164 else ""
                text = (
                    f"{row.company_name}\n{row.postcode} {row.city}\n"
                    f"{phone}  ·  depuis {formatting.age(row.stage_changed_at, now)}"
                )
                item = QListWidgetItem(text)
                item.setData(PROVIDER_ID, row.id)
                item.setToolTip(f"{row.company_name} – {row.owner_name}")
                widget.addItem(item)

    def selected_provider(self) -> uuid.UUID | None:
        for column in self.columns.values():
            if column.hasFocus() and column.currentItem() is not None:
                return column.currentItem().data(PROVIDER_ID)  # type: ignore[no-any-return]
        for column in self.columns.values():
            if column.currentItem() is not None and column.currentItem().isSelected():
                return column.currentItem().data(PROVIDER_ID)  # type: ignore[no-any-return]
        return None

    def find(self, provider_id: uuid.UUID) -> ProviderStage | None:
        for stage, column in self.columns.items():
            for index in range(column.count()):
                if column.item(index).data(PROVIDER_ID) == provider_id:
                    return stage
        return None
