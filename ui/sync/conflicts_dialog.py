"""The conflicts screen: two people changed the same field; someone chooses which value stays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ActionRefused
from app.services.auth import StaffMember
from app.services.conflicts import ConflictSide, ConflictView, open_conflicts, resolve_conflict
from app.workspace import Workspace
from ui.core.dialog_parts import error_line
from ui.core.formatting import when

HEADERS = ("Enregistrement", "Champ", "Valeur retenue", "Par, le", "Autre valeur", "Par, le")


def _value(value: Any) -> str:
    if value is None or value == "":
        return "(vide)"
    if value is True:
        return "oui"
    if value is False:
        return "non"
    return str(value)


def _who(side: ConflictSide) -> str:
    return f"{side.user}, {when(side.at)}" if side.at else side.user


class ConflictsDialog(QDialog):
    def __init__(
        self,
        workspace: Workspace,
        user: StaffMember,
        clock: Callable[[], Any],
        on_change: Callable[[], None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Conflits de synchronisation")
        self.resize(1100, 420)
        self._workspace, self._user, self._clock = workspace, user, clock
        self._on_change = on_change
        self.conflicts: list[ConflictView] = []
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Deux personnes ont modifié le même champ sans voir la modification de l'autre. "
                "Le serveur a retenu la plus récente ; choisissez la valeur à garder."
            )
        )
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table)
        self.message = error_line()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.keep = QPushButton("Garder la valeur retenue")
        self.take_other = QPushButton("Reprendre l'autre valeur")
        close = QPushButton("Fermer")
        self.keep.clicked.connect(lambda: self._resolve(False))
        self.take_other.clicked.connect(lambda: self._resolve(True))
        close.clicked.connect(self.accept)
        buttons.addWidget(self.keep)
        buttons.addWidget(self.take_other)
        buttons.addStretch()
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        self.conflicts = open_conflicts(self._workspace.sessions)
        self.table.setRowCount(len(self.conflicts))
        for row, conflict in enumerate(self.conflicts):
            cells = (
                conflict.record,
                conflict.field
                + (" (enregistrement supprimé)" if conflict.kind == "deleted" else ""),
                _value(conflict.kept.value),
                _who(conflict.kept),
                _value(conflict.other.value),
                _who(conflict.other),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if self.conflicts:
            self.table.selectRow(0)
        for button in (self.keep, self.take_other):
            button.setEnabled(bool(self.conflicts))

    def _refuse(self, message: str) -> None:
        self.message.setText(message)
        self.message.show()

    def _resolve(self, take_other: bool) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.conflicts):
            self._refuse("Choisissez un conflit dans la liste.")
            return
        try:
            resolve_conflict(
                self._workspace.sessions,
                self.conflicts[row].id,
                take_other,
                self._user.id,
                self._clock,
            )
        except ActionRefused as refused:
            self._refuse(refused.message)
            return
        self.message.hide()
        self.reload()
        self._on_change()
