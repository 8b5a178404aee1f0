"""The rep's contracts tab: every contract's latest version with its state and this month's
leads against the cap, and the disputes waiting for a decision across providers.

Both lists are read on a worker thread and drawn in table models; the tab refreshes itself
when contracts, sales or disputes change (a command of any window, a sync).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.domain.contracts import REQUEST_LABELS, REQUEST_STATE_LABELS, STATUS_LABELS
from app.domain.disputes import DISPUTE_REASON_LABELS
from app.domain.errors import ActionRefused, FieldErrors
from app.domain.money import format_euros
from app.services.contracts.contract_queries import ContractOverviewRow, OpenDispute
from ui.contracts.rows_model import ID_ROLE, PROVIDER_ROLE, Column, RowsModel
from ui.core import formatting
from ui.core.changes import Changes
from ui.core.item_views import on_row_activated

if TYPE_CHECKING:
    from ui.core.context import AppContext
    from ui.core.operations import Operation

# What the tab shows: a change in one of them reads both lists again.
OVERVIEW_TABLES = frozenset(
    {
        "contracts",
        "contract_versions",
        "contract_requests",
        "providers",
        "lead_sales",
        "lead_disputes",
    }
)


class ContractColumn(IntEnum):
    PROVIDER = 0
    CONTRACT = 1
    STATUS = 2
    STARTS = 3
    ENDS = 4
    LEADS = 5
    REQUEST = 6


class DisputeColumn(IntEnum):
    FILED = 0
    PROVIDER = 1
    LEAD = 2
    REASON = 3
    COMMENT = 4
    PRICE = 5


def _request_text(row: ContractOverviewRow) -> str:
    last = row.version.last_request
    return f"{REQUEST_LABELS[last.kind]} : {REQUEST_STATE_LABELS[last.state]}" if last else ""


CONTRACT_COLUMNS: dict[ContractColumn, Column] = {
    ContractColumn.PROVIDER: Column("Prestataire", lambda r: r.company_name),
    ContractColumn.CONTRACT: Column(
        "Contrat",
        lambda r: f"{r.version.reference or 'sans n°'} v{r.version.number}",
        lambda r: (r.version.reference or "", r.version.number),
    ),
    ContractColumn.STATUS: Column("Statut", lambda r: STATUS_LABELS[r.version.status]),
    ContractColumn.STARTS: Column(
        "Début", lambda r: f"{r.version.starts_on:%d/%m/%Y}", lambda r: r.version.starts_on
    ),
    ContractColumn.ENDS: Column(
        "Fin",
        lambda r: f"{r.version.ends_on:%d/%m/%Y}" if r.version.ends_on else "—",
        lambda r: (r.version.ends_on is None, r.version.ends_on or r.version.starts_on),
    ),
    ContractColumn.LEADS: Column(
        "Leads du mois",
        lambda r: f"{r.leads_this_month}{f' / {r.cap_leads}' if r.cap_leads else ''}",
        lambda r: r.leads_this_month,
        right_aligned=True,
    ),
    ContractColumn.REQUEST: Column("Demande", _request_text),
}

DISPUTE_COLUMNS: dict[DisputeColumn, Column] = {
    DisputeColumn.FILED: Column(
        "Déposée le",
        lambda e: formatting.office_date(e.dispute.filed_at),
        lambda e: e.dispute.filed_at,
    ),
    DisputeColumn.PROVIDER: Column("Prestataire", lambda e: e.company_name),
    DisputeColumn.LEAD: Column(
        "Lead", lambda e: f"n° {e.dispute.lead_number}", lambda e: e.dispute.lead_number
    ),
    DisputeColumn.REASON: Column("Motif", lambda e: DISPUTE_REASON_LABELS[e.dispute.reason]),
    DisputeColumn.COMMENT: Column("Commentaire", lambda e: e.dispute.comment),
    DisputeColumn.PRICE: Column(
        "Prix HT",
        lambda e: format_euros(e.dispute.price_cents, with_cents=True),
        lambda e: e.dispute.price_cents,
        right_aligned=True,
    ),
}


def contracts_model() -> RowsModel:
    return RowsModel(
        [CONTRACT_COLUMNS[c] for c in ContractColumn],
        {ID_ROLE: lambda r: r.version.version_id, PROVIDER_ROLE: lambda r: r.provider_id},
    )


def disputes_model() -> RowsModel:
    return RowsModel(
        [DISPUTE_COLUMNS[c] for c in DisputeColumn],
        {ID_ROLE: lambda e: e.dispute.id, PROVIDER_ROLE: lambda e: e.provider_id},
    )


@dataclass(frozen=True)
class Overview:
    contracts: list[ContractOverviewRow]
    disputes: list[OpenDispute]


def _table(name: str, model: RowsModel, widths: tuple[int, ...]) -> QTreeView:
    view = QTreeView()
    view.setObjectName(name)
    view.setRootIsDecorated(False)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setModel(model)
    view.setSortingEnabled(False)
    view.header().setSectionsClickable(True)
    view.header().setSortIndicatorShown(True)
    view.header().sortIndicatorChanged.connect(model.sort)
    for column, width in enumerate(widths):
        view.setColumnWidth(column, width)
    return view


class ContractsOverview(QWidget):
    def __init__(
        self,
        context: AppContext,
        open_contract: Callable[[uuid.UUID], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.queries = context.contract_queries
        self.disputes = context.disputes
        self.clock = context.clock
        self.contracts_model = contracts_model()
        self.disputes_model = disputes_model()
        self.contracts = _table("contracts", self.contracts_model, (240, 150, 150, 90, 90, 110))
        on_row_activated(self.contracts, PROVIDER_ROLE, open_contract)
        self.open_disputes = _table("open_disputes", self.disputes_model, (90, 220, 80, 240, 260))
        context.remembered.keep_header(self.contracts.header(), "contracts/overview/contracts")
        context.remembered.keep_header(self.open_disputes.header(), "contracts/overview/disputes")
        self.disputes_title = QLabel("Contestations à examiner")
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
        context.changes.watch(self, OVERVIEW_TABLES, lambda _changes: self.refresh())
        self.refresh()

    def refresh(self) -> Operation[Overview]:
        """Read both lists on a worker thread; they are drawn when they arrive."""
        queries, now = self.queries, self.clock()
        return self.context.operations.run(
            lambda: Overview(queries.overview(now), queries.open_disputes()),
            self._show,
            owner=self,
            label="contrats",
        )

    def _show(self, overview: Overview) -> None:
        chosen_contract = self._current(self.contracts, ID_ROLE)
        chosen_dispute = self._current(self.open_disputes, ID_ROLE)
        self.contracts_model.set_rows(overview.contracts)
        self.disputes_model.set_rows(overview.disputes)
        self._select(self.contracts, chosen_contract)
        self._select(self.open_disputes, chosen_dispute)
        self.disputes_title.setText(f"Contestations à examiner ({len(overview.disputes)})")

    @staticmethod
    def _current(view: QTreeView, role: int) -> uuid.UUID | None:
        index = view.currentIndex()
        return index.siblingAtColumn(0).data(role) if index.isValid() else None

    @staticmethod
    def _select(view: QTreeView, value: uuid.UUID | None) -> None:
        model = view.model()
        assert isinstance(model, RowsModel)
        row = model.row_of(ID_ROLE, value) if value is not None else None
        if row is not None:
            view.setCurrentIndex(model.index(row, 0))

    def selected_provider(self) -> uuid.UUID | None:
        index = self.contracts.currentIndex()
        return index.siblingAtColumn(0).data(PROVIDER_ROLE) if index.isValid() else None

    def decide(self, accept: bool, note: str | None = None) -> Operation[None] | None:
        """Accept or refuse the selected dispute, asking the reason unless given; the lists
        refresh themselves once the decision is written."""
        dispute_id = self._current(self.open_disputes, ID_ROLE)
        if dispute_id is None:
            QMessageBox.information(self, "Contestation", "Sélectionnez une contestation.")
            return None
        if note is None:
            title = "Accepter la contestation" if accept else "Refuser la contestation"
            note, ok = QInputDialog.getText(self, title, "Motif de la décision :")
            if not ok:
                return None
        disputes, decision = self.disputes, note

        def write() -> None:
            try:
                disputes.decide(dispute_id, accept, decision)
            except FieldErrors as error:  # the refusal's reason is missing
                raise ActionRefused(" ".join(error.errors.values())) from error

        return self.context.operations.run(
            write,
            None,
            lambda message: QMessageBox.warning(self, "Contestation", message),
            owner=self,
            changes=Changes.of("lead_disputes", dispute_id)
            | Changes.tables_only("provider_credits"),
            label="contestation",
        )
