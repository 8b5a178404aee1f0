"""The unsold list for managers: released leads no contract could take, with the reason, and
placing selected ones again once coverage was added (a request to the server)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.dispatch.matching import UNSOLD_LABELS
from app.services.leads.unsold import UnsoldQueries

Redispatch = Callable[[list[str]], Awaitable[dict[str, Any]]]
ID_ROLE = Qt.ItemDataRole.UserRole


class UnsoldDialog(QDialog):
    def __init__(
        self,
        queries: UnsoldQueries,
        redispatch: Redispatch | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queries = queries
        self.redispatch = redispatch
        self.setWindowTitle("Leads invendus")
        self.resize(1120, 600)
        self.only_open = QCheckBox("Seulement ceux toujours invendus")
        self.only_open.setChecked(True)
        self.only_open.toggled.connect(self.refresh)
        self.count = QLabel()
        self.list = QTreeWidget()
        self.list.setObjectName("unsold")
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setHeaderLabels(
            ["Lead", "Déposé le", "Catégorie", "Lieu", "Motif", "Constaté le", "Vendu depuis"]
        )
        for column, width in enumerate((70, 120, 200, 220, 250, 120)):
            self.list.setColumnWidth(column, width)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.place = QPushButton("Relancer la diffusion de la sélection")
        self.place.setObjectName("redispatch")
        self.place.clicked.connect(self.place_selected)
        if redispatch is None:
            self.place.setEnabled(False)
            self.place.setToolTip("Poste non relié au serveur : la diffusion est faite par lui.")
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        top = QHBoxLayout()
        top.addWidget(self.only_open)
        top.addStretch(1)
        top.addWidget(self.count)
        bottom = QHBoxLayout()
        bottom.addWidget(self.place)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.list)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        self.refresh()

    def refresh(self) -> None:
        rows, total = self.queries.rows(still_unsold=self.only_open.isChecked())
        self.list.clear()
        for row in rows:
            item = QTreeWidgetItem(
                self.list,
                [
                    f"n° {row.number}",
                    row.submitted_at.astimezone().strftime("%d/%m/%Y %H:%M"),
                    row.category,
                    f"{row.postcode} {row.city}",
                    UNSOLD_LABELS[row.reason],
                    row.recorded_at.astimezone().strftime("%d/%m/%Y %H:%M"),
                    row.sold_later_at.astimezone().strftime("%d/%m/%Y %H:%M")
                    if row.sold_later_at
                    else "",
                ],
            )
            item.setData(0, ID_ROLE, row.lead_id)
        shown = f" (les {len(rows)} plus récents)" if total > len(rows) else ""
        self.count.setText(f"{total} lead(s){shown}")

    def selected_leads(self) -> list[uuid.UUID]:
        return [item.data(0, ID_ROLE) for item in self.list.selectedItems()]

    def place_selected(self) -> asyncio.Future[None] | None:
        leads = self.selected_leads()
        if not leads or self.redispatch is None:
            self.status.setText("Sélectionnez des leads à diffuser de nouveau.")
            return None
        self.place.setEnabled(False)
        self.status.setText(f"Diffusion de {len(leads)} lead(s) demandée au serveur…")
        return asyncio.ensure_future(self._place([str(x) for x in leads]))

    async def _place(self, lead_ids: list[str]) -> None:
        assert self.redispatch is not None
        try:
            answer = await self.redispatch(lead_ids)
        except Exception as exc:  # network or server: said to the user, nothing changed
            self.status.setText(f"Le serveur n'a pas pu diffuser : {exc}")
        else:
            placed = answer.get("placed", [])
            sold = sum(1 for p in placed if p["sold_to"])
            self.status.setText(
                f"{sold} lead(s) vendu(s), {len(placed) - sold} toujours invendu(s). "
                "La liste se met à jour à la prochaine synchronisation."
            )
        finally:
            self.place.setEnabled(True)
