"""The rep's contracts tab: every contract's latest version with its state and this month's
leads against the cap, and the disputes waiting for a decision across providers."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.clock import Clock
from app.domain.contracts import REQUEST_LABELS, REQUEST_STATE_LABELS, STATUS_LABELS
from app.domain.disputes import DISPUTE_REASON_LABELS
from app.domain.money import format_euros
from app.services.billing.disputes import DisputeService
from app.services.contracts.contract_queries import ContractQueries
from ui.core.item_views import on_row_activated
from ui.pipeline.provider_account import decide_selected

ID_ROLE = Qt.ItemDataRole.UserRole
PROVIDER_ROLE = Qt.ItemDataRole.UserRole + 1


class ContractsOverview(QWidget):
    def __init__(
        self,
        queries: ContractQueries,
        disputes: DisputeService,
        clock: Clock,
        open_contract: Callable[[uuid.UUID], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queries = queries
        self.disputes = disputes
        self.clock = clock
        self.contracts = QTreeWidget()
        self.contracts.setObjectName("contracts")
        self.contracts.setRootIsDecorated(False)
        self.contracts.setHeaderLabels(
            ["Prestataire", "Contrat", "Statut", "Début", "Fin", "Leads du mois", "Demande"]
        )
        for column, width in enumerate((240, 150, 150, 90, 90, 110)):
            self.contracts.setColumnWidth(column, width)
        on_row_activated(self.contracts, PROVIDER_ROLE, open_contract)
        self.open_disputes = QTreeWidget()
        self.open_disputes.setObjectName("open_disputes")
        self.open_disputes.setRootIsDecorated(False)
        self.open_disputes.setHeaderLabels(
            ["Déposée le", "Prestataire", "Lead", "Motif", "Commentaire", "Prix HT"]
        )
        for column, width in enumerate((90, 220, 80, 240, 260)):
            self.open_disputes.setColumnWidth(column, width)
        self.disputes_title = QLabel()
        accept = QPushButton("Accepter (avoir)…")
        accept.clicked.connect(lambda: self.decide(True))
        refuse = QPushButton("Refuser…")
        refuse.clicked.connect(lambda: self.decide(False))
        buttons = QHBoxLayout()
        buttons.addWidget(accept)
        buttons.addWidget(refuse)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Contrats (dernière version ; double-clic pour l'ouvrir)"))
        layout.addWidget(self.contracts, 3)
        layout.addWidget(self.disputes_title)
        layout.addWidget(self.open_disputes, 2)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        self.contracts.clear()
        for row in self.queries.overview(self.clock()):
            version = row.version
            last = version.last_request
            cap = f" / {row.cap_leads}" if row.cap_leads else ""
            item = QTreeWidgetItem(
                self.contracts,
                [
                    row.company_name,
                    f"{version.reference or 'sans n°'} v{version.number}",
                    STATUS_LABELS[version.status],
                    f"{version.starts_on:%d/%m/%Y}",
                    f"{version.ends_on:%d/%m/%Y}" if version.ends_on else "—",
                    f"{row.leads_this_month}{cap}",
                    f"{REQUEST_LABELS[last.kind]} : {REQUEST_STATE_LABELS[last.state]}"
                    if last
                    else "",
                ],
            )
            item.setData(0, ID_ROLE, version.version_id)
            item.setData(0, PROVIDER_ROLE, row.provider_id)
        self.open_disputes.clear()
        waiting = self.queries.open_disputes()
        for entry in waiting:
            dispute = entry.dispute
            item = QTreeWidgetItem(
                self.open_disputes,
                [
                    dispute.filed_at.astimezone().strftime("%d/%m/%Y"),
                    entry.company_name,
                    f"n° {dispute.lead_number}",
                    DISPUTE_REASON_LABELS[dispute.reason],
                    dispute.comment,
                    format_euros(dispute.price_cents, with_cents=True),
                ],
            )
            item.setData(0, ID_ROLE, dispute.id)
        self.disputes_title.setText(f"Contestations à examiner ({len(waiting)})")

    def selected_provider(self) -> uuid.UUID | None:
        item = self.contracts.currentItem()
        return item.data(0, PROVIDER_ROLE) if item else None

    def decide(self, accept: bool, note: str | None = None) -> bool:
        if decide_selected(self, self.open_disputes, self.disputes, accept, note):
            self.refresh()
            return True
        return False
